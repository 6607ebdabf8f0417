"""Small `make_*` factories for the library pages (events, announcements, recommendations,
branch pages, catalogue items, images). Pages are added under the index pages created by
migration cms/0005, then published through a revision like an editor would."""

import io
import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.images import ImageFile
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image as PILImage
from wagtail.images import get_image_model

from cms.models import (
    AnnouncementPage,
    BranchIndexPage,
    BranchPage,
    CatalogueItem,
    EventIndexPage,
    EventPage,
    Holding,
    HoldingStatus,
    NetworkSettings,
    NewsIndexPage,
    RecommendationIndexPage,
    RecommendationPage,
    Service,
)

PARIS = ZoneInfo("Europe/Paris")
_seq = itertools.count(1)


def paris(*args) -> datetime:
    """paris(2037, 12, 12, 14, 30): an aware datetime in Europe/Paris."""
    return datetime(*args, tzinfo=PARIS)


def _publish(parent, page, *, publish: bool = True, **relations):
    """Add `page` under `parent`, set its many-to-many `relations`, save a revision, publish."""
    page.slug = page.slug or f"{slugify(page.title)[:60]}-{next(_seq)}"
    page.live = publish  # a draft is never live, even before its first revision
    parent.add_child(instance=page)
    for name, values in relations.items():
        getattr(page, name).set(values)
    revision = page.save_revision()
    if publish:
        revision.publish()
    page.refresh_from_db()
    return page


def make_image(title: str = "Illustration", *, size=(80, 60), color=(15, 76, 92), **kwargs):
    """A real (small) PNG stored as a Wagtail image."""
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, format="PNG")
    name = f"{slugify(title) or 'image'}-{next(_seq)}.png"
    return get_image_model().objects.create(
        title=title, file=ImageFile(io.BytesIO(buffer.getvalue()), name=name), **kwargs
    )


def make_item(title: str, *, holdings=(), **kwargs) -> CatalogueItem:
    """A catalogue item; holdings = [(branch, HoldingStatus), …]."""
    kwargs.setdefault("record_id", f"REC{next(_seq):05d}")
    item = CatalogueItem.objects.create(title=title, **kwargs)
    for branch, status in holdings:
        Holding.objects.create(item=item, branch=branch, status=status)
    return item


def set_opac(template: str = "https://catalogue.example.org/notice/{record_id}") -> None:
    settings = NetworkSettings.load()
    settings.opac_record_url = template
    settings.save()


def make_event(
    title: str,
    *,
    branch,
    start: datetime | None = None,
    end: datetime | None = None,
    interests=(),
    publish: bool = True,
    **kwargs,
) -> EventPage:
    start = start or timezone.now() + timedelta(days=7)
    end = end or start + timedelta(hours=2)
    kwargs.setdefault("description", f"<p>Tout sur {title}.</p>")
    page = EventPage(title=title, start=start, end=end, branch=branch, **kwargs)
    return _publish(EventIndexPage.objects.get(), page, interests=interests, publish=publish)


def make_announcement(
    title: str,
    *,
    body=(),
    interests=(),
    branches=(),
    published_at: datetime | None = None,
    publish: bool = True,
    **kwargs,
) -> AnnouncementPage:
    """body: raw StreamField data, e.g. [{"type": "quote", "value": {"quote": "…"}}]."""
    kwargs.setdefault("intro", f"Du nouveau : {title}.")
    page = AnnouncementPage(title=title, body=list(body), **kwargs)
    page = _publish(
        NewsIndexPage.objects.get(),
        page,
        interests=interests,
        branches=branches,
        publish=publish,
    )
    if published_at is not None:
        AnnouncementPage.objects.filter(pk=page.pk).update(
            first_published_at=published_at, last_published_at=published_at
        )
        page.refresh_from_db()
    return page


def make_recommendation(
    title: str, *, items, interests=(), branch=None, **kwargs
) -> RecommendationPage:
    """items = [(catalogue item, note), …] in the order of the list."""
    kwargs.setdefault("intro", f"Notre sélection : {title}.")
    raw = [{"type": "item", "value": {"item": item.pk, "note": note}} for item, note in items]
    page = RecommendationPage(title=title, items=raw, branch=branch, **kwargs)
    return _publish(RecommendationIndexPage.objects.get(), page, interests=interests)


def make_service(name: str, description: str = "") -> Service:
    return Service.objects.create(name=name, description=description)


def make_branch_page(
    branch,
    *,
    hours=(),
    closures=(),
    services=(),
    publish: bool = True,
    **kwargs,
) -> BranchPage:
    """hours = [(iso weekday, "09:00", "12:30"), …]; closures = [(date, date, reason), …]."""
    hours_raw = [
        {"type": "slot", "value": {"day": str(day), "opens": opens, "closes": closes}}
        for day, opens, closes in hours
    ]
    closures_raw = [
        {
            "type": "closure",
            "value": {"start": _iso(start), "end": _iso(end), "reason": reason},
        }
        for start, end, reason in closures
    ]
    page = BranchPage(
        title=kwargs.pop("title", branch.name),
        branch=branch,
        hours=hours_raw,
        closures=closures_raw,
        **kwargs,
    )
    return _publish(BranchIndexPage.objects.get(), page, publish=publish, services=services)


def _iso(value: date) -> str:
    return value.isoformat()


# Raw StreamField blocks of an announcement body.


def paragraph(html: str) -> dict:
    return {"type": "paragraph", "value": html}


def quote(text: str, attribution: str = "") -> dict:
    return {"type": "quote", "value": {"quote": text, "attribution": attribution}}


def image_block(image, alt: str, caption: str = "") -> dict:
    return {"type": "image", "value": {"image": image.pk, "alt": alt, "caption": caption}}


def item_block(item, note: str = "") -> dict:
    return {"type": "catalogue_item", "value": {"item": item.pk, "note": note}}


def event_block(event) -> dict:
    return {"type": "event", "value": {"event": event.pk}}


__all__ = [
    "HoldingStatus",
    "event_block",
    "image_block",
    "item_block",
    "make_announcement",
    "make_branch_page",
    "make_event",
    "make_image",
    "make_item",
    "make_recommendation",
    "make_service",
    "paragraph",
    "paris",
    "quote",
    "set_opac",
]
