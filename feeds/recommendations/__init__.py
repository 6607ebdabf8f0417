"""Recommendations from the collection, for one member, each with its explanation.

    from feeds.recommendations import recommend_for
    for suggestion in recommend_for(member, limit=10):
        suggestion.item, suggestion.score, suggestion.reason

Catalogue items the member has not interacted with, blending three signals
(:mod:`feeds.recommendations.engine`): content-based (followed interests and their taxonomy
family ↔ the items' interests), collaborative (item-item similarity learned every day from what the
community signals about items: likes and "ça m'intéresse" on posts about an item,
"Réserver" clicks, supports of purchase suggestions, posts about items, registrations to
events featuring items — :mod:`feeds.recommendations.similarity`) and popularity at the
member's home branch. A member without history gets suggestions from
their interests alone; without interests either, what is popular at their branch.

A fixed number of queries whatever the limit (about ten: the member's interests and four
signals, the stored neighbours of their recent items, the long tail of their interests, the
cached popularity snapshot's key, the items shown).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from cms.french import elide
from cms.models import Branch, CatalogueItem

from .engine import Because, Scored, member_profile, score_member
from .similarity import StoredNeighbours
from .snapshot import current_snapshot

__all__ = ["Suggestion", "recommend_for"]


@dataclass
class Suggestion:
    """A catalogue item suggested to a member: `score` in 0..1, `reason` in the site's
    language (LANGUAGE_CODE, French), whatever language is active: it is stored in feeds
    built by the task worker and by management commands, where none is."""

    item: CatalogueItem
    score: float
    reason: str
    signals: dict[str, float] = field(default_factory=dict)


def _reason(because: Because, titles: dict[int, str], branch_names: dict[int, str]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _reason_text(because, titles, branch_names)


def _reason_text(because: Because, titles: dict[int, str], branch_names: dict[int, str]) -> str:
    if because.kind == "interest":
        return _("Because you follow %(interest)s") % {"interest": because.label}
    if because.kind == "item" and because.ref in titles:
        return _("Readers who liked “%(title)s” also liked this") % {"title": titles[because.ref]}
    if because.kind == "branch" and because.ref in branch_names:
        return elide(_("Popular at %(branch)s") % {"branch": branch_names[because.ref]})
    return _("Popular in the network’s médiathèques")


def recommend_for(member, limit: int = 10, exclude_ids=()) -> list[Suggestion]:
    """Up to `limit` suggestions for `member`, best first (never an item they interacted with)."""
    if member is None or not getattr(member, "pk", None) or limit <= 0:
        return []
    profile = member_profile(member)
    scored: list[Scored] = score_member(
        profile, current_snapshot(), limit + 5, exclude_ids, neighbours=StoredNeighbours()
    )
    seed_ids = {s.because.ref for s in scored if s.because.kind == "item"}
    items = CatalogueItem.objects.filter(
        pk__in={s.item_id for s in scored} | seed_ids
    ).select_related("cover")
    by_id = {item.pk: item for item in items}
    titles = {pk: item.title for pk, item in by_id.items()}
    branch_names: dict[int, str] = {}
    if profile.home_branch_id and any(s.because.kind == "branch" for s in scored):
        branch_names = dict(
            Branch.objects.filter(pk=profile.home_branch_id).values_list("pk", "name")
        )
    suggestions = []
    for s in scored:
        item = by_id.get(s.item_id)
        if item is None or item.withdrawn:
            continue
        suggestions.append(
            Suggestion(item, round(s.score, 4), _reason(s.because, titles, branch_names), s.parts)
        )
    return suggestions[:limit]
