"""The inboxes: what other servers send to our actors.

Every request must be signed (``signatures``) by the key of the account named as the
activity's actor, from a server that is not blocked. Handled: ``Follow`` (accepted at once:
the actors are public), ``Undo`` of a ``Follow``, ``Delete`` of the remote account. Anything
else is acknowledged (202) and dropped: our actors do not read replies or likes.
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cms.links import absolute_url
from feeds.fediverse import delivery, signatures
from feeds.fediverse.actors import addresses, find_actor
from feeds.fediverse.models import FediverseActor, FediverseFollower, RemoteActor
from feeds.fediverse.remote import RemoteError, is_blocked, remote_actor
from feeds.fediverse.views import refusal

logger = logging.getLogger("feeds.fediverse")


def _id(value) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def local_actor(url: str) -> FediverseActor | None:
    """Our actor whose address is ``url``."""
    prefix = absolute_url(reverse("fediverse:actor", args=["x"])).removesuffix("x/")
    if not url.startswith(prefix):
        return None
    actor = find_actor(url.removeprefix(prefix).strip("/"))
    if actor is None or addresses(actor).id.rstrip("/") != url.rstrip("/"):
        return None
    return actor


def _verified_sender(request: HttpRequest, params: dict) -> RemoteActor:
    key_id = params["keyId"]
    sender = remote_actor(key_id)
    check = {
        "method": request.method,
        "path": request.get_full_path(),
        "headers": request.headers,
        "body": request.body,
        "params": params,
    }
    try:
        signatures.verify(public_pem=sender.public_key_pem, **check)
    except signatures.SignatureError:
        sender = remote_actor(key_id, refresh=True)  # the key may have been rotated
        signatures.verify(public_pem=sender.public_key_pem, **check)
    return sender


@csrf_exempt
@require_POST
def actor_inbox(request: HttpRequest, username: str) -> HttpResponse:
    if find_actor(username) is None:
        return refusal(_("No médiathèque or community has this name."), 404)
    return receive(request)


@csrf_exempt
@require_POST
def shared_inbox(request: HttpRequest) -> HttpResponse:
    return receive(request)


def receive(request: HttpRequest) -> HttpResponse:
    try:
        activity = json.loads(request.body)
    except (ValueError, RecursionError):
        return refusal(_("The body is not a JSON document."), 400)
    if not isinstance(activity, dict) or not isinstance(activity.get("type"), str):
        return refusal(_("The body is not an activity."), 400)
    try:
        params = signatures.parse(request.headers.get("Signature", ""))
    except signatures.SignatureError as error:
        return refusal(str(error), 401)
    if is_blocked(params["keyId"]) or is_blocked(_id(activity.get("actor"))):
        return refusal(_("This server is blocked here."), 403)
    try:
        sender = _verified_sender(request, params)
    except RemoteError as error:
        return refusal(f"key not usable: {error}", 401)
    except signatures.SignatureError as error:
        return refusal(str(error), 401)
    if _id(activity.get("actor")) != sender.url:
        return refusal(_("The activity's actor is not the signer."), 401)
    handle(activity, sender)
    return HttpResponse(status=202)


def handle(activity: dict, sender: RemoteActor) -> None:
    kind = activity.get("type")
    if kind == "Follow":
        target = local_actor(_id(activity.get("object")))
        if target is not None:
            follow(target, sender, activity)
    elif kind == "Undo":
        undone = activity.get("object")
        if (
            isinstance(undone, dict)
            and undone.get("type") == "Follow"
            and _id(undone.get("actor")) in ("", sender.url)
        ):
            target = local_actor(_id(undone.get("object")))
            if target is not None:
                FediverseFollower.objects.filter(actor=target, remote_actor=sender.url).delete()
    elif kind == "Delete" and _id(activity.get("object")) == sender.url:
        FediverseFollower.objects.filter(remote_actor=sender.url).delete()
        RemoteActor.objects.filter(url=sender.url).delete()
    else:
        logger.debug("Ignored %s from %s", kind, sender.url)


@transaction.atomic
def follow(target: FediverseActor, sender: RemoteActor, activity: dict) -> FediverseFollower:
    follower, _created = FediverseFollower.objects.update_or_create(
        actor=target,
        remote_actor=sender.url,
        defaults={"inbox": sender.inbox, "shared_inbox": sender.shared_inbox},
    )
    urls = addresses(target)
    follow_id = _id(activity) or f"{sender.url}#follow"
    accept = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{urls.id}#accepts/{hashlib.sha256(follow_id.encode()).hexdigest()[:16]}",
        "type": "Accept",
        "actor": urls.id,
        "object": {
            "id": follow_id,
            "type": "Follow",
            "actor": sender.url,
            "object": urls.id,
        },
    }
    delivery.queue(target, accept, [sender.inbox])
    return follower
