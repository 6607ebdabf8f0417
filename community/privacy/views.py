"""Members' rights: see and download their data, withdraw consents, delete the account;
the public privacy page; a language switch that needs no cookie before it is used.

Thin views: parse, call one function of the package, render.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from community.privacy import register
from community.privacy.erasure import delete_account
from community.privacy.export import as_json, member_data
from community.privacy.forms import DeleteAccountForm
from community.privacy.receivers import recently_authenticated

HTML_ROWS_PER_SECTION = 200


def _active_consents(user) -> list:
    from community.outreach import consents

    records = consents.active_consents(user=user, email=user.email).order_by("-given_at", "-pk")
    return [
        {"record": record, "label": consents.consent_label(record.purpose)} for record in records
    ]


@never_cache
@login_required
def my_data(request):
    sections = member_data(request.user)
    return render(
        request,
        "privacy/my_data.html",
        {
            "sections": sections,
            "row_limit": HTML_ROWS_PER_SECTION,
            "consents": _active_consents(request.user),
        },
    )


@never_cache
@login_required
def my_data_download(request):
    user = request.user
    payload = as_json(user, member_data(user))
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    filename = f"affinites-mes-donnees-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@login_required
def withdraw_consent(request, record_id: int):
    from community.outreach import consents as api

    user = request.user
    record = api.active_consents(user=user, email=user.email).filter(pk=record_id).first()
    if record is None:
        messages.info(request, _("This consent was already withdrawn."))
        return redirect("privacy:my_data")
    api.withdraw_consent(record)
    messages.success(
        request,
        _("Consent withdrawn: “%(label)s”. Nothing more will be sent on its basis.")
        % {"label": api.consent_label(record.purpose)},
    )
    return redirect(reverse("privacy:my_data") + "#consentements")


def _reauthentication_links(request) -> list[dict]:
    """Provider login links that confirm a social-only member's identity again."""
    links = []
    query = urlencode({"process": "login", "action": "reauthenticate", "next": request.path})
    for account in request.user.socialaccount_set.all():
        try:
            url = reverse(f"{account.provider}_login")
        except NoReverseMatch:
            continue
        links.append({"name": account.provider.title(), "url": f"{url}?{query}"})
    return links


@never_cache
@login_required
def delete_account_view(request):
    """Confirm with the password; an account without one (Facebook login only) must have
    logged in within the last few minutes (``recently_authenticated``)."""
    user = request.user
    needs_login = not user.has_usable_password() and not recently_authenticated(request)
    if request.method == "POST" and needs_login:
        messages.error(request, _("Please confirm who you are first, then delete your account."))
        return redirect("privacy:delete_account")
    if request.method == "POST":
        form = DeleteAccountForm(request.POST, user=user)
        if form.is_valid():
            summary = delete_account(user, keep_posts=form.keep_posts)
            logout(request)
            return render(
                request,
                "privacy/account_deleted.html",
                {"summary": summary, "kept": form.keep_posts},
            )
    else:
        form = DeleteAccountForm(user=user)
    return render(
        request,
        "privacy/delete_account.html",
        {
            "form": form,
            "social_only": not user.has_usable_password(),
            "needs_login": needs_login,
            "login_links": _reauthentication_links(request) if needs_login else [],
        },
    )


def privacy_policy(request):
    return render(
        request,
        "privacy/privacy_policy.html",
        {
            "processings": register.processings(),
            "contact_email": settings.PRIVACY_CONTACT_EMAIL,
            "prospect_days": settings.PROSPECT_RETENTION_DAYS,
            "inactivity": register.duration(settings.ACCOUNT_INACTIVITY_DAYS),
            "grace": register.duration(settings.ACCOUNT_INACTIVITY_GRACE_DAYS),
            "prospects": register.duration(settings.PROSPECT_RETENTION_DAYS),
        },
    )


# Changing the language is not worth a CSRF cookie on every page: the footer's form posts
# here without a token (the worst a forged request can do is switch someone's language).
set_language = csrf_exempt(django_set_language)
