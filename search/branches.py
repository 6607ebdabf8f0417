"""Médiathèques in search: a query naming a branch, its commune, postcode or street (“Méjanes”,
“aix en provence”, “13100”) shows the branch above the results, linked to its page.

The network has tens of branches, not thousands: they are read in one query and matched in
Python with the search's own folding (accents, case, ligatures), so the same rule holds on
SQLite, PostgreSQL and Elasticsearch without touching the backends or the index.
"""

from __future__ import annotations

from cms.models import Branch, BranchPage

from .analysis import STOP_WORDS, words

MAX_BRANCHES = 4
MIN_WORD = 3  # “13” or “la” alone would name half the network


def _page(branch: Branch):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return branch.page
    except ObjectDoesNotExist:
        return None


def matching_branches(query: str) -> list[dict]:
    """Branches whose name, commune, postcode or address hold every word of ``query``
    (a word matches the start of one of theirs); [{branch, page}] with a live page first."""
    terms = [term for term in words(query) if term not in STOP_WORDS]
    if not terms or all(len(term) < MIN_WORD for term in terms):
        return []
    public = set(BranchPage.objects.live().public().values_list("pk", flat=True))
    found = []
    for branch in Branch.objects.select_related("page"):
        page = _page(branch)
        if page is not None and page.pk not in public:
            page = None  # a draft or private page is neither linked nor searched
        texts = [branch.name, branch.commune, branch.postcode, branch.address]
        if page is not None:
            texts.append(page.title)
        branch_words = {word for text in texts for word in words(text)}
        if all(any(word.startswith(term) for word in branch_words) for term in terms):
            found.append({"branch": branch, "page": page})
    found.sort(key=lambda row: (row["page"] is None, row["branch"].name))
    return found[:MAX_BRANCHES]
