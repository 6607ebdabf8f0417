"""WebFinger, NodeInfo and the ActivityPub documents of the actors (read side).

Every document answers ``application/activity+json``; a browser (asking for HTML) opening an
actor or an object is sent to the page it stands for. Unknown names and pages answer 404,
a page no longer published 410 with a ``Tombstone``.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from wagtail.models import Page

from cms.links import absolute_url, page_url, site_url
from cms.models import Branch
from feeds.fediverse import documents
from feeds.fediverse.actors import addresses, find_actor, site_host
from feeds.fediverse.models import FediverseActor

ACTIVITY_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"
MAX_ID = 2**63 - 1


def wants_activity_json(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return "application/activity+json" in accept or "application/ld+json" in accept


def activity_response(document: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False),
        content_type=f"{ACTIVITY_JSON}; charset=utf-8",
        status=status,
    )
    response["Vary"] = "Accept"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def refusal(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _actor_or_404(username: str) -> FediverseActor | JsonResponse:
    actor = find_actor(username)
    if actor is None:
        return refusal(_("No médiathèque or community has this name."), 404)
    return actor


@require_GET
def webfinger(request: HttpRequest) -> HttpResponse:
    """``/.well-known/webfinger?resource=acct:<name>@<host>`` (RFC 7033), or the actor's URL."""
    resource = request.GET.get("resource", "").strip()
    if not resource:
        return refusal(_("The resource parameter is required (acct:name@host)."), 400)
    username = None
    if resource.startswith("acct:"):
        name, _sep, host = resource.removeprefix("acct:").lstrip("@").rpartition("@")
        if not name or host.lower() != site_host().lower():
            return refusal(
                _("This server only knows accounts at %(host)s.") % {"host": site_host()}, 404
            )
        username = name
    elif resource.startswith(("http://", "https://")):
        prefix = absolute_url(reverse("fediverse:actor", args=["x"]))[: -len("x/")]
        if resource.startswith(prefix):
            username = resource.removeprefix(prefix).strip("/")
    if not username:
        return refusal(_("Unknown resource."), 404)
    actor = find_actor(username)
    if actor is None:
        return refusal(_("No médiathèque or community has this name."), 404)
    urls = addresses(actor)
    document = {
        "subject": f"acct:{actor.username}@{site_host()}",
        "aliases": [urls.id, urls.profile],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": urls.id},
            {
                "rel": "http://webfinger.net/rel/profile-page",
                "type": "text/html",
                "href": urls.profile,
            },
        ],
    }
    response = JsonResponse(
        document, content_type=JRD_JSON, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def nodeinfo_links(request: HttpRequest) -> JsonResponse:
    href = absolute_url(reverse("fediverse:nodeinfo"))
    return JsonResponse({"links": [{"rel": NODEINFO_SCHEMA, "href": href}]})


@require_GET
def nodeinfo(request: HttpRequest) -> JsonResponse:
    """NodeInfo 2.1. "users" counts the actors that can be followed here (médiathèques and
    communities): members themselves are not on the Fediverse."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        software_version = version("affinites")
    except PackageNotFoundError:
        software_version = "0"
    actors = FediverseActor.objects.aggregate(total=Count("pk"))["total"]
    branches = Branch.objects.count()
    document = {
        "version": "2.1",
        "software": {
            "name": "affinites",
            "version": software_version,
            "homepage": site_url() + "/",
        },
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["rss2.0", "atom1.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": max(actors, branches)}},
        "metadata": {"nodeName": settings.AFFINITES_NETWORK_NAME},
    }
    response = JsonResponse(
        document,
        content_type=f'application/json; profile="{NODEINFO_SCHEMA}#"',
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def actor(request: HttpRequest, username: str) -> HttpResponse:
    found = _actor_or_404(username)
    if isinstance(found, JsonResponse):
        return found
    if not wants_activity_json(request):
        return HttpResponseRedirect(addresses(found).profile)
    return activity_response(documents.actor_document(found))


@require_GET
def outbox(request: HttpRequest, username: str) -> HttpResponse:
    found = _actor_or_404(username)
    if isinstance(found, JsonResponse):
        return found
    raw = request.GET.get("page")
    page_number = None
    if raw is not None:
        page_number = int(raw) if raw.isdigit() and 0 < len(raw) <= 6 else 0
        if page_number < 1:
            return refusal(_("page must be a positive whole number."), 400)
    return activity_response(documents.outbox(found, page_number))


@require_GET
def followers(request: HttpRequest, username: str) -> HttpResponse:
    found = _actor_or_404(username)
    if isinstance(found, JsonResponse):
        return found
    return activity_response(documents.followers(found))


def _published_page(request, username: str, page_id: int):
    found = _actor_or_404(username)
    if isinstance(found, JsonResponse):
        return found, None
    page = Page.objects.filter(pk=page_id).first() if page_id <= MAX_ID else None
    if page is None or not isinstance(page.specific, documents.CONTENT_TYPES):
        return refusal(_("No such object."), 404), None
    page = page.specific
    if documents.publishes(found, page):
        return found, page
    if page.live:  # published, but not by this actor
        return refusal(_("No such object."), 404), None
    return activity_response(documents.tombstone(found, page), status=410), None


@require_GET
def page_object(request: HttpRequest, username: str, page_id: int) -> HttpResponse:
    found, page = _published_page(request, username, page_id)
    if page is None:
        return found
    if not wants_activity_json(request):
        return HttpResponseRedirect(page_url(page))
    return activity_response(documents.with_context(documents.page_object(found, page)))


@require_GET
def page_activity(request: HttpRequest, username: str, page_id: int) -> HttpResponse:
    found, page = _published_page(request, username, page_id)
    if page is None:
        return found
    return activity_response(documents.with_context(documents.create_activity(found, page)))
