"""The feeds layer's part of the open API: the member's feed and notifications (``/me/…``),
with a personal access token (``community.api.auth``). Mounted by ``cms/urls.py``."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from pydantic import Field

from cms import links
from cms.api.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    encode_cursor,
    load_cursor,
    next_url,
    page_of,
    paginate,
)
from cms.api.problems import ApiProblem
from community.api.auth import member, read_token, write_token
from community.models import Notification
from community.notifications import mark_all_read, mark_read
from feeds.feed.cursor import Cursor as FeedCursor
from feeds.feed.cursor import InvalidCursor
from feeds.feed.freshness import ensure_fresh
from feeds.feed.reading import read_feed

router = Router(tags=["membre"])

Limit = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Éléments par page (1 à 100).")
Cursor = Query(None, max_length=2000, description="Curseur opaque : le lien `next` le porte.")


class FeedEntryOut(Schema):
    kind: str = Field(description="announcement, event, recommendation, item ou post")
    object_id: int
    title: str
    url: str
    summary: str
    when: datetime | None
    where: str
    byline: str
    reason: str = Field(description="Pourquoi cette entrée est dans le fil")


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class MarkedOut(Schema):
    marked: int


FeedList = page_of(FeedEntryOut, "FeedList")
NotificationList = page_of(NotificationOut, "NotificationList")


@router.get("/me/feed", response=FeedList, auth=read_token, summary="Mon fil")
def read_my_feed(request: HttpRequest, cursor: str | None = Cursor):
    """Le fil du membre, le plus pertinent d’abord, chaque entrée avec sa raison (comme
    `/fil/`)."""
    user = member(request)
    position = None
    if cursor:
        raw = load_cursor(request, cursor)
        try:
            if len(raw) != 1 or not isinstance(raw[0], str):
                raise InvalidCursor("shape")
            position = FeedCursor.decode(raw[0])
        except InvalidCursor:
            raise ApiProblem(
                400,
                "curseur-invalide",
                _("This cursor is not valid for this list: start again from the first page."),
            ) from None
    ensure_fresh(user)
    page = read_feed(user, cursor=position, size=settings.FEED_PAGE_SIZE, request=request)
    next_link = None
    if page.next_cursor:
        next_link = next_url(request, encode_cursor(request, [page.next_cursor]))
    return {
        "results": [
            {
                "kind": card.kind,
                "object_id": card.object_id,
                "title": card.title,
                "url": links.absolute_url(card.url),
                "summary": card.summary,
                "when": card.when,
                "where": card.where,
                "byline": card.byline,
                "reason": str(card.reason),
            }
            for card in page.cards
        ],
        "next": next_link,
    }


def _notification_out(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "url": links.absolute_url(n.url) if n.url else "",
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/me/notifications",
    response=NotificationList,
    auth=read_token,
    summary="Mes notifications",
)
def list_notifications(
    request: HttpRequest,
    unread: bool | None = Query(None, description="true : seulement les non lues"),
    limit: int = Limit,
    cursor: str | None = Cursor,
):
    """Les notifications du membre, les plus récentes d’abord."""
    rows = Notification.objects.filter(user=member(request))
    if unread is not None:
        rows = rows.filter(read_at__isnull=unread)
    page, next_link = paginate(
        request, rows, order=("-created_at", "-pk"), limit=limit, cursor=cursor
    )
    return {"results": [_notification_out(n) for n in page], "next": next_link}


@router.post(
    "/me/notifications/read",
    response=MarkedOut,
    auth=write_token,
    summary="Tout marquer comme lu",
)
def mark_all_my_notifications_read(request: HttpRequest):
    return {"marked": mark_all_read(member(request))}


@router.post(
    "/me/notifications/{notification_id}/read",
    response=NotificationOut,
    auth=write_token,
    summary="Marquer une notification comme lue",
)
def mark_my_notification_read(request: HttpRequest, notification_id: int):
    found = None
    if 1 <= notification_id <= 2**63 - 1:
        found = mark_read(member(request), notification_id)
    if found is None:
        raise ApiProblem(404, "introuvable", _("You have no notification with this id."))
    return _notification_out(found)
