"""Load the demo facts of :mod:`community.demo.data` into the database, idempotently.

Each loader upserts by a natural key (slug, email) and writes only what differs, so running
``load_demo`` again creates no row, changes no primary key and adds no page revision. Each
returns a :class:`Tally` of what it created, updated or left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import models, transaction

from cms import geo
from cms.branches import nearest_branch
from cms.models import Branch, Interest
from community import roles
from community.actions.memberships import join_community
from community.actions.onboarding import (
    complete_onboarding,
    save_interests_and_place,
    set_home_branch,
)
from community.demo import data
from community.models import CommunityIndexPage, CommunityPage, User

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


class DemoDataError(RuntimeError):
    """The demo facts do not fit the database (missing index page, unknown commune …)."""


@dataclass
class Tally:
    """How many rows a loader created, updated or left as they were."""

    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def __str__(self) -> str:
        return (
            f"{self.label}: {self.total} "
            f"({self.created} created, {self.updated} updated, {self.unchanged} unchanged)"
        )


def _upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[models.Model, str]:
    """Get the row matching `lookup` or create it; save only the fields that differ."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model.objects.create(**lookup, **values), CREATED
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, UNCHANGED
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, UPDATED


def _by_slug(model: type[models.Model], slugs: Iterable[str]) -> list[Any]:
    """The rows with these slugs, in the given order; fails loudly on an unknown slug."""
    slugs = list(slugs)
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise DemoDataError(
            f"Unknown {model._meta.verbose_name} slug(s): {', '.join(missing)}. "
            "Run the loaders in order (load_all)."
        )
    return [found[s] for s in slugs]


# --- interests -------------------------------------------------------------------------------


def load_interests() -> Tally:
    """The two-level interest taxonomy, positions following the order of the data."""
    tally = Tally("interests")
    for position, entry in enumerate(data.INTERESTS, start=1):
        parent, status = _upsert(
            Interest,
            {"slug": entry["slug"]},
            {
                "name": entry["name"],
                "parent": None,
                "description": entry["description"],
                "position": position,
            },
        )
        tally.add(status)
        for child_position, (name, slug) in enumerate(entry["children"], start=1):
            _, status = _upsert(
                Interest,
                {"slug": slug},
                {"name": name, "parent": parent, "position": child_position},
            )
            tally.add(status)
    return tally


# --- branches --------------------------------------------------------------------------------

_BRANCH_OPTIONAL_FIELDS = ("phone", "email", "website", "card_signup_url")


def load_branches() -> Tally:
    """The médiathèques, keyed by slug."""
    tally = Tally("branches")
    for entry in data.BRANCHES:
        values = {k: v for k, v in entry.items() if k != "slug"}
        for name in _BRANCH_OPTIONAL_FIELDS:
            values.setdefault(name, "")
        _, status = _upsert(Branch, {"slug": entry["slug"]}, values)
        tally.add(status)
    return tally


# --- communities -----------------------------------------------------------------------------


def _community_index() -> CommunityIndexPage:
    index = CommunityIndexPage.objects.first()
    if index is None:
        raise DemoDataError(
            "No community index page: run the migrations (community 0003 creates /communautes/)."
        )
    return index


def load_communities() -> Tally:
    """Themed communities under the community index, live; republished only when changed."""
    tally = Tally("communities")
    index = _community_index()
    for entry in data.COMMUNITIES:
        interests = _by_slug(Interest, entry["interests"])
        branches = _by_slug(Branch, entry["branches"])
        fields = {
            "title": entry["title"],
            "summary": entry["summary"],
            "description": entry["description"],
        }
        page = CommunityPage.objects.child_of(index).filter(slug=entry["slug"]).first()
        if page is None:
            page = CommunityPage(slug=entry["slug"], **fields)
            index.add_child(instance=page)
            status = CREATED
        else:
            same = (
                page.live
                and not page.has_unpublished_changes
                and all(getattr(page, k) == v for k, v in fields.items())
                and {i.pk for i in page.interests.all()} == {i.pk for i in interests}
                and {b.pk for b in page.branches.all()} == {b.pk for b in branches}
            )
            if same:
                tally.add(UNCHANGED)
                continue
            for name, value in fields.items():
                setattr(page, name, value)
            page.draft_title = entry["title"]
            status = UPDATED
        page.interests.set(interests)
        page.branches.set(branches)
        page.save_revision().publish()
        tally.add(status)
    return tally


# --- people ----------------------------------------------------------------------------------


