"""Members' reading lists and « Ça m'intéresse » on a catalogue item.

Thin: `community.actions.lists` acts, `community.lists` reads. A refusal that concerns the
form (a name missing or taken, a limit reached) comes back as a message on the page the
member came from (works without JavaScript); anything else (someone else's list, a bad id)
is a 4xx page.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cms.params import redirect_next
from community import lists as reading
from community.actions import lists as actions
from community.actions.errors import Refused
from community.actions.ratelimits import RateLimited
from community.views.posts import rate_limited, refused


def _is_on(request, name: str) -> bool:
    return request.POST.get(name) in ("1", "on", "true")


def _answer(request, error: Refused, fallback: str):
    """A form refusal: said on the page the member came from; anything else: a 4xx page."""
    if error.status == 400:
        messages.error(request, error.message)
        return redirect_next(request, fallback)
    return refused(request, error)


@require_GET
@login_required
def my_lists(request):
    return render(request, "community/lists/my_lists.html", reading.my_lists(request.user))


@require_POST
@login_required
def list_create(request):
    fallback = reverse("community:my_lists")
    try:
        created = actions.create_list(
            request.user, request.POST.get("name", ""), public=_is_on(request, "public")
        )
    except RateLimited as error:
        return rate_limited(request, error)
    except Refused as error:
        return _answer(request, error, fallback)
    item_id = request.POST.get("item")
    if item_id:  # « Ajouter à une nouvelle liste » from an item
        try:
            actions.add_item(request.user, created.pk, item_id)
        except Refused as error:
            return _answer(request, error, fallback)
        messages.success(request, _("Added to your new list “%(name)s”.") % {"name": created.name})
    else:
        messages.success(request, _("Your list “%(name)s” is created.") % {"name": created.name})
    return redirect_next(request, created.get_absolute_url())


@require_GET
def list_detail(request, list_id: int):
    """A public list, or one of the member's own; anyone else's private list does not exist."""
    context = reading.list_page(request.user, list_id)
    if context is None:
        raise Http404(_("No such list."))
    return render(request, "community/lists/list_detail.html", context)


@require_POST
@login_required
def list_update(request, list_id: int):
    fallback = reverse("community:reading_list", args=[list_id])
    try:
        updated = actions.update_list(
            request.user,
            list_id,
            name=request.POST.get("name", ""),
            public=_is_on(request, "public"),
        )
    except Refused as error:
        return _answer(request, error, fallback)
    messages.success(request, _("Your list “%(name)s” is saved.") % {"name": updated.name})
    return redirect_next(request, fallback)


@require_POST
@login_required
def list_delete(request, list_id: int):
    try:
        name = actions.delete_list(request.user, list_id)
    except Refused as error:
        return _answer(request, error, reverse("community:reading_list", args=[list_id]))
    messages.success(request, _("Your list “%(name)s” is deleted.") % {"name": name})
    return redirect_next(request, reverse("community:my_lists"))


@require_POST
@login_required
def list_remove_item(request, list_id: int, item_id: int):
    try:
        removed = actions.remove_item(request.user, list_id, item_id)
    except Refused as error:
        return _answer(request, error, reverse("community:reading_list", args=[list_id]))
    if removed:
        messages.success(request, _("Removed from the list."))
    return redirect_next(request, reverse("community:reading_list", args=[list_id]))


@require_POST
@login_required
def item_add_to_list(request, item_id: int):
    """« Ajouter à une liste » from an item (« À lire » when no list is chosen)."""
    fallback = reverse("community:my_lists")
    try:
        reading_list, added = actions.add_item(
            request.user, request.POST.get("list") or None, item_id, request.POST.get("note", "")
        )
    except Refused as error:
        return _answer(request, error, fallback)
    params = {"name": reading_list.name}
    if added:
        messages.success(request, _("Added to your list “%(name)s”.") % params)
    else:
        messages.info(request, _("Already in your list “%(name)s”.") % params)
    return redirect_next(request, reading_list.get_absolute_url())


@require_POST
@login_required
def item_interest(request, item_id: int):
    """« Ça m'intéresse » on an item, or taking it back (a toggle)."""
    try:
        item, interested = actions.toggle_interest(request.user, item_id)
    except Refused as error:
        return refused(request, error)
    if interested:
        messages.success(
            request,
            _("Noted: “%(title)s” interests you. It helps us suggest others.")
            % {"title": item.title},
        )
    else:
        messages.info(
            request,
            _("“%(title)s” is no longer marked as interesting you.") % {"title": item.title},
        )
    return redirect_next(request, reverse("search:item", args=[item.record_id]))
