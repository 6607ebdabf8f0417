"""Médiathèques and communities on the Fediverse, tried as a Mastodon instance would.

A live server on its own port (SITE_URL set to it) and the Mastodon stand-in of
``tests/feeds/fake_mastodon.py`` on 127.0.0.1: WebFinger, actor documents, outbox, followers,
Follow → Accept, Undo, Create / Update / Delete of what a médiathèque publishes, signatures
checked both ways, blocked servers. Every document served is expanded and compacted again with
pyld against the standard contexts (shipped offline by activitypub-linked-data): a property the
contexts do not define would be lost, and fails the test.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from ap.linked_data.contexts import SCHEMA_DEFINITIONS
from django.utils import timezone
from pyld import jsonld

from cms.links import sync_default_site
from feeds.fediverse.models import BlockedDomain, FediverseDelivery, FediverseFollower
from tests.cms.library_factories import make_announcement, make_branch_page, make_event
from tests.conftest import make_community
from tests.feeds.fake_mastodon import FakeMastodon

live = pytest.mark.django_db(transaction=True, serialized_rollback=True)
AP = {"Accept": "application/activity+json"}


def offline_loader(url, options=None):
    """The standard contexts from disk; any other address is an error (no network)."""
    parts = urlsplit(url)
    key = (parts.hostname or "") + parts.path.rstrip("/")
    if key not in SCHEMA_DEFINITIONS or key == "unknown":
        raise jsonld.JsonLdError("unknown context", "loading document failed", {"url": url})
    return SCHEMA_DEFINITIONS[key]


def assert_valid_jsonld(document: dict) -> None:
    """Expanding then compacting with the document's own context gives the document back:
    no property is unknown to the contexts, no value changes meaning."""
    options = {"documentLoader": offline_loader}
    expanded = jsonld.expand(copy.deepcopy(document), options)
    assert expanded, document
    compacted = jsonld.compact(expanded, {"@context": document["@context"]}, options)
    for key, value in document.items():
        if key == "@context":
            continue
        assert key in compacted, f"{key!r} is not defined by the contexts"
        if isinstance(value, (str, int, float, bool)):
            assert compacted[key] == value, key


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = settings.WAGTAILADMIN_BASE_URL = live_server.url
    settings.FEDIVERSE_ALLOW_PRIVATE_HOSTS = True
    sync_default_site()
    return live_server.url


@pytest.fixture
def mastodon():
    with FakeMastodon() as instance:
        yield instance


@pytest.fixture
def alcazar(site, branches, taxonomy):
    branch = branches["alcazar"]
    make_branch_page(branch)
    return branch


def host(site: str) -> str:
    return urlsplit(site).netloc


def actor_url(site: str, branch) -> str:
    found = requests.get(
        f"{site}/.well-known/webfinger",
        params={"resource": f"acct:{branch.slug}@{host(site)}"},
        timeout=30,
    )
    assert found.status_code == 200, found.text
    assert found.headers["Content-Type"].startswith("application/jrd+json")
    [link] = [link for link in found.json()["links"] if link["rel"] == "self"]
    assert link["type"] == "application/activity+json"
    return link["href"]


@live
def test_webfinger_nodeinfo_and_the_actor_document(site, alcazar, taxonomy):
    url = actor_url(site, alcazar)
    actor = requests.get(url, headers=AP, timeout=30)
    assert actor.status_code == 200
    assert actor.headers["Content-Type"].startswith("application/activity+json")
    document = actor.json()
    assert document["id"] == url and document["type"] == "Organization"
    assert document["preferredUsername"] == alcazar.slug
    assert document["name"] == "Bibliothèque de l'Alcazar"
    assert "58 cours Belsunce" in document["summary"]
    assert document["publicKey"]["owner"] == url
    assert document["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert_valid_jsonld(document)
    # every address in it answers, as a peer would fetch it
    for key in ("outbox", "followers"):
        collection = requests.get(document[key], headers=AP, timeout=30)
        assert collection.status_code == 200, key
        assert_valid_jsonld(collection.json())
    # a browser is sent to the médiathèque's page
    page = requests.get(url, timeout=30)
    assert page.status_code == 200 and page.url.startswith(site + "/")
    assert "Alcazar" in page.text
    # the same name keeps answering after the branch's slug changes
    alcazar.slug = "alcazar"
    alcazar.save()
    assert requests.get(url, headers=AP, timeout=30).status_code == 200

    links = requests.get(f"{site}/.well-known/nodeinfo", timeout=30).json()["links"]
    info = requests.get(links[0]["href"], timeout=30).json()
    assert info["protocols"] == ["activitypub"] and info["software"]["name"] == "affinites"


@live
def test_webfinger_refuses_what_it_does_not_know(site, alcazar):
    ask = lambda resource: requests.get(  # noqa: E731
        f"{site}/.well-known/webfinger", params={"resource": resource}, timeout=30
    )
    assert requests.get(f"{site}/.well-known/webfinger", timeout=30).status_code == 400
    assert ask(f"acct:personne@{host(site)}").status_code == 404
    assert ask(f"acct:{alcazar.slug}@ailleurs.example").status_code == 404
    assert ask("mailto:x@example.org").status_code == 404


@live
def test_a_community_is_a_group_and_its_outbox_holds_what_matches_its_interests(
    site, alcazar, taxonomy
):
    community = make_community("Science-fiction", interests=[taxonomy["sf"]], branches=[alcazar])
    make_announcement("Nuit de la SF", interests=[taxonomy["sf"]], branches=[alcazar])
    make_announcement("Atelier cuisine", interests=[taxonomy["cuisine"]], branches=[alcazar])
    url = requests.get(
        f"{site}/.well-known/webfinger",
        params={"resource": f"acct:{community.slug}@{host(site)}"},
        timeout=30,
    ).json()["links"][0]["href"]
    document = requests.get(url, headers=AP, timeout=30).json()
    assert document["type"] == "Group" and document["name"] == "Science-fiction"
    outbox = requests.get(document["outbox"], headers=AP, timeout=30).json()
    assert outbox["totalItems"] == 1
    first = requests.get(outbox["first"], headers=AP, timeout=30).json()
    assert_valid_jsonld(first)
    [create] = first["orderedItems"]
    article = create["object"]
    assert create["type"] == "Create" and create["actor"] == url
    assert article["type"] == "Article" and article["name"] == "Nuit de la SF"
    assert article["attributedTo"] == url
    assert article["contentMap"]["fr"] == article["content"]
    assert {"type": "Hashtag", "name": "#ScienceFiction"} in article["tag"]
    # the object is served at its id, and its link is the page
    served = requests.get(article["id"], headers=AP, timeout=30)
    assert served.status_code == 200 and served.json()["id"] == article["id"]
    assert_valid_jsonld(served.json())
    assert requests.get(article["url"], timeout=30).status_code == 200


@live
def test_follow_accept_create_update_delete_undo(site, alcazar, taxonomy, mastodon):
    url = actor_url(site, alcazar)
    inbox = requests.get(url, headers=AP, timeout=30).json()["inbox"]
    follow = mastodon.follow(url)

    answer = mastodon.post(inbox, follow)
    assert answer.status_code == 202, answer.text
    assert FediverseFollower.objects.filter(remote_actor=mastodon.actor).count() == 1
    [accept] = [r for r in mastodon.received if r["activity"]["type"] == "Accept"]
    assert accept["verified"], "our signature did not verify at the peer"
    assert accept["path"] == "/users/alice/inbox"
    assert accept["activity"]["object"]["id"] == follow["id"]
    assert accept["activity"]["actor"] == url

    # the same Follow twice: still one follower
    assert mastodon.post(inbox, follow).status_code == 202
    assert FediverseFollower.objects.filter(remote_actor=mastodon.actor).count() == 1

    mastodon.received.clear()
    event = make_event("Club science-fiction", branch=alcazar, interests=[taxonomy["sf"]])
    creates = [r for r in mastodon.received if r["activity"]["type"] == "Create"]
    assert len(creates) == 1 and creates[0]["verified"]
    assert creates[0]["path"] == "/inbox"  # the shared inbox
    obj = creates[0]["activity"]["object"]
    assert obj["type"] == "Event" and obj["name"] == "Club science-fiction"
    assert obj["startTime"].endswith("Z") and obj["endTime"] > obj["startTime"]
    assert "Alcazar" in obj["location"]["name"]
    assert_valid_jsonld(creates[0]["activity"])

    mastodon.received.clear()
    event.save_revision().publish()
    [update] = [r["activity"] for r in mastodon.received]
    assert update["type"] == "Update" and update["object"]["id"] == obj["id"]

    mastodon.received.clear()
    event.unpublish()
    [delete] = [r["activity"] for r in mastodon.received]
    assert delete["type"] == "Delete" and delete["object"]["id"] == obj["id"]
    gone = requests.get(obj["id"], headers=AP, timeout=30)
    assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"

    # nothing is ever delivered twice to the same inbox
    pairs = list(FediverseDelivery.objects.values_list("activity_id", "inbox"))
    assert len(pairs) == len(set(pairs))

    assert mastodon.post(inbox, mastodon.undo(follow)).status_code == 202
    assert not FediverseFollower.objects.exists()
    mastodon.received.clear()
    make_announcement("Après le départ", interests=[taxonomy["sf"]], branches=[alcazar])
    assert mastodon.received == []


@live
def test_inbox_refuses_what_is_not_signed_by_the_actor(site, alcazar, mastodon):
    url = actor_url(site, alcazar)
    inbox = requests.get(url, headers=AP, timeout=30).json()["inbox"]
    follow = mastodon.follow(url)
    unsigned = requests.post(inbox, json=follow, timeout=30)
    assert unsigned.status_code == 401
    # a body changed after signing
    body = b'{"type": "Follow", "actor": "%s", "object": "%s", "id": "x"}' % (
        mastodon.actor.encode(),
        url.encode(),
    )
    headers = mastodon.signed_headers(inbox, b"{}")
    assert requests.post(inbox, data=body, headers=headers, timeout=30).status_code == 401
    # too old
    stale = mastodon.post(inbox, follow, date=datetime.now(UTC) - timedelta(hours=14))
    assert stale.status_code == 401
    # signed by alice, in the name of someone else
    forged = dict(follow, actor="http://127.0.0.1:9/users/bob")
    assert mastodon.post(inbox, forged).status_code == 401
    # not JSON
    assert requests.post(inbox, data=b"[[[", timeout=30).status_code == 400
    assert not FediverseFollower.objects.exists()

    BlockedDomain.objects.create(domain="127.0.0.1", reason="test")
    assert mastodon.post(inbox, follow).status_code == 403
    assert not FediverseFollower.objects.exists()


@live
def test_a_failed_delivery_waits_then_is_sent_once(site, alcazar, taxonomy, mastodon, monkeypatch):
    from feeds.fediverse import delivery

    url = actor_url(site, alcazar)
    inbox = requests.get(url, headers=AP, timeout=30).json()["inbox"]
    assert mastodon.post(inbox, mastodon.follow(url)).status_code == 202
    mastodon.server.shutdown()  # the instance goes away
    mastodon.server.server_close()
    make_announcement("Pendant la panne", interests=[taxonomy["sf"]], branches=[alcazar])
    row = FediverseDelivery.objects.get(activity__type="Create")
    assert row.state == "pending" and row.attempts == 1 and "unreachable" in row.last_error
    assert row.next_attempt_at > timezone.now()
    assert delivery.deliver(row.pk) == "not due"  # not before its time
    FediverseDelivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - delivery.GIVE_UP_AFTER
    )
    assert delivery.deliver(row.pk) == "abandoned"
    assert delivery.deliver(row.pk) == "not due"


def test_blocking_a_server_removes_its_followers_and_keeps_the_others(db, branches):
    from feeds.fediverse.actors import actor_for_branch

    actor = actor_for_branch(branches["alcazar"])
    for url in (
        "https://spam.example/users/a",
        "https://relay.spam.example/users/b",
        "https://mastodon.example/users/c",
        "https://notspam.example/users/d",
    ):
        FediverseFollower.objects.create(actor=actor, remote_actor=url, inbox=url + "/inbox")
    BlockedDomain.objects.create(domain="Spam.Example")
    left = set(FediverseFollower.objects.values_list("remote_actor", flat=True))
    assert left == {"https://mastodon.example/users/c", "https://notspam.example/users/d"}
