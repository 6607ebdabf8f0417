"""Factories and fixtures shared by the community-life tests (posts, profiles, moderation)."""

import io

import pytest
from django.core.cache import cache
from PIL import Image

from community.actions.posts import create_comment, create_post
from community.models import Membership
from tests.conftest import make_community, make_user


def join(user, community, role=Membership.Role.MEMBER) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, community=community, defaults={"role": role}
    )
    return membership


def make_post(author, community, body="Bonjour à tous !", **kwargs):
    return create_post(author, community, body, **kwargs)


def make_comment(author, post, body="Bien dit.", **kwargs):
    return create_comment(author, post, body, **kwargs)


def png_bytes(size=(32, 24), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit slots live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def club(taxonomy, branches):
    return make_community(
        "Les Voyageurs de l'Imaginaire",
        interests=[taxonomy["sf"]],
        branches=[branches["aubagne"]],
    )


@pytest.fixture
def people(club, librarian, network_admin):
    """Everyone the permission rules distinguish, in and around `club`."""
    author = make_user("autrice@example.org", display_name="Léa Martin")
    joined = make_user("membre-inscrit@example.org", display_name="Sam")
    outsider = make_user("curieux@example.org", display_name="Curieux")
    moderator = make_user("modo@example.org", display_name="Modo")
    for user in (author, joined):
        join(user, club)
    join(moderator, club, Membership.Role.MODERATOR)
    return {
        "author": author,
        "member": joined,
        "outsider": outsider,
        "moderator": moderator,
        "librarian": librarian,
        "admin": network_admin,
    }


# Each payload sets window.__xss if any of it ever runs (checked in the browser test).
XSS_PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '<svg onload="window.__xss=3"><circle r=5></circle></svg>',
    "<svg><script>window.__xss=4</script></svg>",
    "[clique](javascript:window.__xss=5)",
    "[clique](JaVaScRiPt:window.__xss=6)",
    "[clique](&#106;avascript:window.__xss=7)",
    "[clique](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9ODwvc2NyaXB0Pg==)",
    '<a href="javascript:window.__xss=9">lien</a>',
    '<div style="width:expression(window.__xss=10)">css</div>',
    "<style>body{background:url(javascript:window.__xss=11)}</style>",
    '<iframe src="javascript:window.__xss=12"></iframe>',
    '<details open ontoggle="window.__xss=13">x</details>',
    "<<script>script>window.__xss=14<</script>/script>",
    '<img src="x" alt="\\" onerror=window.__xss=15 ">',
    '"><img src=x onerror=window.__xss=16>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=17>",
    '<body onload="window.__xss=18">',
    '<object data="javascript:window.__xss=19"></object>',
    '[a](https://example.org "x\\" onmouseover=window.__xss=20 ")',
    "<a href='https://example.org' onclick='window.__xss=21'>ok</a>",
    '<input autofocus onfocus="window.__xss=22">',
    "<!--<img src=x onerror=window.__xss=23>-->",
    "<scr<script>ipt>window.__xss=24</script>",
]


def fr(msgid: str, **params) -> str:
    """What the French site shows for `msgid` (the English text until it is translated)."""
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("fr"):
        text = gettext(msgid)
    return text % params if params else text


def html_of(response) -> str:
    import html

    return html.unescape(response.content.decode())
