"""Admin forms: the Page connection (token checked with Facebook before anything is stored)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .graph import ErrorKind, GraphAPIError, GraphClient, GraphError


def graph_error_text(exc: GraphError) -> str:
    if isinstance(exc, GraphAPIError):
        if exc.kind == ErrorKind.TOKEN:
            return gettext("Facebook refused this token: %(message)s") % {"message": exc.message}
        if exc.kind == ErrorKind.PERMISSION:
            return gettext("This token lacks a permission: %(message)s") % {"message": exc.message}
        return gettext("Facebook answered: %(message)s (code %(code)s)") % {
            "message": exc.message,
            "code": exc.code if exc.code is not None else exc.status,
        }
    return gettext("Facebook could not be reached; nothing was saved. Please try again.")


class FacebookConnectionForm(WagtailAdminModelForm):
    page_token = forms.CharField(
        label=_("Page access token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Paste a long-lived Page access token to replace the stored one; leave empty to "
            "keep it. It is checked with Facebook, stored encrypted and never shown again."
        ),
    )
    ads_token = forms.CharField(
        label=_("Marketing API access token"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "Optional: a system user token with ads_management for this ad account. Leave empty "
            "to keep the stored one (or to use the Page token)."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._verified_page: tuple[str, str] | None = None  # (token, page name)
        self._verified_ads_token: str | None = None
        instance = self.instance
        if instance.page_token_last4 and "page_token" in self.fields:
            self.fields["page_token"].widget.attrs["placeholder"] = "…" + instance.page_token_last4
        if instance.ads_token_last4 and "ads_token" in self.fields:
            self.fields["ads_token"].widget.attrs["placeholder"] = "…" + instance.ads_token_last4

    def clean_ad_account_id(self) -> str:
        value = (self.cleaned_data.get("ad_account_id") or "").strip()
        return value.removeprefix("act_")

    def clean(self):
        from .models import TokenUnavailable

        cleaned = super().clean()
        if self.errors:
            return cleaned
        instance = self.instance
        page_id = (cleaned.get("page_id") or "").strip()
        version = cleaned.get("api_version") or settings.FACEBOOK_GRAPH_API_VERSION
        new_token = cleaned.get("page_token") or ""
        token = new_token
        changed = page_id != instance.page_id or version != instance.api_version
        if page_id and not token and changed:
            try:
                token = instance.page_token()
            except TokenUnavailable:
                token = ""
            if not token:
                self.add_error("page_token", gettext("Enter the Page access token for this Page."))
                return cleaned
        if new_token and not page_id:
            self.add_error("page_id", gettext("Enter the id of the Page this token belongs to."))
            return cleaned
        if token:
            try:
                page = GraphClient(token, version=version).get_page(page_id)
            except GraphError as exc:
                self.add_error("page_token" if new_token else None, graph_error_text(exc))
                return cleaned
            if str(page.get("id")) != page_id:
                self.add_error(
                    "page_token",
                    gettext("This token belongs to another Page (id %(id)s).")
                    % {"id": page.get("id")},
                )
                return cleaned
            self._verified_page = (token, str(page.get("name") or ""))

        account = cleaned.get("ad_account_id") or ""
        ads_token = cleaned.get("ads_token") or ""
        if account and (ads_token or account != instance.ad_account_id):
            try:
                check_token = ads_token or instance.ads_token_for_check(token)
            except TokenUnavailable:
                check_token = ""
            if not check_token:
                self.add_error("ads_token", gettext("Enter a token that can use this ad account."))
                return cleaned
            try:
                GraphClient(check_token, version=version).get_ad_account(account)
            except GraphError as exc:
                self.add_error("ads_token" if ads_token else "ad_account_id", graph_error_text(exc))
                return cleaned
            if ads_token:
                self._verified_ads_token = ads_token
        return cleaned

    def save(self, commit: bool = True):
        from .connection import apply_verified_tokens

        instance = super().save(commit=False)
        if not instance.page_id:
            instance.page_token_encrypted = instance.page_token_last4 = instance.page_name = ""
            instance.verified_at = None
        apply_verified_tokens(
            instance, page=self._verified_page, ads_token=self._verified_ads_token
        )
        if commit:
            instance.save()
        return instance


class PagePickForm(forms.Form):
    page = forms.ChoiceField(label=_("Facebook Page"), widget=forms.RadioSelect)

    def __init__(self, *args, accounts: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["page"].choices = [
            (str(a["id"]), f"{a.get('name') or a['id']} ({a['id']})") for a in accounts
        ]


class CampaignForm(forms.Form):
    radius_km = forms.IntegerField(
        label=_("radius around the branch (km)"), min_value=1, max_value=80, initial=15
    )
