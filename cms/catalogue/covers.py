"""Covers of catalogue items: found, downloaded once, checked, stored as Wagtail images.

Sources, in order:

1. the library system's record: the 856 $u the importer kept (``cover_source_url``: a
   picture named by the record, Koha's local cover ``opac-image.pl``…);
2. the cover service of *Paramètres › Réseau* (``NetworkSettings.cover_url_template``, an
   address with ``{isbn}``), off until a network admin fills it in.

A download has a connect and a read timeout, an overall deadline, a size limit
(``MAX_BYTES``, read in chunks and abandoned beyond it), an accepted content type (JPEG, PNG,
GIF, WebP) and is opened by Pillow (``verify()`` then a full load, with decompression bombs
refused: more than ``MAX_PIXELS`` pixels). A good picture becomes a Wagtail image in the
collection "Couvertures" and the item's ``cover``; members' browsers only ever load the
site's renditions of it (no hot-linking).

Each attempt is recorded on the item (``cover_checked_at``, ``cover_outcome``) so that
nothing is fetched again at every run: an item is *due* when it has no cover, is not
withdrawn, has a source, and was never looked at, or its last outcome's waiting time is over
(``RETRY_AFTER``: a day after a network failure, a month after "no cover" or a refused
file). Due items are *claimed* (outcome "pending") before they are handed to the task, so a
second run does not fetch them twice; a claim left by a worker that died expires after an
hour. Requests are spaced by ``COVERS_REQUEST_INTERVAL`` seconds (setting, 0.5 by default)
so that a catch-up does not hammer the provider.

An address (the record's, the service's, or any redirect, followed by hand up to
``MAX_REDIRECTS``) whose host resolves to a private, loopback, link-local or reserved
address is refused, unless the host is in ``COVERS_ALLOWED_HOSTS`` (an intranet Koha): a
record or an admin field cannot make the site probe its own network.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import socket
import time
import warnings
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from PIL import Image as PILImage

from cms.models import CatalogueItem, NetworkSettings

logger = logging.getLogger(__name__)

__all__ = [
    "COLLECTION_NAME",
    "MAX_BYTES",
    "Outcome",
    "claim_due",
    "cover_collection",
    "download",
    "due_items",
    "fetch_cover",
]

COLLECTION_NAME = "Couvertures"
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
MIN_SIDE = 40  # smaller than this is a "no cover" pixel, not a cover
TIMEOUT = (5, 10)  # connect, read (seconds)
DEADLINE = 30  # seconds for one whole download
MAX_REDIRECTS = 3
ACCEPTED_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
PIL_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}
USER_AGENT = "Affinites-covers/1.0 (+https://github.com/affinites)"


class Outcome:
    STORED = "stored"
    NONE = "none"  # no source: no address in the record, no service or no ISBN
    NOT_FOUND = "not_found"  # 404/410, or the service answered with no picture
    REFUSED = "refused"  # not an image, too big, a decompression bomb, too small
    FAILED = "failed"  # timeout, connection error, 5xx, 429: worth trying again soon
    PENDING = "pending"  # claimed by a run, not finished yet


RETRY_AFTER = {
    Outcome.FAILED: timedelta(days=1),
    Outcome.NOT_FOUND: timedelta(days=30),
    Outcome.REFUSED: timedelta(days=30),
    Outcome.PENDING: timedelta(hours=1),
}


class CoverError(Exception):
    def __init__(self, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.outcome = outcome


# --- Which items ---------------------------------------------------------------------------


def due_items(service: bool, now=None) -> QuerySet[CatalogueItem]:
    """Items to look for a cover for: no cover, not withdrawn, a source, and never looked at,
    or last looked at long enough ago for their outcome (RETRY_AFTER)."""
    now = now or timezone.now()
    has_source = ~Q(cover_source_url="")
    if service:
        has_source |= ~Q(isbn="")
    waited = Q(cover_checked_at__isnull=True) | Q(cover_outcome__in=["", Outcome.NONE])
    for outcome, delay in RETRY_AFTER.items():
        waited |= Q(cover_outcome=outcome, cover_checked_at__lt=now - delay)
    return CatalogueItem.objects.filter(has_source, waited, cover__isnull=True, withdrawn=False)


def claim_due(limit: int, pks=None) -> list[int]:
    """Mark up to `limit` due items (among `pks` if given) as being looked at; their ids."""
    service = bool(NetworkSettings.load().cover_url_template)
    with transaction.atomic():
        qs = due_items(service)
        if pks is not None:
            qs = qs.filter(pk__in=list(pks))
        claimed = list(
            qs.order_by("cover_checked_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if claimed:
            CatalogueItem.objects.filter(pk__in=claimed).update(
                cover_checked_at=timezone.now(), cover_outcome=Outcome.PENDING
            )
    return claimed


# --- Downloading and checking ---------------------------------------------------------------


def check_host(url: str) -> None:
    """CoverError unless `url` is http(s) to a public address or an allowed host."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise CoverError(Outcome.REFUSED, "not an http(s) address")
    if host in getattr(settings, "COVERS_ALLOWED_HOSTS", ()):
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise CoverError(Outcome.FAILED, f"cannot resolve {host}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise CoverError(Outcome.REFUSED, f"{host} is on a private network")


def download(url: str) -> bytes:
    """The body at `url` if it is an accepted picture type within MAX_BYTES; CoverError."""
    started = time.monotonic()
    headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(sorted(ACCEPTED_TYPES))}
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            check_host(url)
            response = requests.get(
                url, timeout=TIMEOUT, stream=True, allow_redirects=False, headers=headers
            )
            if response.is_redirect and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                response.close()
                continue
            break
        else:
            response.close()
            raise CoverError(Outcome.NOT_FOUND, "too many redirects")
        with response:
            if response.status_code in (404, 410):
                raise CoverError(Outcome.NOT_FOUND, f"HTTP {response.status_code}")
            if response.status_code == 429 or response.status_code >= 500:
                raise CoverError(Outcome.FAILED, f"HTTP {response.status_code}")
            if response.status_code != 200:
                raise CoverError(Outcome.NOT_FOUND, f"HTTP {response.status_code}")
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type not in ACCEPTED_TYPES:
                raise CoverError(Outcome.REFUSED, f"content type {content_type or 'missing'}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise CoverError(Outcome.REFUSED, f"too big ({declared} bytes)")
            body = bytearray()
            for chunk in response.iter_content(chunk_size=64 * 1024):
                body += chunk
                if len(body) > MAX_BYTES:
                    raise CoverError(Outcome.REFUSED, "too big")
                if time.monotonic() - started > DEADLINE:
                    raise CoverError(Outcome.FAILED, "too slow")
            return bytes(body)
    except requests.RequestException as exc:
        raise CoverError(Outcome.FAILED, type(exc).__name__) from exc


def check_picture(body: bytes) -> tuple[str, int, int]:
    """(file extension, width, height) of a picture Pillow can read whole; CoverError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            with PILImage.open(io.BytesIO(body)) as image:
                kind, (width, height) = image.format, image.size
                if kind not in PIL_FORMATS:
                    raise CoverError(Outcome.REFUSED, f"format {kind}")
                if width * height > MAX_PIXELS:
                    raise CoverError(Outcome.REFUSED, f"too many pixels ({width}×{height})")
                image.verify()
            with PILImage.open(io.BytesIO(body)) as image:
                image.load()
    except CoverError:
        raise
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise CoverError(Outcome.REFUSED, "decompression bomb") from exc
    except Exception as exc:  # Pillow raises many kinds on broken files
        raise CoverError(Outcome.REFUSED, f"unreadable picture ({type(exc).__name__})") from exc
    if min(width, height) < MIN_SIDE:
        raise CoverError(Outcome.NOT_FOUND, f"placeholder-sized picture ({width}×{height})")
    return PIL_FORMATS[kind], width, height


# --- Storing ---------------------------------------------------------------------------------


def cover_collection():
    """The "Couvertures" collection under the root (created the first time)."""
    from wagtail.models import Collection

    root = Collection.get_first_root_node()
    found = root.get_children().filter(name=COLLECTION_NAME).first()
    return found or root.add_child(name=COLLECTION_NAME)


def _store(item_id: int, body: bytes, extension: str, source: str) -> str:
    from wagtail.images import get_image_model

    with transaction.atomic():
        item = CatalogueItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None:
            return Outcome.NONE
        if item.cover_id:  # another run stored it meanwhile
            return Outcome.STORED
        image = get_image_model()(
            title=f"Couverture – {item.title}"[:255],
            description=f"Couverture de « {item.title} »"[:255],
            collection=cover_collection(),
        )
        image.file = ImageFile(io.BytesIO(body), name=f"couverture-{item.pk}.{extension}")
        image.save()
        item.cover = image
        item.cover_checked_at = timezone.now()
        item.cover_outcome = Outcome.STORED
        item.save(update_fields=["cover", "cover_checked_at", "cover_outcome", "updated_at"])
    logger.info("Cover stored for catalogue item %s from %s", item_id, source)
    return Outcome.STORED


def warm_renditions(item_id: int) -> None:
    """Generate the renditions the pages show, so that the first visitor does not wait."""
    from cms.prefetching import cover_filter_specs

    item = CatalogueItem.objects.select_related("cover").filter(pk=item_id).first()
    if item is None or item.cover is None:
        return
    try:
        item.cover.get_renditions(*cover_filter_specs())
    except Exception:  # a rendition is made again on first view anyway
        logger.warning("Cover renditions of item %s could not be made", item_id, exc_info=True)


def _record(item_id: int, outcome: str) -> None:
    CatalogueItem.objects.filter(pk=item_id, cover__isnull=True).update(
        cover_checked_at=timezone.now(), cover_outcome=outcome
    )


def sources(item: CatalogueItem, network: NetworkSettings | None = None) -> list[str]:
    network = network or NetworkSettings.load()
    found = [item.cover_source_url, network.cover_url(item.isbn)]
    return list(dict.fromkeys(url for url in found if url))


def fetch_cover(item_id: int, network: NetworkSettings | None = None) -> str:
    """Look for the cover of one item, store it if found; the outcome (also recorded)."""
    item = CatalogueItem.objects.filter(pk=item_id).first()
    if item is None:
        return Outcome.NONE
    if item.cover_id:
        return Outcome.STORED
    urls = sources(item, network)
    if not urls:
        _record(item_id, Outcome.NONE)
        return Outcome.NONE
    interval = float(getattr(settings, "COVERS_REQUEST_INTERVAL", 0.5))
    outcome = Outcome.NONE
    for number, url in enumerate(urls):
        if number and interval:
            time.sleep(interval)
        try:
            body = download(url)
            extension, _w, _h = check_picture(body)
        except CoverError as exc:
            logger.info("No cover for catalogue item %s from %s: %s", item_id, url, exc)
            # A network failure on any source is worth another try sooner than "no cover".
            outcome = exc.outcome if outcome != Outcome.FAILED else outcome
            continue
        outcome = _store(item_id, body, extension, url)
        if outcome == Outcome.STORED:
            warm_renditions(item_id)
        return outcome
    _record(item_id, outcome)
    return outcome


def fetch_covers(pks: list[int]) -> dict[str, int]:
    """fetch_cover for each item, the requests spaced; counts per outcome."""
    network = NetworkSettings.load()
    interval = float(getattr(settings, "COVERS_REQUEST_INTERVAL", 0.5))
    counts: dict[str, int] = {}
    for number, pk in enumerate(pks):
        if number and interval:
            time.sleep(interval)
        try:
            outcome = fetch_cover(pk, network)
        except Exception:
            logger.exception("Cover search for catalogue item %s failed", pk)
            _record(pk, Outcome.FAILED)
            outcome = Outcome.FAILED
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
