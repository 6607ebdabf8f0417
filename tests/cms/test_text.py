"""Plain text and excerpts (cms.text): entities decoded, tags gone, words kept apart."""

from cms.text import excerpt, html_to_text, truncate


def test_html_to_text_decodes_entities_and_keeps_words_apart():
    assert html_to_text("<p>Un</p><p>deux<br>trois</p>") == "Un deux trois"
    assert html_to_text("<p>&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D</p>") == (
        "<script>alert(1)</script> R&D"
    )
    assert html_to_text("<p>Des <b>lectures</b> à partager.</p>") == "Des lectures à partager."
    assert html_to_text("") == ""


def test_truncate_cuts_between_words():
    assert truncate("Un club de lecture", 100) == "Un club de lecture"
    assert truncate("Un club de lecture", 12) == "Un club de…"
    assert truncate("abcdefghij", 5) == "abcd…"
    assert excerpt("<p>Tout sur <i>Dune</i>, le roman.</p>", 14) == "Tout sur Dune…"
