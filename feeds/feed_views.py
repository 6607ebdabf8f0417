"""The member's feed at /fil/, "not interested", and the public sample near a commune."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cms.params import redirect_next
from community.journey import Step, send_journey_step
from feeds import feed as feeds
from feeds.entry_links import InvalidEntryLink, read_token
from feeds.models import FeedKind


def _wants_fragment(request: HttpRequest) -> bool:
    return request.GET.get("fragment") == "1"


@require_GET
@login_required
def feed(request: HttpRequest) -> HttpResponse:
    """The ranked stream; ?avant=<cursor> for the next page (works without JavaScript)."""
    cursor = None
    raw = request.GET.get("avant", "")
    if raw:
        try:
            cursor = feeds.Cursor.decode(raw[:4000])
        except feeds.InvalidCursor:
            return HttpResponseBadRequest(
                _("This page link is no longer valid: go back to the top of your feed."),
                content_type="text/plain; charset=utf-8",
            )
    state = feeds.ensure_fresh(request.user)
    page = feeds.read_feed(
        request.user, cursor=cursor, size=settings.FEED_PAGE_SIZE, request=request
    )
    context = {"feed_page": page, "has_interests": state["has_interests"]}
    if _wants_fragment(request):
        return render(request, "feeds/includes/feed_entries.html", context)
    return render(request, "feeds/feed.html", context)


@require_POST
@login_required
def not_interested(request: HttpRequest) -> HttpResponse:
    """Sink an entry and similar ones. JSON for the script, a redirect without it."""
    kind = request.POST.get("kind", "")
    object_id = request.POST.get("object_id", "")
    if kind not in FeedKind.values or not object_id.isdigit():
        return HttpResponseBadRequest(
            _("Unknown feed entry."), content_type="text/plain; charset=utf-8"
        )
    found = feeds.mark_not_interested(request.user, kind, int(object_id))
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": found}, status=200 if found else 404)
    if found:
        messages.success(request, _("Noted: you will see less content like this."))
    else:
        messages.info(request, _("This entry is no longer in your feed."))
    return redirect_next(request, reverse("feeds:feed"))


@require_GET
def discover(request: HttpRequest) -> HttpResponse:
    """What is on near a commune, for anyone, without an account (nothing is stored)."""
    from cms.places import find_place

    place = request.GET.get("commune", "").strip()[:120]
    found = find_place(place, request.GET.get("insee", "")) if place else None
    commune = found.commune if found else None
    cards = feeds.nearby_sample(commune.lat, commune.lon) if commune else []
    branches = []
    if commune:
        from cms.branches import nearest_branches

        ranked = nearest_branches(commune.lat, commune.lon)
        branches = [bd for bd in ranked[:3] if bd.is_near] or ranked[:1]
    return render(
        request,
        "feeds/feed_discover.html",
        {
            "place_query": place,
            "place": commune,
            "place_match": found,
            "cards": cards,
            "nearby": branches,
            "unknown_place": bool(place and commune is None),
        },
    )


@require_GET
def open_entry(request: HttpRequest) -> HttpResponse:
    """A click on a feed card: count "feed entry opened" (aggregate), then go to the page."""
    try:
        _kind, _object_id, target = read_token(request.GET.get("e", "")[:2000])
    except InvalidEntryLink:
        return HttpResponseBadRequest(
            _("This link is not valid: open the entry again from your feed."),
            content_type="text/plain; charset=utf-8",
        )
    member = request.user if request.user.is_authenticated else None
    send_journey_step(
        Step.FEED_ENTRY_OPENED,
        request=request,
        member=member,
        branch=getattr(member, "home_branch", None),
    )
    return HttpResponseRedirect(target)  # signed by the site: never a view name
