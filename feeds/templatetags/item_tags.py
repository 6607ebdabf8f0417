"""« Les lecteurs ont aussi aimé » on an item page, from the learned item-item similarities.

{% load item_tags %}
{% also_liked item as neighbours %}   → up to 6 catalogue items, most similar first

One query whatever the number shown (the neighbours with their item); withdrawn items are
left out.
"""

from django import template

from feeds.models import ItemNeighbour

register = template.Library()

ALSO_LIKED = 6


@register.simple_tag
def also_liked(item, count: int = ALSO_LIKED) -> list:
    if item is None or item.pk is None:
        return []
    rows = (
        ItemNeighbour.objects.filter(item_id=item.pk, neighbour__withdrawn=False)
        .exclude(neighbour_id=item.pk)
        .select_related("neighbour")
        .order_by("-score", "neighbour_id")[:count]
    )
    return [row.neighbour for row in rows]