def _account(email: str, *, staff: bool = False, **fields: Any) -> tuple[User, str]:
    """The demo account for `email` (username: its local part), with a verified address."""
    values = {
        "username": email.split("@")[0],
        "is_staff": staff,
        "is_superuser": False,
        "is_active": True,
        **fields,
    }
    user = User.objects.filter(email=email).first()
    if user is None:
        if User.objects.filter(username=values["username"]).exists():
            raise DemoDataError(
                f"The username {values['username']!r} belongs to an account with another email."
            )
        user = User(email=email, **values)
        user.set_password(data.DEMO_PASSWORD)
        user.save()
        status = CREATED
    else:
        changed = [k for k, v in values.items() if getattr(user, k) != v]
        for name in changed:
            setattr(user, name, values[name])
        if not user.check_password(data.DEMO_PASSWORD):
            user.set_password(data.DEMO_PASSWORD)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
        status = UPDATED if changed else UNCHANGED
    address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    elif not (address.verified and address.primary):
        address.verified = address.primary = True
        address.save(update_fields=["verified", "primary"])
    return user, status


def _touched(status: str) -> str:
    """A row found unchanged so far was just changed (a created one stays created)."""
    return UPDATED if status == UNCHANGED else status


def _communities(index: CommunityIndexPage, slugs: Iterable[str]) -> list[CommunityPage]:
    slugs = list(slugs)
    found = {p.slug: p for p in CommunityPage.objects.child_of(index).filter(slug__in=slugs)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise DemoDataError(
            f"Unknown community slug(s): {', '.join(missing)}. Load the communities first."
        )
    return [found[s] for s in slugs]


def _join_group(user: User, name: str) -> None:
    try:
        group = Group.objects.get(name=name)
    except Group.DoesNotExist:
        raise DemoDataError(
            f"No group {name!r}: run the migrations (community 0003 creates it)."
        ) from None
    user.groups.add(group)


def load_people() -> Tally:
    """The network admin, the librarians and the onboarded members with their communities."""
    tally = Tally("people")
    # The demo's staff accounts get what their role promises even on a database whose
    # groups lost a permission (the migrations grant them on a fresh one).
    roles.grant_group_permissions()

    admin, status = _account(
        data.NETWORK_ADMIN["email"],
        staff=True,
        display_name=data.NETWORK_ADMIN["display_name"],
        first_name=data.NETWORK_ADMIN["first_name"],
        last_name=data.NETWORK_ADMIN["last_name"],
    )
    _join_group(admin, data.ADMINS_GROUP)
    tally.add(status)

    for entry in data.LIBRARIANS:
        librarian, status = _account(
            entry["email"],
            display_name=entry["display_name"],
            first_name=entry["first_name"],
            last_name=entry["last_name"],
        )
        _join_group(librarian, data.LIBRARIANS_GROUP)
        (branch,) = _by_slug(Branch, [entry["branch"]])
        if librarian.home_branch_id != branch.pk:
            set_home_branch(librarian, branch)
            status = _touched(status)
        # The branch they work for: its events' attendee lists are theirs to see.
        if not branch.librarians.filter(pk=librarian.pk).exists():
            branch.librarians.add(librarian)
            status = _touched(status)
        tally.add(status)

    index = _community_index()
    for entry in data.MEMBERS:
        member, status = _account(entry["email"], display_name=entry["display_name"])
        commune = geo.resolve(entry["commune"])
        if commune is None:
            raise DemoDataError(f"Unknown commune {entry['commune']!r}.")
        interests = _by_slug(Interest, entry["interests"])
        nearest = nearest_branch(commune.lat, commune.lon)
        if nearest is None:
            raise DemoDataError("No branch: load the branches first.")
        onboarded = (
            member.is_onboarded
            and member.commune_insee == commune.insee
            and member.home_branch_id == nearest.branch.pk
            and set(member.followed_interests.values_list("interest_id", flat=True))
            == {i.pk for i in interests}
        )
        if not onboarded:
            save_interests_and_place(member, interests=interests, commune=commune)
            complete_onboarding(member, branch=nearest.branch)
            status = _touched(status)
        for community in _communities(index, entry["communities"]):
            if join_community(member, community):
                status = _touched(status)
        tally.add(status)
    return tally


# --- everything ------------------------------------------------------------------------------


def load_all(stdout: TextIO, *, library: bool = True) -> list[Tally]:
    """Run every loader in order, in one transaction, and write a line per loader.

    `library=False` skips the library content (catalogue, branch pages, events, news,
    curated lists), the slow part.
    """
    from community.demo.library import load_library_content

    with transaction.atomic():
        tallies = [load_interests(), load_branches(), load_communities(), load_people()]
        from community.outreach.demo import load_partners  # demo partner site (widget)

        tallies.append(load_partners(Tally))
        if library:
            tallies += load_library_content()
    for tally in tallies:
        stdout.write(f"  {tally}\n")
    return tallies


def demo_logins() -> list[tuple[str, str]]:
    """(role, email) of every demo account, for the command's closing message."""
    logins = [("network admin", data.NETWORK_ADMIN["email"])]
    logins += [("librarian", entry["email"]) for entry in data.LIBRARIANS]
    logins += [("member", entry["email"]) for entry in data.MEMBERS]
    return logins
