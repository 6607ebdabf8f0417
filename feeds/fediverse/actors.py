"""Which actors exist, their names, addresses and keys.

A médiathèque's name on the Fediverse is its slug (``@alcazar@<host>``), a community's the
slug of its page (``@science-fiction@<host>``). When a community's slug is already a
médiathèque's, the community is ``<slug>-communaute``. Communities are actors while their page
is live and public; every médiathèque is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import IntegrityError, transaction
from django.urls import reverse

from cms.links import absolute_url, site_url
from cms.models import Branch
from community.models import CommunityPage
from feeds.fediverse.models import FediverseActor
from feeds.syndication import crypto

COMMUNITY_SUFFIX = "-communaute"
KEY_BITS = 2048


def site_host() -> str:
    """The host people write after the ``@`` (``SITE_URL``'s, with its port if any)."""
    return urlsplit(site_url()).netloc


def _new_key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return public, private


def _live_communities():
    return CommunityPage.objects.live().public()


def _create(username: str, **subject) -> FediverseActor:
    public, private = _new_key_pair()
    try:
        with transaction.atomic():
            return FediverseActor.objects.create(
                username=username,
                public_key_pem=public,
                private_key_encrypted=crypto.encrypt(private),
                **subject,
            )
    except IntegrityError:  # created by a concurrent request meanwhile
        return FediverseActor.objects.get(**subject)


def _is_public(actor: FediverseActor) -> bool:
    if actor.branch_id:
        return True
    return _live_communities().filter(pk=actor.community_id).exists()


def find_actor(username: str) -> FediverseActor | None:
    """The actor named ``username`` (created on first use), or None."""
    username = username.strip().lower()
    if not username:
        return None
    actor = (
        FediverseActor.objects.select_related("branch", "community")
        .filter(username=username)
        .first()
    )
    if actor is not None:
        return actor if _is_public(actor) else None
    branch = Branch.objects.filter(slug=username).first()
    if branch is not None:
        return actor_for_branch(branch)
    community = _live_communities().filter(slug=username).first()
    if community is None and username.endswith(COMMUNITY_SUFFIX):
        slug = username.removesuffix(COMMUNITY_SUFFIX)
        if Branch.objects.filter(slug=slug).exists():
            community = _live_communities().filter(slug=slug).first()
    return actor_for_community(community) if community is not None else None


def actor_for_branch(branch: Branch) -> FediverseActor:
    actor = FediverseActor.objects.filter(branch=branch).first()
    return actor or _create(branch.slug, branch=branch)


def actor_for_community(community: CommunityPage) -> FediverseActor:
    actor = FediverseActor.objects.filter(community=community).first()
    if actor is not None:
        return actor
    username = community.slug
    if Branch.objects.filter(slug=username).exists():
        username += COMMUNITY_SUFFIX
    return _create(username, community=community)


def private_key_pem(actor: FediverseActor) -> str:
    return crypto.decrypt(actor.private_key_encrypted)


@dataclass(frozen=True)
class Addresses:
    """The absolute addresses of an actor's documents."""

    username: str
    id: str
    inbox: str
    outbox: str
    followers: str
    key_id: str
    profile: str  # the HTML page people open

    @property
    def handle(self) -> str:
        return f"@{self.username}@{site_host()}"


def addresses(actor: FediverseActor) -> Addresses:
    username = actor.username
    actor_id = absolute_url(reverse("fediverse:actor", args=[username]))
    if actor.branch_id:
        page = getattr(actor.branch, "page", None)
        profile = absolute_url(page.url) if page is not None and page.live else site_url() + "/"
    else:
        profile = absolute_url(actor.community.url)
    return Addresses(
        username=username,
        id=actor_id,
        inbox=absolute_url(reverse("fediverse:inbox", args=[username])),
        outbox=absolute_url(reverse("fediverse:outbox", args=[username])),
        followers=absolute_url(reverse("fediverse:followers", args=[username])),
        key_id=actor_id + "#main-key",
        profile=profile,
    )


def shared_inbox() -> str:
    return absolute_url(reverse("fediverse:shared_inbox"))
