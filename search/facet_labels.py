"""The labels of the médiathèque and interest facets: every branch's name and every
interest's "Parent › Name", read in two small statements and kept in the cache, since they
change rarely; saving or deleting a branch or an interest forgets them (search/receivers.py).
A queryset ``.update()`` sends no signal: the timeout bounds how long a name changed that way
(or in another process with a per-process cache) stays stale."""

from django.core.cache import cache

from cms.models import Branch, Interest

CACHE_KEY = "search:facet-labels"
TIMEOUT = 300  # seconds


def facet_labels() -> dict[str, dict[str, str]]:
    """{"branch": {id: name}, "interest": {id: "Parent › Name"}}, ids as strings."""
    labels = cache.get(CACHE_KEY)
    if labels is None:
        labels = {
            "branch": {str(pk): name for pk, name in Branch.objects.values_list("pk", "name")},
            "interest": {
                str(pk): f"{parent} › {name}" if parent else name
                for pk, name, parent in Interest.objects.values_list("pk", "name", "parent__name")
            },
        }
        cache.set(CACHE_KEY, labels, TIMEOUT)
    return labels


def forget_facet_labels(sender=None, **kwargs) -> None:
    cache.delete(CACHE_KEY)
