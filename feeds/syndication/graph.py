"""A small client for Meta's Graph API and Marketing API, and the error classes.

The access token travels in the ``Authorization`` header, never in the URL, so that
neither our logs nor urllib3's debug logs ever contain it. When ``FACEBOOK_APP_SECRET``
is set, every call also carries ``appsecret_proof`` (HMAC-SHA256 of the token).

Errors:

- :class:`GraphAPIError` — Facebook answered with an error body
  ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`` (or a bare
  HTTP 5xx); :attr:`GraphAPIError.kind` is its class (:class:`ErrorKind`).
- :class:`GraphTransportError` — no usable answer (timeout, connection refused or dropped).
  ``ambiguous`` is true when the request may have reached Facebook.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import requests
from django.conf import settings

logger = logging.getLogger("feeds.syndication.graph")

PERMISSION_NAME = re.compile(
    r"\b(pages_[a-z_]+|publish_[a-z_]+|ads_[a-z_]+|business_management|read_insights)\b"
)


class ErrorKind(enum.StrEnum):
    TRANSIENT = "transient"  # 1, 2, HTTP 5xx, timeouts: retry with backoff
    THROTTLED = "throttled"  # 4, 17, 32, 613, 800xx: wait for the usage headers
    TOKEN = "token"  # 190 (and 102): the connection is broken
    PERMISSION = "permission"  # 10, 200-299
    BLOCKED = "blocked"  # 368: temporarily blocked, retry much later
    DUPLICATE = "duplicate"  # 506
    GONE = "gone"  # 100/33: the object does not exist (any more)
    REJECTED = "rejected"  # anything else: a definitive refusal


THROTTLING_CODES = {4, 17, 32, 613} | set(range(80000, 80015))


def classify(status: int, code: int | None, subcode: int | None) -> ErrorKind:
    if code in (1, 2):
        return ErrorKind.TRANSIENT
    if code in THROTTLING_CODES:
        return ErrorKind.THROTTLED
    if code in (190, 102):
        return ErrorKind.TOKEN
    if code == 10 or (code is not None and 200 <= code <= 299):
        return ErrorKind.PERMISSION
    if code == 368:
        return ErrorKind.BLOCKED
    if code == 506:
        return ErrorKind.DUPLICATE
    if code == 100 and subcode == 33:
        return ErrorKind.GONE
    if code is None and status >= 500:
        return ErrorKind.TRANSIENT
    if code is None and status == 429:
        return ErrorKind.THROTTLED
    return ErrorKind.REJECTED


class GraphError(Exception):
    """Base class: something went wrong talking to Facebook."""


@dataclass(eq=False)
class GraphAPIError(GraphError):
    status: int
    code: int | None = None
    subcode: int | None = None
    error_type: str = ""
    message: str = ""
    fbtrace_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"Graph API error {self.code}/{self.subcode} (HTTP {self.status}, "
            f"fbtrace_id={self.fbtrace_id or '-'}): {self.message}"
        )

    @property
    def kind(self) -> ErrorKind:
        return classify(self.status, self.code, self.subcode)

    @property
    def permissions(self) -> list[str]:
        """Permission names quoted in Facebook's message (e.g. ``pages_manage_posts``)."""
        return list(dict.fromkeys(PERMISSION_NAME.findall(self.message)))


class GraphTransportError(GraphError):
    """No answer. ``ambiguous``: the request may have reached Facebook; ``timed_out``: the
    answer did not come in time, so Facebook may still be processing it (a creation may
    appear on the Page later)."""

    def __init__(self, message: str, *, ambiguous: bool, timed_out: bool = False) -> None:
        super().__init__(message)
        self.ambiguous = ambiguous
        self.timed_out = timed_out
        self.kind = ErrorKind.TRANSIENT


def _usage(headers: dict[str, str], name: str) -> Any:
    raw = headers.get(name) or headers.get(name.lower())
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def throttle_delay(headers: dict[str, str], default: float) -> float:
    """Seconds to wait after a rate-limit error, from Meta's usage headers.

    ``X-Business-Use-Case-Usage`` (and ``X-Page-Usage`` / ``X-Ad-Account-Usage`` when present)
    give ``estimated_time_to_regain_access`` in minutes: the longest one wins.
    ``X-App-Usage`` only gives percentages: at 100 % or more, wait ``default``.
    """
    minutes = 0.0
    buc = _usage(headers, "X-Business-Use-Case-Usage")
    if isinstance(buc, dict):
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else [entries]:
                if isinstance(entry, dict):
                    minutes = max(minutes, float(entry.get("estimated_time_to_regain_access") or 0))
    for name in ("X-Page-Usage", "X-Ad-Account-Usage", "X-App-Usage"):
        usage = _usage(headers, name)
        if isinstance(usage, dict):
            minutes = max(minutes, float(usage.get("estimated_time_to_regain_access") or 0))
    if minutes > 0:
        return minutes * 60
    return float(default)


def appsecret_proof(token: str) -> str | None:
    secret = getattr(settings, "FACEBOOK_APP_SECRET", "")
    if not secret:
        return None
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


