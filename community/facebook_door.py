"""Facebook login URLs when no Facebook app is configured: a 404 that says why.

allauth's Facebook views look the app up (``FACEBOOK_APP_ID`` / ``FACEBOOK_APP_SECRET`` or a
SocialApp in the admin) and fail with ``SocialApp.DoesNotExist`` (a 500) when there is none.
These patterns come before allauth's in ``cms/urls.py``; with an app they hand the request to
allauth's own views unchanged.
"""

from __future__ import annotations

from functools import wraps

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.facebook import views as facebook
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _


def facebook_configured(request) -> bool:
    return bool(get_adapter(request).list_apps(request, provider="facebook"))


def needs_facebook_app(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not facebook_configured(request):
            return render(
                request,
                "community/facebook_unavailable.html",
                {"reason": _("Logging in with Facebook is not available on this site.")},
                status=404,
            )
        return view(request, *args, **kwargs)

    return wrapper


facebook_urlpatterns = [
    path("login/", needs_facebook_app(facebook.oauth2_login)),
    path("login/callback/", needs_facebook_app(facebook.oauth2_callback)),
    path("login/token/", needs_facebook_app(facebook.login_by_token)),
]
