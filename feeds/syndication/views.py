"""Admin views: retry a row, pick the Page through Facebook login, targeting and campaigns."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.models import Page

from cms.params import redirect_next

from . import crypto, destinations
from .campaigns import prepare_campaign, retry_campaign
from .connection import apply_verified_tokens
from .forms import CampaignForm, PagePickForm, graph_error_text
from .graph import GraphClient, GraphError
from .models import AdCampaign, FacebookConnection, Syndication
from .outbox import is_syndicated
from .targeting import facebook_interests, page_branches, targeting_spec

logger = logging.getLogger("feeds.syndication")

SESSION_KEY = "feeds.syndication.facebook_user_token"
PAGE_SCOPES = ["pages_show_list", "pages_manage_posts", "pages_read_engagement"]
MANAGE_CONNECTION = "feeds.change_facebookconnection"


def can_retry(user, row: Syndication) -> bool:
    """Editors of the page may retry: the post is rebuilt from the live (approved) page,
    so retrying publishes nothing that was not already published. Rows of deleted pages:
    admins of the connection only."""
    page = Page.objects.filter(pk=row.page_pk).first()
    if page is not None:
        return page.permissions_for_user(user).can_edit()
    return user.has_perm(MANAGE_CONNECTION)


@require_POST
def retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(Syndication, pk=pk)
    if not can_retry(request.user, row):
        raise PermissionDenied
    if destinations.retry(row, user=request.user):
        if row.destination == Syndication.Destination.FEDIVERSE:
            messages.success(request, _("The Fediverse publication will be sent again."))
        else:
            messages.success(request, _("The Facebook post will be sent again."))
    else:
        messages.warning(request, _("There was nothing to retry."))
    return redirect_next(request, reverse("feeds_syndication_report:index"))


@require_POST
def cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give up a row that has not gone out yet (same permission as retrying)."""
    row = get_object_or_404(Syndication, pk=pk)
    if not can_retry(request.user, row):
        raise PermissionDenied
    if destinations.cancel(row):
        messages.success(request, _("This publication will not be sent."))
    else:
        messages.warning(request, _("It is too late to cancel: it is being sent or was sent."))
    return redirect_next(request, reverse("feeds_syndication_report:index"))


def banner_view(request: HttpRequest) -> HttpResponse:
    """The "connection broken" banner, for any admin user (204 when all is well)."""
    connection = FacebookConnection.load()
    if not connection.broken:
        return HttpResponse(status=204)
    return TemplateResponse(
        request,
        "feeds/syndication/banner.html",
        {
            "connection": connection,
            "pending": Syndication.objects.facebook().unfinished().count(),
            "settings_url": reverse("wagtailsettings:edit", args=["feeds", "facebookconnection"]),
            "can_fix": request.user.has_perm(MANAGE_CONNECTION),
        },
    )


# --- Getting the Page token through Facebook login ------------------------------------------


def stash_user_token(request: HttpRequest, token: str, uid: str) -> None:
    """Keep the user token from a Facebook login (encrypted) for the Page picker."""
    request.session[SESSION_KEY] = crypto.encrypt(json.dumps({"token": token, "uid": uid}))


def facebook_user_token(request: HttpRequest) -> tuple[str, str] | None:
    """(user access token, Facebook user id) from the Facebook login, or allauth's SocialToken."""
    stashed = request.session.get(SESSION_KEY)
    if stashed:
        try:
            data = json.loads(crypto.decrypt(stashed))
            return data["token"], data["uid"]
        except (crypto.InvalidToken, ValueError, KeyError):
            request.session.pop(SESSION_KEY, None)
    from allauth.socialaccount.models import SocialToken

    social = (
        SocialToken.objects.filter(account__user=request.user, account__provider="facebook")
        .select_related("account")
        .order_by("-id")
        .first()
    )
    if social is None:
        return None
    return social.token, social.account.uid


def _long_lived(token: str) -> str:
    """Exchange a short-lived user token: Page tokens read from a long-lived user token
    do not expire (until the password changes or the app is removed)."""
    app_id = settings.FACEBOOK_APP_ID
    secret = settings.FACEBOOK_APP_SECRET
    if not (app_id and secret):
        return token
    try:
        return GraphClient(token).exchange_for_long_lived(app_id, secret)
    except GraphError:
        logger.warning("Could not exchange the Facebook user token for a long-lived one")
        return token