class GraphClient:
    """One token, one API version. Every method returns the decoded JSON body."""

    def __init__(
        self,
        token: str,
        *,
        version: str | None = None,
        base_url: str | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> None:
        self._token = token
        self.version = version or settings.FACEBOOK_GRAPH_API_VERSION
        self.base_url = (base_url or settings.FACEBOOK_GRAPH_URL).rstrip("/")
        self.timeout = timeout or tuple(settings.FACEBOOK_GRAPH_TIMEOUT)

    def __repr__(self) -> str:  # never the token
        return f"<GraphClient {self.base_url}/{self.version}>"

    # --- transport -----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        versioned: bool = True,
    ) -> dict[str, Any]:
        url = f"{self.base_url}/{self.version}/{path.lstrip('/')}"
        if not versioned:
            url = f"{self.base_url}/{path.lstrip('/')}"
        params = dict(params or {})
        proof = appsecret_proof(self._token)
        if proof:
            params["appsecret_proof"] = proof
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        try:
            response = requests.request(
                method,
                url,
                params=params,
                data=_encode(data) if data is not None else None,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.ConnectTimeout as exc:
            logger.warning("Graph %s %s: connection timed out", method, path)
            raise GraphTransportError("connection timed out", ambiguous=False) from exc
        except requests.Timeout as exc:
            logger.warning("Graph %s %s: no answer before the timeout", method, path)
            raise GraphTransportError("read timed out", ambiguous=True, timed_out=True) from exc
        except requests.ConnectionError as exc:
            refused = "NewConnectionError" in repr(exc) or "Connection refused" in repr(exc)
            logger.warning("Graph %s %s: connection error (%s)", method, path, type(exc).__name__)
            raise GraphTransportError("connection error", ambiguous=not refused) from exc

        body: Any
        try:
            body = response.json()
        except ValueError:
            body = None
        headers_out = dict(response.headers.items())
        if response.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            error = body.get("error") if isinstance(body, dict) else None
            error = error if isinstance(error, dict) else {}
            exc = GraphAPIError(
                status=response.status_code,
                code=_int(error.get("code")),
                subcode=_int(error.get("error_subcode")),
                error_type=str(error.get("type") or ""),
                message=str(error.get("message") or response.reason or ""),
                fbtrace_id=str(
                    error.get("fbtrace_id") or response.headers.get("x-fb-trace-id") or ""
                ),
                headers=headers_out,
            )
            logger.warning(
                "Graph %s %s: HTTP %s code=%s subcode=%s fbtrace_id=%s",
                method,
                path,
                exc.status,
                exc.code,
                exc.subcode,
                exc.fbtrace_id,
            )
            raise exc
        if not isinstance(body, dict):
            raise GraphAPIError(status=response.status_code, message="Unexpected answer")
        logger.info("Graph %s %s: HTTP %s", method, path, response.status_code)
        return body

    # --- Pages -----------------------------------------------------------------------------

    def get_page(self, page_id: str) -> dict[str, Any]:
        return self.request("GET", page_id, params={"fields": "id,name"})

    def list_accounts(self, user_id: str = "me") -> list[dict[str, Any]]:
        """The Pages the user manages, each with its Page access token (all result pages)."""
        accounts: list[dict[str, Any]] = []
        params: dict[str, Any] = {"fields": "id,name,access_token,tasks", "limit": 100}
        for _ in range(20):
            body = self.request("GET", f"{user_id}/accounts", params=params)
            accounts.extend(body.get("data") or [])
            after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (body.get("paging") or {}).get("next"):
                break
            params["after"] = after
        return accounts

    def exchange_for_long_lived(self, app_id: str, app_secret: str) -> str:
        """A long-lived user token (about 60 days) in exchange for this short-lived one."""
        body = self.request(
            "GET",
            "oauth/access_token",
            params={
                "grant_type": "fb_exchange_token",
                "client_id": app_id,
                "client_secret": app_secret,
                "fb_exchange_token": self._token,
            },
        )
        return str(body["access_token"])

    def create_feed_post(self, page_id: str, *, message: str, link: str) -> dict[str, Any]:
        return self.request(
            "POST", f"{page_id}/feed", data={"message": message, "link": link, "published": True}
        )

    def create_photo_post(self, page_id: str, *, url: str, caption: str) -> dict[str, Any]:
        return self.request(
            "POST", f"{page_id}/photos", data={"url": url, "caption": caption, "published": True}
        )

    def update_post(self, post_id: str, *, message: str) -> dict[str, Any]:
        return self.request("POST", post_id, data={"message": message})

    def delete_post(self, post_id: str) -> dict[str, Any]:
        return self.request("DELETE", post_id)

    def recent_posts(self, page_id: str, *, since: int, limit: int = 50) -> list[dict[str, Any]]:
        body = self.request(
            "GET",
            f"{page_id}/posts",
            params={"fields": "id,message,created_time", "since": since, "limit": limit},
        )
        return list(body.get("data") or [])

    # --- Marketing API -----------------------------------------------------------------

    def get_ad_account(self, account_id: str) -> dict[str, Any]:
        return self.request(
            "GET", f"act_{account_id}", params={"fields": "id,name,account_status,currency"}
        )

    def create_ad_object(self, account_id: str, edge: str, data: dict[str, Any]) -> str:
        body = self.request("POST", f"act_{account_id}/{edge}", data=data)
        return str(body["id"])


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _encode(data: dict[str, Any]) -> dict[str, str]:
    """Graph parameters: scalars as text, booleans lowercase, structures as JSON."""
    out = {}
    for key, value in data.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            out[key] = json.dumps(value, separators=(",", ":"))
        else:
            out[key] = str(value)
    return out
