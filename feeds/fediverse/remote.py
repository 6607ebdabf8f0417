"""Talking to other servers: fetching a remote actor (its key and inboxes) and posting a signed
activity to an inbox. Only ``http(s)`` addresses of public hosts are contacted (a request names
the key's address: it must not make the site call into its own network), except where
``FEDIVERSE_ALLOW_PRIVATE_HOSTS`` allows it (tests, a local trial).
"""

from __future__ import annotations

import ipaddress
import json
import socket
from datetime import timedelta
from urllib.parse import urldefrag, urlsplit

import requests
import urllib3
from django.conf import settings
from django.utils import timezone

from feeds.fediverse import signatures
from feeds.fediverse.models import BlockedDomain, RemoteActor

TIMEOUT = (5, 15)
KEY_MAX_AGE = timedelta(days=1)
ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
MAX_DOCUMENT = 1_000_000


class RemoteError(Exception):
    """A remote server could not be used (unreachable, refused, not an actor)."""


def domain_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_blocked(url: str) -> bool:
    host = domain_of(url)
    candidates = {host}
    parts = host.split(".")
    candidates.update(".".join(parts[i:]) for i in range(1, len(parts) - 1))
    return BlockedDomain.objects.filter(domain__in=candidates).exists()


def check_address(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise RemoteError(f"not a web address: {url[:100]}")
    if settings.FEDIVERSE_ALLOW_PRIVATE_HOSTS:
        return
    if parts.scheme != "https":
        raise RemoteError("only https addresses are contacted")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise RemoteError(f"cannot resolve {parts.hostname}") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise RemoteError(f"{parts.hostname} is not a public address")


def fetch_document(url: str, signer=None) -> dict:
    """GET an ActivityPub document (signed when ``signer`` = (key_id, private_pem) is given)."""
    check_address(url)
    headers = {"Accept": ACCEPT, "User-Agent": "Affinites (+ActivityPub)"}
    if signer is not None:
        headers.update(signatures.sign("GET", url, None, *signer))
    try:
        with requests.get(
            url, headers=headers, timeout=TIMEOUT, allow_redirects=False, stream=True
        ) as response:
            if response.status_code != 200:
                raise RemoteError(f"{domain_of(url)} answered {response.status_code}")
            # read at most MAX_DOCUMENT + 1 bytes: a hostile server cannot make us download more
            body = response.raw.read(MAX_DOCUMENT + 1, decode_content=True)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        raise RemoteError(f"{domain_of(url)} unreachable") from error
    if len(body) > MAX_DOCUMENT:
        raise RemoteError(f"{domain_of(url)} sent a document larger than {MAX_DOCUMENT} bytes")
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise RemoteError("not JSON") from error
    if not isinstance(document, dict):
        raise RemoteError("not a JSON object")
    return document


def remote_actor(key_id: str, *, refresh: bool = False, signer=None) -> RemoteActor:
    """The remote actor owning ``key_id``, from the cache or fetched."""
    cached = RemoteActor.objects.filter(key_id=key_id).first()
    if cached is not None and not refresh and timezone.now() - cached.fetched_at < KEY_MAX_AGE:
        return cached
    document = fetch_document(urldefrag(key_id).url, signer)
    key = document.get("publicKey") or {}
    if isinstance(key, list):
        key = next((k for k in key if isinstance(k, dict) and k.get("id") == key_id), {})
    actor_url = document.get("id")
    if (
        not isinstance(key, dict)
        or key.get("id") != key_id
        or key.get("owner") != actor_url
        or not isinstance(actor_url, str)
        or domain_of(actor_url) != domain_of(key_id)
        or not document.get("inbox")
    ):
        raise RemoteError("the key's document does not name its owner")
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    values = {
        "url": actor_url,
        "public_key_pem": str(key.get("publicKeyPem", "")),
        "inbox": str(document["inbox"]),
        "shared_inbox": str(endpoints.get("sharedInbox") or ""),
        "fetched_at": timezone.now(),
    }
    RemoteActor.objects.filter(url=actor_url).exclude(key_id=key_id).delete()
    actor, _created = RemoteActor.objects.update_or_create(key_id=key_id, defaults=values)
    return actor


def post_activity(inbox: str, activity: dict, key_id: str, private_pem: str) -> int:
    """POST a signed activity; the HTTP status (raises RemoteError when unreachable)."""
    check_address(inbox)
    body = json.dumps(activity, ensure_ascii=False).encode()
    headers = signatures.sign("POST", inbox, body, key_id, private_pem)
    headers["User-Agent"] = "Affinites (+ActivityPub)"
    try:
        response = requests.post(inbox, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise RemoteError(f"{domain_of(inbox)} unreachable") from error
    return response.status_code
