"""Counting the searches that found nothing or little, without the person who searched.

``search`` calls :func:`record_search` after running a query (search may import community,
never the reverse); the demand dashboard reads :class:`~community.reach.models.UnmetSearch`.
What is stored: the day, the query folded (lower case, no accents, at most 100 characters),
"none" or "few", a branch and an interest — never a user, a session or an address.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import DatabaseError
from django.utils import timezone

from community.models.suggestions import fold
from community.reach.counters import add_counts
from community.reach.models import UnmetSearch

logger = logging.getLogger(__name__)

# At most this many results counts as "few" (one page of results holds 20).
FEW_RESULTS = 3
QUERY_LENGTH = 100


def outcome_of(total: int) -> str | None:
    if total <= 0:
        return UnmetSearch.Outcome.NONE
    if total <= FEW_RESULTS:
        return UnmetSearch.Outcome.FEW
    return None


def record_search(
    query: str, total: int, *, branch_ids: Iterable[int] = (), interest_ids: Iterable[int] = ()
) -> bool:
    """Count one search of `query` that found `total` results, if that is none or few.

    Branch: the one searched in when exactly one was chosen, else none. Interests: those the
    search was restricted to (or, for a member, those they follow, as the caller decides).
    True when a count was written. A database error is logged, never raised: counting must
    not break the search.
    """
    outcome = outcome_of(total)
    folded = fold(query)[:QUERY_LENGTH].strip()
    if outcome is None or not folded:
        return False
    branch_ids = sorted(set(branch_ids))
    branch_id = branch_ids[0] if len(branch_ids) == 1 else None
    day = timezone.localdate()
    rows = [(day, folded, outcome, branch_id, None, 1)]
    rows += [(day, folded, outcome, branch_id, pk, 1) for pk in sorted(set(interest_ids))]
    try:
        add_counts(UnmetSearch, ("day", "query", "outcome"), rows)
    except DatabaseError:
        logger.warning("Could not count an unmet search", exc_info=True)
        return False
    return True
