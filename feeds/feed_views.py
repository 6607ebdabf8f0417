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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cms.kinds import FeedKind
from cms.params import parse_id, redirect_next
from community.journey import Step, send_journey_step
from feeds.entry_links import InvalidEntryLink, read_token
from feeds.feed import dismissals
from feeds.feed.cursor import Cursor, InvalidCursor
from feeds.feed.freshness import ensure_fresh
from feeds.feed.reading import read_feed
from feeds.feed.samples import nearby_sample


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
            cursor = Cursor.decode(raw[:4000])
        except InvalidCursor:
            return HttpResponseBadRequest(
                _("This page link is no longer valid: go back to the top of your feed."),
                content_type="text/plain; charset=utf-8",
            )
    state = ensure_fresh(request.user)
    page = read_feed(request.user, cursor=cursor, size=settings.FEED_PAGE_SIZE, request=request)
    context = {"feed_page": page, "has_interests": state["has_interests"]}
    if _wants_fragment(request):
        return render(request, "feeds/includes/feed_entries.html", context)
    context["dismissed"] = request.session.pop(DISMISSED_SESSION_KEY, None)
    return render(request, "feeds/feed.html", context)


# The last "not interested" of this session, shown with its "Undo" on the next feed page
# when the dismissal was a plain form post (without JavaScript).
DISMISSED_SESSION_KEY = "feed_dismissed"


def _entry_from(request: HttpRequest) -> tuple[str, int] | None:
    kind = request.POST.get("kind", "")
    object_id = parse_id(request.POST.get("object_id"))
    if kind not in FeedKind.values or object_id is None:
        return None
    return kind, object_id


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _back_to_feed(request: HttpRequest) -> HttpResponse:
    return redirect_next(request, reverse("feeds:feed"))


def _unknown_entry() -> HttpResponse:
    return HttpResponseBadRequest(
        _("Unknown feed entry."), content_type="text/plain; charset=utf-8"
    )


@require_POST
@login_required
def not_interested(request: HttpRequest) -> HttpResponse:
    """Hide an entry for good (similar ones sink), with a confirmation and its "Undo":
    JSON carrying the confirmation for the script, a redirect to the feed without it."""
    entry = _entry_from(request)
    if entry is None:
        return _unknown_entry()
    kind, object_id = entry
    found = dismissals.mark_not_interested(request.user, kind, object_id)
    dismissed = {"kind": kind, "object_id": object_id}
    if _wants_json(request):
        if not found:
            return JsonResponse({"ok": False}, status=404)
        confirmation = render_to_string(
            "feeds/includes/dismissed.html", {"dismissed": dismissed}, request=request
        )
        return JsonResponse({"ok": True, "confirmation": confirmation})
    if found:
        request.session[DISMISSED_SESSION_KEY] = dismissed
    else:
        messages.info(request, _("This entry is no longer in your feed."))
    return _back_to_feed(request)


@require_POST
@login_required
def undo_not_interested(request: HttpRequest) -> HttpResponse:
    """Take back a "not interested": the entry comes back to the feed."""
    entry = _entry_from(request)
    if entry is None:
        return _unknown_entry()
    restored = dismissals.undo_not_interested(request.user, *entry)
    request.session.pop(DISMISSED_SESSION_KEY, None)
    if _wants_json(request):
        return JsonResponse({"ok": restored}, status=200 if restored else 404)
    if restored:
        messages.success(request, _("Done: the entry is back in your feed."))
    return _back_to_feed(request)


@require_GET
def discover(request: HttpRequest) -> HttpResponse:
    """What is on near a commune, for anyone, without an account (nothing is stored)."""
    from cms.places import find_place

    place = request.GET.get("commune", "").strip()[:120]
    found = find_place(place, request.GET.get("insee", "")) if place else None
    commune = found.commune if found else None
    cards = nearby_sample(commune.lat, commune.lon) if commune else []
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
