"""One login door: every login and password reset goes through allauth (`/comptes/`).

Wagtail's admin has a login form and password reset views of its own, built on Django's
`authenticate()`: allauth's rate limits (``ACCOUNT_RATE_LIMITS``), its per-account lockout
after failed logins and its mandatory email verification do not apply there. These routes
shadow them (``cms/urls.py`` puts them before Wagtail's admin URLs): they answer every method
with a redirect to allauth's page, carrying a safe ``next`` along, and never read a password.
``WAGTAIL_PASSWORD_RESET_ENABLED = False`` makes Wagtail's own reset views answer 404 should
they ever be reached; password and email changes go through allauth too
(``WAGTAIL_PASSWORD_MANAGEMENT_ENABLED``, ``WAGTAIL_EMAIL_MANAGEMENT_ENABLED``), linked from the
admin's account page (``community/wagtail_hooks.py``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, re_path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from wagtail import hooks

from cms.params import is_site_path


def _safe_next(request: HttpRequest, default: str = "") -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if is_site_path(request, target) and get_adapter(request).is_safe_url(target):
        return target
    return default


def _redirect(url_name: str, next_url: str) -> HttpResponseRedirect:
    url = reverse(url_name)
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return HttpResponseRedirect(url)


# CSRF-exempt: a redirect that reads no credential and changes nothing; a POST from an old
# admin login page gets the allauth page instead of a CSRF failure.
@csrf_exempt
def admin_login(request: HttpRequest) -> HttpResponseRedirect:
    """The admin's login URL: allauth's login, back to the admin (or the safe ``next``)."""
    return _redirect("account_login", _safe_next(request, reverse("wagtailadmin_home")))


@csrf_exempt
def admin_password_reset(request: HttpRequest, **kwargs) -> HttpResponseRedirect:
    """Every admin password-reset URL: allauth's password reset, which is rate limited."""
    return _redirect("account_reset_password", "")


# Shadow Wagtail's `login/` and `password_reset/...` (relative to the admin's prefix).
admin_urlpatterns = [
    path("login/", admin_login, name="admin_login_door"),
    re_path(r"^password_reset/(?:.*)$", admin_password_reset, name="admin_password_reset_door"),
]


@hooks.register("register_account_menu_item")
def change_password_menu_item(request):
    """The admin's account page links to allauth's password change (rate limited)."""
    if not request.user.has_usable_password():
        return None
    return {
        "url": reverse("account_change_password"),
        "label": _("Change password"),
        "help_text": _("On the site's account pages, like every login and password reset."),
    }


@hooks.register("register_account_menu_item")
def manage_email_menu_item(request):
    """… and to allauth's email addresses page (a new address is verified first)."""
    return {
        "url": reverse("account_email"),
        "label": _("Change email address"),
        "help_text": _("A new address is used once you have confirmed it from its mailbox."),
    }
