"""What members write, rendered safely: a small Markdown subset, mentions, then sanitised.

Supported: *emphasis*, **strong**, `code`, [links](https://…), <https://…>, bullet and
numbered lists, > quotes, line breaks. Raw HTML is never interpreted (markdown-it with
``html`` off escapes it), images are not a feature (``![…](…)`` stays text), and the result
goes through nh3 (ammonia) with an allow-list of tags, attributes and URL schemes whatever
the parser produced. Every link gets ``rel="nofollow ugc noopener"``.

    render_markup(text, mentions={"lea": "/membres/lea/"})  → SafeString
    extract_mentions(text) → {"lea", …} (lower case, as written after "@")
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.token import Token

from cms.text import html_to_text, truncate

LINK_REL = "nofollow ugc noopener"
ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "a", "ul", "ol", "li", "blockquote"}
ALLOWED_ATTRIBUTES = {"*": set(), "a": {"href"}, "ol": {"start"}}
ALLOWED_CLASSES = {"a": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}

# "@" not preceded by a word character (so e-mail addresses are not mentions).
MENTION_RE = re.compile(r"(?<![\w@/.])@([A-Za-z0-9_-]{3,30})(?![\w-])")

_md = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False, "typographer": False})
_md.enable(
    ["emphasis", "link", "autolink", "list", "blockquote", "newline", "escape", "entity"]
    + ["backticks"]
)
_md.options["maxNesting"] = 20  # deeply nested quotes or lists: the rest stays plain text


def extract_mentions(text: str) -> set[str]:
    """Handles mentioned in `text` (lower case), outside code spans."""
    text = re.sub(r"`[^`]*`", " ", text or "")
    return {m.lower() for m in MENTION_RE.findall(text)}


def _mention_tokens(content: str, mentions: Mapping[str, str]) -> list[Token] | None:
    pieces: list[Token] = []
    last = 0
    for match in MENTION_RE.finditer(content):
        url = mentions.get(match.group(1).lower())
        if not url:
            continue
        if match.start() > last:
            pieces.append(_text(content[last : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": url, "class": "mention"}
        pieces += [link, _text(match.group(0)), Token("link_close", "a", -1)]
        last = match.end()
    if not pieces:
        return None
    if last < len(content):
        pieces.append(_text(content[last:]))
    return pieces


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _link_mentions(tokens: list[Token], mentions: Mapping[str, str]) -> None:
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        children: list[Token] = []
        in_link = 0
        for child in token.children:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            if child.type == "text" and not in_link:
                replaced = _mention_tokens(child.content, mentions)
                if replaced:
                    children.extend(replaced)
                    continue
            children.append(child)
        token.children = children


def sanitize(html: str) -> str:
    """The allow-list applied to any HTML that came from member input."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markup(text: str, mentions: Mapping[str, str] | None = None) -> SafeString:
    """Markdown subset → sanitised HTML. `mentions`: handle (lower case) → profile URL."""
    if not text:
        return mark_safe("")
    env: dict = {}
    tokens = _md.parse(text, env)
    if mentions:
        _link_mentions(tokens, mentions)
    html = _md.renderer.render(tokens, _md.options, env)
    return mark_safe(sanitize(html))  # sanitised by nh3 just above


def plain_text(text: str) -> str:
    """A post's words as its readers see them: the Markdown rendered as on the page, then
    as plain text (what they typed as "<script>" stays that text; escaping is the
    template's job)."""
    return html_to_text(render_markup(text))


def plain_excerpt(text: str, length: int = 200) -> str:
    """The first words of a post as plain text (feed cards, notifications, search, logs)."""
    return truncate(plain_text(text), length)
