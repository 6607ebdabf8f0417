"""Erasure leaves nothing: after an account is deleted ("delete" or "anonymise"), no table
(every column of every table, read through the database's own catalogue, full-text and
vocabulary tables included), no media file and no Redis key holds the member's name,
handle or email, and the search API no longer finds them.

The member gets a name made up for the run, so nothing left by another test can match."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

import json
import os
import random
import string

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client

from community.actions.events import register_for_event
from community.models import FollowedInterest, Post, User
from feeds.models import PushOutbox
from feeds.store import get_store
from search import indexing
from search.analysis import analyze, fold
from search.models import SearchTerm
from tests.cms.library_factories import make_event
from tests.community.life_helpers import (  # noqa: F401  (fixtures)
    _fresh_cache,
    club,
    join,
    make_comment,
    make_post,
    people,
    png_bytes,
)
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=False)

# Rows that may legitimately still hold an identifier, with the legal basis. None today:
# keep this list empty unless a law requires keeping something.
DOCUMENTED_EXCEPTIONS: dict[str, str] = {}


def _word(n: int) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


@pytest.fixture
def identity():
    first = "Zéphyrine" + _word(4)
    last = "Quillebeuf" + _word(5)
    handle = "zq_" + _word(6)
    return {
        "first": first,
        "last": last,
        "name": f"{first} {last.capitalize()}",
        "handle": handle,
        "email": f"{handle}.{_word(5)}@example.org",
    }


def needles(identity) -> list[str]:
    """What must not survive, folded as the index folds it, and its index stems (the
    full-text tables hold stems)."""
    found = {identity["email"], identity["handle"], identity["first"], identity["last"]}
    found |= {fold(v) for v in list(found)}
    for word in (identity["first"], identity["last"]):
        found.update(t for t in analyze(word) if len(t) >= 8)
    return sorted({n.lower() for n in found})


def _hit(value, wanted: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        lowered = value.lower()
        return next((n for n in wanted if n.encode() in lowered), None)
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    lowered = value.lower()
    return next((n for n in wanted if n in lowered), None)


def scan_tables(wanted: list[str]) -> list[str]:
    """Every (table, column) holding a needle, whatever created the table (models, FTS5
    virtual tables and their shadow tables, PostgreSQL generated columns)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    needle = _hit(value, wanted)
                    if needle:
                        found.append(f"{table}.{column} ~ {needle}")
    return sorted(set(found) - set(DOCUMENTED_EXCEPTIONS))


def scan_media(wanted: list[str]) -> list[str]:
    found = []
    for root, _dirs, files in os.walk(settings.MEDIA_ROOT):
        for name in files:
            path = os.path.join(root, name)
            with open(path, "rb") as handle:
                content = handle.read()
            needle = _hit(name, wanted) or _hit(content, wanted)
            if needle:
                found.append(f"{path} ~ {needle}")
    return found


def scan_redis(wanted: list[str]) -> list[str]:
    if not settings.REDIS_URL:
        return []
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    found = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        if kind == "string":
            values = [client.get(key)]
        elif kind == "hash":
            values = [b for pair in client.hgetall(key).items() for b in pair]
        elif kind == "zset":
            values = client.zrange(key, 0, -1)
        elif kind == "set":
            values = list(client.smembers(key))
        elif kind == "list":
            values = client.lrange(key, 0, -1)
        else:
            values = []
        for value in [key, *values]:
            needle = _hit(value, wanted)
            if needle:
                found.append(f"redis {key!r} ~ {needle}")
                break
    return found


def build_member(identity, club, branches, taxonomy, people):
    member = make_user(
        identity["email"],
        display_name=identity["name"],
        first_name=identity["first"],
        last_name=identity["last"].capitalize(),
        handle=identity["handle"],
        home_branch=branches["aubagne"],
        profile_visibility="public",
    )
    member.avatar.save(f"avatar-{identity['handle']}.png", ContentFile(png_bytes()), save=True)
    FollowedInterest.objects.create(user=member, interest=taxonomy["sf"], is_public=True)
    join(member, club)
    other = people["member"]
    own = make_post(member, club, f"Ici {identity['name']}, fan de « Dune ».")
    mention = make_post(other, club, f"@{identity['handle']} as-tu lu « Hypérion » ?")
    make_comment(member, mention, f"Oui ! Signé {identity['first']}.")
    make_comment(other, own, f"Bienvenue {identity['name']} !")
    event = make_event("Club SF", branch=branches["aubagne"], registration_required=True)
    register_for_event(member, event)
    from community.outreach.consents import give_consent
    from community.outreach.models import Purpose

    give_consent(
        purpose=Purpose.DIGEST,
        text="Recevoir la sélection de la semaine par e-mail.",
        source="page:/profil/",
        user=member,
    )
    return member, own, mention


def search_total(query: str) -> int:
    response = Client().get("/api/recherche/", {"q": query})
    assert response.status_code == 200
    return response.json()["total"]


@pytest.mark.parametrize("posts", ["delete", "anonymise"])
def test_erasure_reaches_every_store(
    identity, club, branches, taxonomy, people, posts, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member, own, mention = build_member(identity, club, branches, taxonomy, people)
    indexing.rebuild()  # the index as `search_index --rebuild` leaves it
    wanted = needles(identity)
    surname = identity["last"]

    # the scanners are real: before the deletion they find the member in every store
    before = scan_tables(wanted)
    assert any(h.startswith("community_user.") for h in before)
    assert any(h.startswith("search_searchentry.") for h in before)
    assert any(h.startswith("search_searchterm.") for h in before)
    if connection.vendor == "sqlite":
        assert any(h.startswith("search_fts_data.") for h in before)
        assert any(h.startswith("search_term_fts") for h in before)
    if PushOutbox.objects.exists():
        assert any(h.startswith("feeds_pushoutbox.") for h in before)
    assert scan_media(wanted)
    assert search_total(surname) >= 1
    assert search_total(identity["handle"]) >= 1
    assert SearchTerm.objects.filter(term=fold(surname).lower()).exists()

    readers = get_store().members_with("post", own.pk)
    assert readers - {member.pk}  # the member's post is in other members' feeds
    client = Client()
    client.force_login(member)
    client.get("/fil/")  # the member's feed and caches are written
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/compte/supprimer/", {"password": PASSWORD, "posts": posts, "confirm": "on"}
        )
    assert response.status_code == 200
    assert not User.objects.filter(pk=member.pk).exists()

    assert scan_tables(wanted) == []
    assert scan_media(wanted) == []
    assert scan_redis(wanted) == []
    assert search_total(surname) == 0
    assert search_total(identity["handle"]) == 0
    # typo correction does not lead back to them either
    typo = search_total(surname[:-1] + "x")
    assert typo == 0
    assert not SearchTerm.objects.filter(term=fold(surname).lower()).exists()
    # the other member's post is still found, rewritten
    kept = Post.objects.get(pk=mention.pk)
    assert search_total("Hypérion") == 1 and identity["handle"] not in kept.body
    assert Post.objects.filter(pk=own.pk).exists() == (posts == "anonymise")
    # a deleted post leaves every feed; a kept one stays where it was (without the member)
    if posts == "delete":
        assert get_store().members_with("post", own.pk) == set()
    else:
        assert get_store().members_with("post", own.pk) == readers - {member.pk}
