"""Members' text: the Markdown subset, mentions, and sanitising whatever they type."""

from html.parser import HTMLParser

import pytest

from community.markup import LINK_REL, extract_mentions, plain_excerpt, render_markup
from tests.community.life_helpers import XSS_PAYLOADS

ALLOWED_TAGS = {"p", "br", "em", "strong", "code", "a", "ul", "ol", "li", "blockquote"}


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def tags_in(html: str) -> set[str]:
    return {tag for tag, _attrs in Elements(html).elements}


def test_the_small_markdown_subset():
    html = render_markup(
        "*j'adore* **vraiment**\n\n- un\n- deux\n\n1. a\n2. b\n\n> une citation\n\n`code`"
    )
    assert "<em>j'adore</em>" in html or "<em>j&#x27;adore</em>" in html
    assert "<strong>vraiment</strong>" in html
    assert "<ul>" in html and "<li>un</li>" in html
    assert "<ol>" in html
    assert "<blockquote>" in html
    assert "<code>code</code>" in html


def test_links_get_nofollow_ugc_noopener():
    html = render_markup("[Médiathèque](https://www.example.org/agenda) et <https://a.example>")
    assert html.count(f'rel="{LINK_REL}"') == 2
    assert 'href="https://www.example.org/agenda"' in html


def test_images_headings_and_tables_are_not_features():
    html = render_markup("# Titre\n\n![chat](https://example.org/chat.png)\n\n| a | b |\n|---|---|")
    assert "<h1" not in html and "<img" not in html and "<table" not in html
    assert "Titre" in html


def test_raw_html_is_shown_as_text_not_interpreted():
    html = render_markup("<b>gras</b> <script>alert(1)</script>")
    assert "<b>" not in html and "<script" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_corpus_is_inert(payload):
    html = str(render_markup(payload))
    elements = Elements(html).elements
    assert {tag for tag, _attrs in elements} <= ALLOWED_TAGS, html
    for _tag, attrs in elements:
        assert set(attrs) <= {"href", "rel", "class", "start"}, html
        if "href" in attrs:
            assert attrs["href"].startswith(("https://", "http://", "mailto:", "/")), html
            assert attrs["rel"] == LINK_REL


def test_mentions_link_known_members_only():
    html = render_markup(
        "Merci @Lea et @inconnu ! Écris à lea@example.org", {"lea": "/membres/lea/"}
    )
    assert '<a href="/membres/lea/" class="mention" rel="nofollow ugc noopener">@Lea</a>' in html
    assert "@inconnu" in html and "/membres/inconnu/" not in html
    assert "lea@example.org" in html and html.count("mention") == 1


def test_mentions_are_not_made_inside_links_or_code():
    html = render_markup("[@lea](https://example.org) `@lea`", {"lea": "/membres/lea/"})
    assert "/membres/lea/" not in html


def test_extract_mentions():
    assert extract_mentions("Salut @Lea, @bob_2 et @x ! a@b.fr `@code`") == {"lea", "bob_2"}


def test_plain_excerpt():
    assert plain_excerpt("**Très** bien [lien](https://x.org)", 100) == "Très bien lien"
    assert plain_excerpt("a" * 300, 10) == "a" * 9 + "…"


def test_excerpts_keep_what_was_typed():
    # Rendered as the post shows it, then plain text: nothing is stripped, nothing mangled.
    assert plain_excerpt("<script>alert(1)</script>") == "<script>alert(1)</script>"
    assert (
        plain_excerpt("R&D, 3 < 4 > 2 (oui) [sic] #1 *a* _b_")
        == "R&D, 3 < 4 > 2 (oui) [sic] #1 a b"
    )
    assert plain_excerpt("- un\n- deux\n\n> cité", 100) == "un deux cité"
    assert plain_excerpt("Un long message qui continue", 12) == "Un long…"
