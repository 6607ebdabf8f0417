"""Every URL pattern of the site, walked with hostile values: never a 5xx.

The walker reads the root resolver (so a new URL is covered without touching this file),
builds a concrete path for each pattern with hostile values in its parameters (ids past
the database's integers, zero, words where numbers go, very long text, NUL and traversal
characters), and sends GET and POST with hostile query and form values (`next=abc`,
overflowing ids in the usual parameter names), anonymously, as a member and as a
librarian (the Wagtail admin's URLs: as a librarian). A 500 fails with the URL and
values that caused it.
"""

from __future__ import annotations

import itertools
import re

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63

# Values for path parameters, by converter (one of each per walk; the walk is repeated
# with the next value of every list).
PATH_VALUES = {
    "int": [HUGE, "0", "99999999999999999999999999"],
    "id": [HUGE, "0", "99999999999999999999999999"],
    "slug": ["x" * 300, "-", "abc"],
    "uuid": ["00000000-0000-0000-0000-000000000000"] * 3,
    "str": ["abc", "x" * 3000, "%00"],
    "path": ["../../etc/passwd", "x" * 3000, "a/b/c"],
    None: ["abc", HUGE, "-1"],  # regex groups
}
# Query and form values, in the parameter names the site's views read.
NUMERIC = ["page", "mediatheque", "event", "item", "interests", "branch", "object_id", "id",
           "pk", "limit", "offset", "p", "year", "month", "community", "post", "comment",
           "target", "days", "insee", "page_id", "member", "communaute", "interest", "list"]  # fmt: skip
TEXT = ["next", "q", "kind", "cursor", "e", "format", "lat", "lon", "commune", "place",
        "ordering", "sort", "period", "action", "reason", "token", "email", "body",
        "display_name", "handle", "language", "from", "to", "date_from", "date_to", "type",
        "scope", "purposes", "versions", "passes", "status", "kind_filter", "centre", "etat",
        "titre", "auteur", "categorie", "branche", "interet", "disponible", "start", "end",
        "nouveau"]  # fmt: skip
NUMERIC_VALUES = [HUGE, "-1", "1e309"]
TEXT_VALUES = ["abc", "-1", "\x00'\"<x>" + "é" * 500]
SKIP_NAMES = {"account_logout", "wagtailadmin_logout"}  # would end the walker's own session
# Wagtail's own defects, left to Wagtail (each one is a view of Wagtail's, not of the site):
# (method, route) → why it still answers 500.
WAGTAIL_DEFECTS = {
    ("GET", "admin/failwhale/"): "Wagtail's deliberate test error, to check error reporting",
    ("POST", "admin/failwhale/"): "Wagtail's deliberate test error, to check error reporting",
    ("POST", "admin/choose-external-link/"): "Wagtail's link chooser: a POST without `url`"
    " reaches its validator as None",
    ("POST", "admin/snippets/choose/cms/catalogueitem/create/"): "Wagtail's snippet chooser"
    " has no creation form for this model and still reads it on POST",
}


def walk(patterns, prefix=""):
    """(route text, converters by name, url name) for every leaf pattern."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + _text(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _text(entry.pattern), entry.name


def _text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return str(pattern)
    if isinstance(pattern, RegexPattern):
        return _regex_to_route(str(pattern))
    return str(pattern)


def _regex_to_route(regex: str) -> str:
    """A regex pattern as a route with <name> placeholders (groups), anchors dropped."""
    out, i, depth_start = [], 0, None
    text = regex.lstrip("^").rstrip("$").replace(r"\Z", "")
    depth = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            if depth == 0:
                out.append(text[i + 1])
            i += 2
            continue
        if char == "(":
            if depth == 0:
                depth_start = i
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                name = re.match(r"\(\?P<(\w+)>", text[depth_start:])
                out.append(f"<{name.group(1) if name else 'group'}>")
                if i + 1 < len(text) and text[i + 1] in "?*+":
                    i += 1
        elif depth == 0 and char not in "?*+":
            out.append(char)
        i += 1
    return "".join(out)


def concrete(route: str, variant: int) -> str:
    def value(match):
        converter = match.group(1) if match.group(1) in PATH_VALUES else None
        return PATH_VALUES[converter][variant % len(PATH_VALUES[converter])]

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def hostile_params(variant: int) -> dict[str, str]:
    params = {name: NUMERIC_VALUES[variant % len(NUMERIC_VALUES)] for name in NUMERIC}
    params.update({name: TEXT_VALUES[variant % len(TEXT_VALUES)] for name in TEXT})
    return params


def site_routes(admin: bool):
    seen = set()
    for route, name in walk(get_resolver().url_patterns):
        if name in SKIP_NAMES or route in seen:
            continue
        if route.startswith(("admin/", "django-admin/")) != admin:
            continue
        seen.add(route)
        yield route


def hit_everything(client, routes, variants=range(3)):
    failures, count = [], 0
    for route, variant in itertools.product(routes, variants):
        path = concrete(route, variant)
        params = hostile_params(variant)
        for method in ("get", "post"):
            if (method.upper(), route) in WAGTAIL_DEFECTS:
                continue
            cache.clear()  # rate limits would turn later requests into 429s
            response = getattr(client, method)(path, params)
            count += 1
            if response.status_code >= 500:
                failures.append(
                    f"{method.upper()} {path[:120]} (variant {variant}): {response.status_code}"
                )
    return failures, count


@pytest.fixture
def client(client, settings):
    client.raise_request_exception = False
    settings.FACEBOOK_GRAPH_URL = "http://127.0.0.1:9"  # nothing leaves the machine
    return client


@pytest.fixture
def world(taxonomy, branches):
    """Enough content for views to get past their first lookups."""
    from tests.cms.library_factories import make_event
    from tests.community.life_helpers import join, make_post
    from tests.conftest import make_community

    club = make_community("Club SF", interests=[taxonomy["sf"]], branches=[branches["aubagne"]])
    author = make_user()
    join(author, club)
    make_post(author, club)
    make_event("Club de lecture", branch=branches["aubagne"], interests=[taxonomy["sf"]])
    return club


def test_the_walker_sees_the_whole_site():
    routes = list(site_routes(admin=False))
    admin = list(site_routes(admin=True))
    assert "communautes/<id:page_id>/rejoindre/" in routes
    assert "fil/pas-interesse/" in routes
    assert any(r.startswith("comptes/facebook/") for r in routes)
    assert len(routes) > 60 and len(admin) > 100


@pytest.mark.parametrize("role", ["anonymous", "member"])
def test_no_5xx_on_the_site(client, world, role):
    if role == "member":
        client.force_login(make_user())
    failures, count = hit_everything(client, list(site_routes(admin=False)))
    assert count > 300
    assert failures == [], "\n".join(failures)


def test_no_5xx_on_the_site_and_admin_for_a_librarian(client, world, librarian):
    client.force_login(librarian)
    routes = list(site_routes(admin=False)) + list(site_routes(admin=True))
    failures, count = hit_everything(client, routes, variants=range(2))
    assert count > 600
    assert failures == [], "\n".join(failures)
