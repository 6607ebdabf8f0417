"""What a Facebook post says: title, introduction or description, a tracked link, an image.

The link carries ``utm_source=facebook&utm_medium=social&utm_campaign=<slug>`` plus
``utm_content=aff<row id>``: the latter is our marker, unique per created post, used to
find the post on the Page after an ambiguous failure instead of posting it twice.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from cms import links
from cms.dates import format_datetime

IMAGE_SPEC = "fill-1200x630"  # Facebook's recommended link/photo size (1.91:1)
MAX_TEXT = 1500

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|ul|ol|div|blockquote)>|<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class PostContent:
    message: str
    link: str
    image_url: str


def marker_for(row_pk: int) -> str:
    return f"aff{row_pk}"


def marker_pattern(marker: str) -> re.Pattern:
    return re.compile(r"utm_content=" + re.escape(marker) + r"(?!\d)")


def rich_text_to_plain(value: str) -> str:
    from wagtail.rich_text import expand_db_html

    text = _BLOCK_END.sub("\n", expand_db_html(str(value or "")))
    text = html.unescape(strip_tags(text))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def tracked_link(url: str, *, campaign: str, marker: str) -> str:
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.startswith("utm_")
    ]
    query += [
        ("utm_source", "facebook"),
        ("utm_medium", "social"),
        ("utm_campaign", campaign),
        ("utm_content", marker),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _truncate(text: str, limit: int = MAX_TEXT) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def page_text(page) -> list[str]:
    """The paragraphs of the post body: an event's date, place and description, otherwise
    the introduction (announcement, curated list)."""
    from cms.models import EventPage

    if isinstance(page, EventPage):
        start = timezone.localtime(page.start)
        place = page.branch.name + (f" ({page.room})" if page.room else "")
        when = _("%(date)s, %(place)s") % {
            "date": format_datetime(start),
            "place": place,
        }
        return [when, _truncate(rich_text_to_plain(page.description))]
    return [_truncate(str(page.intro or "").strip())]


def image_url(page) -> str:
    image = getattr(page, "image", None)
    if image is None:
        return ""
    return links.absolute_url(image.get_rendition(IMAGE_SPEC).url)


def build_post(page, *, marker: str) -> PostContent:
    """The message, tracked link and image URL for ``page`` (in the site's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        url = links.page_url(page)
        link = tracked_link(url, campaign=page.slug, marker=marker) if url else ""
        paragraphs = [page.title, *page_text(page), link]
        message = "\n\n".join(p for p in paragraphs if p)
        return PostContent(message=message, link=link, image_url=image_url(page))
