"""The notification bell in the header: unread count, computed only when a template asks."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from community.notifications import unread_count


def notifications(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
