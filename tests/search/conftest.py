"""Search test data: a small French catalogue, pages and communities, indexed explicitly."""

from __future__ import annotations

import datetime as dt
import itertools
from contextlib import contextmanager

import pytest
from django.utils import timezone

from cms.models import CatalogueItem, EventIndexPage, EventPage, Holding, HoldingStatus
from search import indexing

_seq = itertools.count(1)


def make_item(
    title: str,
    authors: str = "",
    *,
    holdings=(),
    interests=(),
    record_id: str | None = None,
    **fields,
) -> CatalogueItem:
    """An item with holdings [(branch, status)] and interests (saved without signals' help)."""
    n = next(_seq)
    item = CatalogueItem.objects.create(
        record_id=record_id or f"T{n:05d}", title=title, authors=authors, **fields
    )
    for order, (branch, status) in enumerate(holdings):
        Holding.objects.create(item=item, branch=branch, status=status, sort_order=order)
    if interests:
        item.interests.set(interests)
        item.save()  # a ParentalManyToManyField is written when the item is saved
    return item


def make_event(title: str, branch, *, days: int = 7, interests=(), **fields) -> EventPage:
    index = EventIndexPage.objects.first()
    if index is None:
        from cms.models import HomePage

        home = HomePage.objects.first()
        index = EventIndexPage(title="Agenda", slug="agenda")
        home.add_child(instance=index)
    start = timezone.now() + dt.timedelta(days=days)
    page = EventPage(
        title=title,
        start=start,
        end=start + dt.timedelta(hours=2),
        branch=branch,
        description=fields.pop("description", "<p>Rencontre.</p>"),
        **fields,
    )
    index.add_child(instance=page)
    page.interests.set(interests)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


@pytest.fixture
def catalogue(db, taxonomy, branches):
    """About twenty French items covering the matching cases the issue lists."""
    alc, aub, arl = branches["alcazar"], branches["aubagne"], branches["arles"]
    A, L = HoldingStatus.AVAILABLE, HoldingStatus.ON_LOAN
    items = {
        "etranger": make_item(
            "L'Étranger",
            "Camus, Albert",
            holdings=[(alc, A), (aub, L)],
            year=1942,
            isbn="9782070360024",
            summary="Meursault, un homme indifférent, à Alger.",
            subjects=["Roman français"],
            language="fre",
        ),
        "peste": make_item(
            "La Peste",
            "Camus, Albert",
            holdings=[(arl, A)],
            year=1947,
            summary="Une épidémie frappe Oran.",
            subjects=["Roman français"],
            language="fre",
        ),
        "miserables": make_item(
            "Les Misérables",
            "Hugo, Victor",
            holdings=[(alc, L)],
            year=1862,
            summary="Jean Valjean, ancien forçat, cherche la rédemption.",
            subjects=["Roman historique"],
            language="fre",
        ),
        "dune": make_item(
            "Dune",
            "Herbert, Frank",
            holdings=[(aub, A)],
            year=1965,
            interests=[taxonomy["sf"]],
            summary="Sur Arrakis, la planète des sables.",
            subjects=["Science-fiction"],
            language="fre",
            isbn="9782266320481",
        ),
        "fondation": make_item(
            "Fondation",
            "Asimov, Isaac",
            holdings=[(alc, A)],
            year=1951,
            interests=[taxonomy["sf"]],
            summary="L'effondrement d'un empire galactique.",
            subjects=["Science-fiction"],
            language="fre",
        ),
        "romans_sf": make_item(
            "Les plus beaux romans de science-fiction",
            "Collectif",
            holdings=[(arl, A)],
            year=2010,
            interests=[taxonomy["sf"]],
            subjects=["Anthologie"],
            language="fre",
        ),
        "naruto": make_item(
            "Naruto, tome 1",
            "Kishimoto, Masashi",
            doc_type="manga",
            audience="ado",
            holdings=[(aub, A)],
            year=2002,
            interests=[taxonomy["manga"]],
            language="fre",
            summary="Un jeune ninja rêve de devenir Hokage.",
        ),
        "cuisine": make_item(
            "La cuisine provençale",
            "Reboul, Jean-Baptiste",
            holdings=[(arl, L)],
            year=1897,
            interests=[taxonomy["cuisine"]],
            summary="Recettes de Provence : aïoli, bouillabaisse.",
            language="fre",
        ),
        "hobbit": make_item(
            "The Hobbit",
            "Tolkien, J. R. R.",
            holdings=[(alc, A)],
            year=1937,
            interests=[taxonomy["fantasy"]],
            language="eng",
            summary="Bilbo leaves the Shire.",
        ),
        "withdrawn": make_item("Dune, édition retirée", "Herbert, Frank", withdrawn=True),
    }
    indexing.rebuild()
    return items


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks registered inside the block (the test's transaction never
    commits). Updates scheduled earlier by fixtures wait in their own, older callback."""

    @contextmanager
    def run():
        indexing._state.pending = None
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks

    return run


@pytest.fixture(params=["database", "framework"])
def engine(request, settings):
    """Both database search engines on the same cases: the `database` engine's own SQL and
    the `framework` engine (Django's full-text search API, search/backends/framework.py)."""
    settings.SEARCH_BACKEND = request.param
    return request.param
