"""Shared fixtures and small `make_*` factories for the whole suite."""

import itertools

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from cms.models import Branch, Interest
from community.models import CommunityIndexPage, CommunityPage, User

_seq = itertools.count(1)

PASSWORD = "correct horse battery staple"


def make_interest(name: str, parent: Interest | None = None, **kwargs) -> Interest:
    return Interest.objects.create(name=name, parent=parent, **kwargs)


def make_branch(name: str, *, commune: str, lat: float, lon: float, **kwargs) -> Branch:
    defaults = {"address": "1 place de la Mairie", "postcode": "13000", "insee": ""}
    defaults.update(kwargs)
    return Branch.objects.create(
        name=name, commune=commune, latitude=lat, longitude=lon, **defaults
    )


def make_user(email: str | None = None, *, verified: bool = True, groups=(), **kwargs) -> User:
    n = next(_seq)
    email = email or f"person{n}@example.org"
    user = User.objects.create_user(
        username=kwargs.pop("username", f"person{n}"), email=email, password=PASSWORD, **kwargs
    )
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def make_community(title: str, *, interests=(), branches=(), **kwargs) -> CommunityPage:
    index = CommunityIndexPage.objects.get()
    page = CommunityPage(
        title=title, summary=kwargs.pop("summary", f"À propos de {title}."), **kwargs
    )
    index.add_child(instance=page)
    page.interests.set(interests)
    page.branches.set(branches)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture(autouse=True)
def _close_async_thread_connections(request):
    """After an asyncio test, close the database connections of asgiref's single thread
    (``sync_to_async`` and Channels' ``database_sync_to_async`` outside ``async_to_sync``):
    left open, they outlive the test and PostgreSQL refuses to drop the test database."""
    yield
    if request.node.get_closest_marker("asyncio") is not None:
        from asgiref.sync import SyncToAsync
        from django.db import connections

        SyncToAsync.single_thread_executor.submit(connections.close_all).result()


@pytest.fixture
def taxonomy(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    fantasy = make_interest("Fantasy", imaginaire, position=2)
    bd = make_interest("BD", position=2)
    manga = make_interest("Manga", bd, position=1)
    cuisine = make_interest("Cuisine", position=3)
    return {
        "imaginaire": imaginaire,
        "sf": sf,
        "fantasy": fantasy,
        "bd": bd,
        "manga": manga,
        "cuisine": cuisine,
    }


@pytest.fixture
def branches(db):
    return {
        "alcazar": make_branch(
            "Bibliothèque de l'Alcazar",
            commune="Marseille",
            lat=43.2993,
            lon=5.3784,
            address="58 cours Belsunce",
            postcode="13001",
            insee="13201",
        ),
        "aubagne": make_branch(
            "Médiathèque Marcel Pagnol",
            commune="Aubagne",
            lat=43.2925,
            lon=5.5693,
            postcode="13400",
            insee="13005",
        ),
        "arles": make_branch(
            "Médiathèque d'Arles",
            commune="Arles",
            lat=43.6766,
            lon=4.6278,
            postcode="13200",
            insee="13004",
        ),
    }


@pytest.fixture
def member(db):
    return make_user("membre@example.org")


@pytest.fixture
def librarian(db):
    return make_user("biblio@example.org", groups=["Bibliothécaires"])


@pytest.fixture
def network_admin(db):
    return make_user("admin@example.org", groups=["Administrateurs réseau"])


@pytest.fixture(autouse=True)
def _forget_site_root_paths():
    """Wagtail caches the sites' root paths and clears them when a Site is saved or deleted;
    a test's rollback deletes nothing, so a site made by one test would outlive it in that
    cache (links of later tests built for two sites)."""
    yield
    from wagtail.models import Site

    Site.clear_site_root_paths_cache()