def _login_url(request: HttpRequest) -> str:
    from urllib.parse import urlencode

    from allauth.socialaccount.adapter import get_adapter
    from allauth.socialaccount.models import SocialApp

    try:
        get_adapter().get_app(request, "facebook")
        base = reverse("facebook_login")
    except (SocialApp.DoesNotExist, SocialApp.MultipleObjectsReturned, NoReverseMatch):
        return ""
    query = {
        "process": "redirect",
        "scope": ",".join(PAGE_SCOPES),
        "next": reverse("feeds_syndication:connect_pages"),
    }
    return f"{base}?{urlencode(query)}"


def connect_pages(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(MANAGE_CONNECTION):
        raise PermissionDenied
    connection = FacebookConnection.load()
    user_token = facebook_user_token(request)
    context = {
        "connection": connection,
        "login_url": _login_url(request),
        "scopes": PAGE_SCOPES,
        "settings_url": reverse("wagtailsettings:edit", args=["feeds", "facebookconnection"]),
        "accounts": None,
        "form": None,
        "error": "",
    }
    if user_token is None:
        return TemplateResponse(request, "feeds/syndication/connect_pages.html", context)

    token, uid = user_token
    try:
        accounts = GraphClient(_long_lived(token), version=connection.api_version).list_accounts(
            uid or "me"
        )
    except GraphError as exc:
        context["error"] = graph_error_text(exc)
        return TemplateResponse(request, "feeds/syndication/connect_pages.html", context)

    form = PagePickForm(request.POST or None, accounts=accounts)
    context.update(accounts=accounts, form=form)
    if request.method == "POST" and form.is_valid():
        chosen = next(a for a in accounts if str(a["id"]) == form.cleaned_data["page"])
        page_token = chosen.get("access_token") or ""
        try:
            page = GraphClient(page_token, version=connection.api_version).get_page(
                str(chosen["id"])
            )
        except GraphError as exc:
            context["error"] = graph_error_text(exc)
            return TemplateResponse(request, "feeds/syndication/connect_pages.html", context)
        with transaction.atomic():
            connection = FacebookConnection.objects.select_for_update().get(pk=connection.pk)
            connection.page_id = str(page["id"])
            apply_verified_tokens(
                connection, page=(page_token, str(page.get("name") or "")), ads_token=None
            )
            connection.save()
        request.session.pop(SESSION_KEY, None)
        messages.success(
            request,
            _("The Facebook Page “%(name)s” is connected.") % {"name": connection.page_name},
        )
        return redirect(context["settings_url"])
    return TemplateResponse(request, "feeds/syndication/connect_pages.html", context)


# --- Targeting and campaigns --------------------------------------------------------------


def targeting_view(request: HttpRequest, page_id: int) -> HttpResponse:
    page = get_object_or_404(Page, pk=page_id).specific
    if not is_syndicated(page):
        raise Http404
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    connection = FacebookConnection.load()
    can_prepare = bool(
        connection.ad_account_id and request.user.has_perm("feeds.add_adcampaign") and page.live
    )
    form = CampaignForm(
        request.POST or None, initial={"radius_km": settings.FACEBOOK_TARGETING_RADIUS_KM}
    )
    if request.method == "POST":
        if not can_prepare:
            raise PermissionDenied
        retry_pk = request.POST.get("retry")
        if retry_pk:
            campaign = get_object_or_404(AdCampaign, pk=retry_pk, page_id=page.pk)
            retry_campaign(campaign)
            messages.success(request, _("The campaign is being prepared again."))
            return redirect("feeds_syndication:targeting", page_id=page.pk)
        if form.is_valid():
            campaign = prepare_campaign(
                page, user=request.user, radius_km=form.cleaned_data["radius_km"]
            )
            campaign.refresh_from_db()
            if campaign.status == AdCampaign.Status.FAILED:
                messages.error(request, campaign.error_message)
            else:
                messages.success(
                    request,
                    _(
                        "The campaign is being prepared in PAUSED status: nothing is spent until it is activated in Ads Manager."
                    ),
                )
            return redirect("feeds_syndication:targeting", page_id=page.pk)
    radius = form.cleaned_data["radius_km"] if form.is_bound and form.is_valid() else None
    context = {
        "page": page,
        "spec_json": json.dumps(
            targeting_spec(page, radius_km=radius), indent=2, ensure_ascii=False
        ),
        "interests": facebook_interests(page),
        "branches": page_branches(page),
        "connection": connection,
        "can_prepare": can_prepare,
        "form": form,
        "campaigns": AdCampaign.objects.filter(page_id=page.pk),
        "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
    }
    return TemplateResponse(request, "feeds/syndication/targeting.html", context)
