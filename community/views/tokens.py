"""*Mon profil › Jetons d’accès*: create a personal access token for the API (its text shown
once, in the answer to the creation) and revoke the member's tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from community.actions.tokens import (
    MAX_ACTIVE_TOKENS,
    TokenError,
    create_access_token,
    revoke_access_token,
)
from community.models import AccessToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What it is for, e.g. the application that will use it."),
        error_messages={"required": gettext_lazy("Give the token a name.")},
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"),
        choices=AccessToken.Scope.choices,
        initial=AccessToken.Scope.READ,
        widget=forms.RadioSelect,
    )


def _page(request: HttpRequest, form: TokenForm, created: str = "", status: int = 200):
    tokens = AccessToken.objects.filter(user=request.user)
    response = render(
        request,
        "community/tokens.html",
        {
            "form": form,
            "created_token": created,
            "active_tokens": [t for t in tokens if t.revoked_at is None],
            "revoked_tokens": [t for t in tokens if t.revoked_at is not None][:20],
            "max_tokens": MAX_ACTIVE_TOKENS,
        },
        status=status,
    )
    add_never_cache_headers(response)  # the new token's text must not stay in a cache
    return response


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        _token, text = create_access_token(
            request.user, form.cleaned_data["name"], form.cleaned_data["scope"]
        )
    except TokenError as error:
        form.add_error(None, error.message)
        return _page(request, form, status=400)
    return _page(request, TokenForm(), created=text)


@require_POST
@login_required
def revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if revoke_access_token(request.user, token_id):
        messages.success(request, _("The token is revoked: it no longer opens the API."))
    else:
        messages.error(request, _("You have no active token with this number."))
    return redirect("community:tokens")
