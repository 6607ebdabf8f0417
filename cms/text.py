"""Plain text and excerpts, one way everywhere (feed cards, search results, the digest,
notifications, the moderation log).

An excerpt is made from the text a reader sees: HTML (rich text, or a member's Markdown once
rendered) loses its tags and its entities are decoded, so ``&lt;script&gt;`` is the text
``<script>`` and ``R&amp;D`` is ``R&D``; nothing else is removed. The template escapes the
result when it shows it. Cutting happens on that plain text, at a word boundary.
"""

from __future__ import annotations

import html
import re

from django.utils.html import strip_tags

ELLIPSIS = "…"

# Tags that end a block or a line: a space in their place keeps the words apart.
_BREAKS = re.compile(r"(?i)<(?:br|/p|/li|/blockquote|/h[1-6]|/div|/tr|/td|/th)\b[^>]*>")


def html_to_text(markup: str) -> str:
    """The words of some HTML as plain text, on one line (entities decoded)."""
    if not markup:
        return ""
    return " ".join(html.unescape(strip_tags(_BREAKS.sub(" ", str(markup)))).split())


def truncate(text: str, length: int) -> str:
    """At most `length` characters of plain `text`, cut between words, "…" if cut."""
    flat = " ".join((text or "").split())
    if len(flat) <= length:
        return flat
    cut = flat[: max(length - 1, 0)]
    if " " in cut and flat[len(cut)].isalnum():  # a word would be cut in two
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + ELLIPSIS


def excerpt(markup: str, length: int = 200) -> str:
    """The beginning of some HTML as plain text, at most `length` characters."""
    return truncate(html_to_text(markup), length)
