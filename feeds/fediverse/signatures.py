"""HTTP signatures as Mastodon sends and checks them (draft-cavage-http-signatures-12,
``rsa-sha256``, with a ``Digest`` of the body).

Written on the ``cryptography`` primitives: the one draft-cavage package on PyPI (httpsig) is
unmaintained and brings another crypto library, and the RFC 9421 packages do not speak the
format Mastodon sends by default. The rules follow Mastodon's own
(``app/controllers/concerns/signature_verification.rb``): ``(request-target)``, ``host`` and
``date`` always signed, ``digest`` too on a POST; the date within 12 hours (plus one hour of
clock skew) of now.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

WINDOW = timedelta(hours=12) + timedelta(hours=1)
REQUIRED = ("(request-target)", "host", "date")
PARAM = re.compile(r'(\w+)="([^"]*)"')


class SignatureError(Exception):
    """Why a request's signature is refused (shown in the 401 answer)."""


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def _signing_string(names: list[str], method: str, path: str, headers) -> str:
    lines = []
    for name in names:
        if name == "(request-target)":
            lines.append(f"(request-target): {method.lower()} {path}")
        else:
            value = headers.get(name)
            if value is None:
                raise SignatureError(f"signed header {name!r} is missing")
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def sign(
    method: str, url: str, body: bytes | None, key_id: str, private_pem: str, now=None
) -> dict[str, str]:
    """The headers to send with a signed request (Host, Date, Digest, Signature)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    headers = {
        "Host": parts.netloc,
        "Date": format_datetime(now or datetime.now(UTC), usegmt=True),
    }
    names = ["(request-target)", "host", "date"]
    if body is not None:
        headers["Digest"] = digest(body)
        headers["Content-Type"] = "application/activity+json"
        names += ["digest", "content-type"]
    lowered = {k.lower(): v for k, v in headers.items()}
    text = _signing_string(names, method, path, lowered)
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
        f'signature="{base64.b64encode(signature).decode()}"'
    )
    return headers


def parse(header: str) -> dict[str, str]:
    params = dict(PARAM.findall(header or ""))
    if not params.get("keyId") or not params.get("signature"):
        raise SignatureError("no Signature header with keyId and signature")
    return params


def verify(
    *, method: str, path: str, headers, body: bytes, public_pem: str, params: dict, now=None
) -> None:
    """Raise :class:`SignatureError` unless the request is signed by ``public_pem``'s owner.

    ``headers`` answers ``.get(lower-case name)``; ``path`` includes the query string.
    """
    algorithm = params.get("algorithm", "rsa-sha256").lower()
    if algorithm not in ("rsa-sha256", "hs2019"):
        raise SignatureError(f"unsupported algorithm {algorithm!r}")
    names = (params.get("headers") or "date").lower().split()
    required = REQUIRED + (("digest",) if method.upper() == "POST" else ())
    for name in required:
        if name not in names:
            raise SignatureError(f"{name!r} must be signed")
    try:
        sent = parsedate_to_datetime(headers.get("date") or "")
    except (TypeError, ValueError):
        raise SignatureError("invalid Date header") from None
    if sent.tzinfo is None:
        raise SignatureError("invalid Date header")
    if abs((now or datetime.now(UTC)) - sent) > WINDOW:
        raise SignatureError("Date outside the accepted window")
    if "digest" in names:
        expected = digest(body)
        offered = [part.strip() for part in (headers.get("digest") or "").split(",")]
        if expected not in offered:
            raise SignatureError("Digest does not match the body")
    text = _signing_string(names, method, path, headers)
    try:
        key = serialization.load_pem_public_key(public_pem.encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise SignatureError("only RSA keys are accepted")
        key.verify(
            base64.b64decode(params["signature"]),
            text.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError) as error:
        raise SignatureError("signature does not verify") from error
