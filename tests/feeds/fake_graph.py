"""A local fake of Meta's Graph API and Marketing API, for the syndication tests.

Started on 127.0.0.1 (random port) in a thread. It follows Meta's documented requests,
answers and error bodies closely enough for our client:

- ``GET /{version}/{page-id}?fields=id,name``, ``GET /{user-id}/accounts``,
  ``GET /oauth/access_token`` (``grant_type=fb_exchange_token``);
- ``POST /{page-id}/feed`` (message, link) → ``{"id": "<page>_<post>"}``;
  ``POST /{page-id}/photos`` (url, caption) → ``{"id": <photo>, "post_id": "<page>_<post>"}``;
  ``POST /{post-id}`` → ``{"success": true}``; ``DELETE /{post-id}`` → ``{"success": true}``;
  ``GET /{page-id}/posts`` and ``GET /{page-id}/feed`` → ``{"data": [{"id", "message",
  "created_time"}], "paging": …}`` (the Page's own posts: nobody else posts in these tests);
- ``GET /act_{id}``, ``POST /act_{id}/campaigns|adsets|adcreatives|ads`` → ``{"id"}``;
- errors: ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``.

Tokens come in ``Authorization: Bearer …`` (or ``OAuth …``) or the ``access_token``
parameter. It can be told to fail (:meth:`FakeGraph.fail`): an HTTP status, an error code
and subcode, extra headers (``X-App-Usage``, ``X-Business-Use-Case-Usage``), a delay past
the client's timeout, or a dropped connection once the request is read — before or after
the request takes effect (``after=True``: the post *is* created, the answer is lost). A
delay without ``after`` and without an error is Graph being slow: the post is created
when the delay ends, after the client has given up waiting.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

VERSION_PREFIX = re.compile(r"^/v\d+\.\d+(?=/)")

DEFAULT_STATUS = {1: 500, 2: 503, 4: 403, 17: 403, 32: 403, 613: 403, 80001: 403}
DEFAULT_MESSAGES = {
    1: "An unknown error occurred",
    2: "An unexpected error has occurred. Please retry your request later.",
    4: "(#4) Application request limit reached",
    10: "(#10) Application does not have permission for this action",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    100: "(#100) Invalid parameter",
    190: "Error validating access token: Session has expired on Tuesday, 24-Nov-26 10:00:00 PST.",
    200: "(#200) If posting to a page, requires both pages_read_engagement and "
    "pages_manage_posts as an admin with sufficient administrative permission",
    368: "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
    506: "(#506) Duplicate status message",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try "
    "again.",
}


@dataclass
class Fault:
    method: str
    path: re.Pattern
    status: int | None = None
    code: int | None = None
    subcode: int | None = None
    message: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    after: bool = False
    times: int = 1
    raw_body: str | None = None

    def matches(self, method: str, path: str) -> bool:
        return self.times != 0 and self.method in (method, "*") and bool(self.path.search(path))


class FakeGraph:
    def __init__(self) -> None:
        self.pages: dict[str, dict] = {}
        self.users: dict[str, dict] = {}
        self.tokens: dict[str, tuple[str, str]] = {}  # token -> (kind, owner id)
        self.expired: dict[str, int] = {}  # token -> subcode
        self.posts: dict[str, dict] = {}
        self.ad_accounts: dict[str, dict] = {}
        self.ad_objects: dict[str, dict] = {}
        self.requests: list[dict] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self._ids = itertools.count(1001)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- set-up ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeGraph:
        handler = type("Handler", (_Handler,), {"graph": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add_page(self, page_id: str, name: str, token: str | None = None) -> str:
        token = token or "EAAPage" + secrets.token_hex(16)
        self.pages[page_id] = {"id": page_id, "name": name, "token": token}
        self.tokens[token] = ("page", page_id)
        return token

    def add_user(self, user_id: str, pages: list[str], token: str | None = None) -> str:
        token = token or "EAAUser" + secrets.token_hex(16)
        self.users[user_id] = {"id": user_id, "pages": pages, "token": token}
        self.tokens[token] = ("user", user_id)
        return token

    def add_ad_account(self, account_id: str, tokens: list[str]) -> None:
        self.ad_accounts[f"act_{account_id}"] = {
            "id": f"act_{account_id}",
            "name": "Réseau des médiathèques",
            "tokens": set(tokens),
        }

    def expire(self, token: str, subcode: int = 463) -> None:
        self.expired[token] = subcode

    def fail(self, method: str, path: str, **kwargs) -> Fault:
        fault = Fault(method=method.upper(), path=re.compile(path), **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    # --- queries for the tests ---------------------------------------------------------

    def live_posts(self, page_id: str | None = None) -> list[dict]:
        return [
            p
            for p in self.posts.values()
            if not p["deleted"] and (page_id is None or p["page_id"] == page_id)
        ]

    def calls(self, method: str | None = None, pattern: str = "") -> list[dict]:
        regex = re.compile(pattern)
        return [
            r
            for r in self.requests
            if (method is None or r["method"] == method) and regex.search(r["path"])
        ]

    # --- request handling ----------------------------------------------------------------

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    return fault
        return None

    def handle(self, method: str, path: str, params: dict, token: str | None):
        """(status, body, headers) for a request that was not made to fail."""
        if path == "/oauth/access_token":
            return self._exchange(params)
        if token is None:
            return _error(
                400,
                2500,
                "An active access token must be used to query information about the current user.",
                "OAuthException",
            )
        if token in self.expired:
            subcode = self.expired[token]
            return _error(
                400,
                190,
                DEFAULT_MESSAGES[190],
                "OAuthException",
                subcode,
                headers={
                    "WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token" '
                    '"Error validating access token"'
                },
            )
        if token not in self.tokens:
            return _error(
                400, 190, "Invalid OAuth access token - Cannot parse access token", "OAuthException"
            )
        kind, owner = self.tokens[token]
        parts = [p for p in path.split("/") if p]
        with self.lock:
            if parts and parts[0].startswith("act_"):
                return self._marketing(method, parts, params, token)
            if len(parts) == 1 and method == "GET":
                return self._get_object(parts[0], kind, owner)
            if len(parts) == 2 and parts[1] == "accounts" and method == "GET":
                return self._accounts(parts[0], kind, owner)
            if len(parts) == 2 and parts[1] in ("feed", "photos") and method == "POST":
                return self._create_post(parts[0], parts[1], params, kind, owner)
            if len(parts) == 2 and parts[1] in ("posts", "feed") and method == "GET":
                return self._list_posts(parts[0], params, kind, owner)
            if len(parts) == 1 and method in ("POST", "DELETE"):
                return self._change_post(parts[0], method, params, kind, owner)
        return _error(
            400, 100, f"Unsupported {method.lower()} request.", "GraphMethodException", 33
        )

    def _exchange(self, params):
        if params.get("grant_type") != "fb_exchange_token":
            return _error(400, 100, "Missing grant_type", "OAuthException")
        old = params.get("fb_exchange_token")
        if old not in self.tokens:
            return _error(400, 190, "Invalid OAuth access token", "OAuthException")
        kind, owner = self.tokens[old]
        new = "EAALong" + secrets.token_hex(16)
        self.tokens[new] = (kind, owner)
        if kind == "user":
            self.users[owner]["token"] = new
        return 200, {"access_token": new, "token_type": "bearer", "expires_in": 5183944}, {}

    def _get_object(self, object_id, kind, owner):
        page = self.pages.get(object_id)
        if page is not None:
            if (kind == "page" and owner == object_id) or (
                kind == "user" and object_id in self.users[owner]["pages"]
            ):
                return 200, {"id": page["id"], "name": page["name"]}, {}
            return _error(
                400,
                10,
                "(#10) Requires pages_read_engagement permission to manage the object",
                "OAuthException",
            )
        if object_id in self.posts and not self.posts[object_id]["deleted"]:
            post = self.posts[object_id]
            return 200, {"id": object_id, "message": post["message"]}, {}
        return _error(
            400,
            100,
            f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
            "GraphMethodException",
            33,
        )

    def _accounts(self, user_id, kind, owner):
        if kind != "user" or (user_id not in ("me", owner)):
            return _error(
                400, 100, "(#100) Tried accessing nonexisting field (accounts)", "OAuthException"
            )
        data = [
            {
                "access_token": self.pages[pid]["token"],
                "category": "Library",
                "category_list": [{"id": "2236", "name": "Library"}],
                "name": self.pages[pid]["name"],
                "id": pid,
                "tasks": [
                    "ADVERTISE",
                    "ANALYZE",
                    "CREATE_CONTENT",
                    "MESSAGING",
                    "MODERATE",
                    "MANAGE",
                ],
            }
            for pid in self.users[owner]["pages"]
        ]
        return 200, {"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}, {}

    def _create_post(self, page_id, edge, params, kind, owner):
        if kind != "page" or owner != page_id:
            return _error(403, 200, DEFAULT_MESSAGES[200], "OAuthException")
        number = next(self._ids)
        post_id = f"{page_id}_{number}"
        message = params.get("message") or params.get("caption") or ""
        if edge == "photos" and not (params.get("url") or params.get("source")):
            return _error(400, 324, "(#324) Requires upload file", "OAuthException")
        if edge == "feed" and not (message or params.get("link")):
            return _error(400, 100, "(#100) Missing message or attachment", "OAuthException")
        self.posts[post_id] = {
            "id": post_id,
            "page_id": page_id,
            "edge": edge,
            "message": message,
            "link": params.get("link", ""),
            "url": params.get("url", ""),
            "created_time": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime()),
            "created": time.time(),
            "deleted": False,
        }
        if edge == "photos":
            return 200, {"id": str(number + 500000), "post_id": post_id}, {}
        return 200, {"id": post_id}, {}

    def _list_posts(self, page_id, params, kind, owner):
        if not ((kind == "page" and owner == page_id) or kind == "user"):
            return _error(
                400, 10, "(#10) Requires pages_read_engagement permission", "OAuthException"
            )
        since = float(params.get("since") or 0)
        limit = int(params.get("limit") or 25)
        posts = sorted(
            (p for p in self.live_posts(page_id) if p["created"] >= since),
            key=lambda p: -p["created"],
        )[:limit]
        data = [
            {"id": p["id"], "message": p["message"], "created_time": p["created_time"]}
            for p in posts
        ]
        return 200, {"data": data, "paging": {"cursors": {"before": "b", "after": "a"}}}, {}

    def _change_post(self, post_id, method, params, kind, owner):
        post = self.posts.get(post_id)
        if post is None or post["deleted"]:
            return _error(
                400,
                100,
                f"Unsupported {method.lower()} request. Object with ID '{post_id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.",
                "GraphMethodException",
                33,
            )
        if kind != "page" or owner != post["page_id"]:
            return _error(403, 200, DEFAULT_MESSAGES[200], "OAuthException")
        if method == "DELETE":
            post["deleted"] = True
        else:
            post["message"] = params.get("message", post["message"])
            post["updated"] = True
        return 200, {"success": True}, {}

    def _marketing(self, method, parts, params, token):
        account = self.ad_accounts.get(parts[0])
        if account is None or token not in account["tokens"]:
            return _error(
                400,
                200,
                "(#200) Ad account owner has NOT grant ads_management or ads_read permission",
                "OAuthException",
            )
        if len(parts) == 1 and method == "GET":
            return (
                200,
                {
                    "id": account["id"],
                    "name": account["name"],
                    "account_status": 1,
                    "currency": "EUR",
                },
                {},
            )
        if (
            len(parts) == 2
            and method == "POST"
            and parts[1] in ("campaigns", "adsets", "adcreatives", "ads")
        ):
            required = {
                "campaigns": ["name", "objective", "status", "special_ad_categories"],
                "adsets": [
                    "name",
                    "campaign_id",
                    "billing_event",
                    "optimization_goal",
                    "targeting",
                    "status",
                ],
                "adcreatives": ["name"],
                "ads": ["name", "adset_id", "creative", "status"],
            }[parts[1]]
            missing = [k for k in required if k not in params]
            if missing:
                return _error(
                    400, 100, f"(#100) The parameter {missing[0]} is required", "OAuthException"
                )
            object_id = str(120200000000000 + next(self._ids))
            decoded = {}
            for key, value in params.items():
                try:
                    decoded[key] = (
                        json.loads(value)
                        if key
                        in ("targeting", "creative", "special_ad_categories", "object_story_spec")
                        else value
                    )
                except ValueError:
                    return _error(400, 100, f"(#100) Param {key} must be JSON", "OAuthException")
            self.ad_objects[object_id] = {"edge": parts[1], "account": parts[0], **decoded}
            return 200, {"id": object_id}, {}
        return _error(400, 100, "Unsupported request", "GraphMethodException", 33)


def _error(status, code, message, error_type="OAuthException", subcode=None, headers=None):
    error = {
        "message": message,
        "type": error_type,
        "code": code,
        "fbtrace_id": "A" + secrets.token_hex(10),
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return status, {"error": error}, headers or {}


class _Handler(BaseHTTPRequestHandler):
    graph: FakeGraph
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # keep test output clean
        pass

    def _serve(self) -> None:
        graph = self.graph
        url = urlsplit(self.path)
        path = VERSION_PREFIX.sub("", url.path) or "/"
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if raw:
            ctype = self.headers.get("Content-Type", "")
            if "json" in ctype:
                params.update(json.loads(raw))
            else:
                params.update(dict(parse_qsl(raw.decode(), keep_blank_values=True)))
        token = params.pop("access_token", None)
        auth = self.headers.get("Authorization", "")
        if auth.split(" ", 1)[0] in ("Bearer", "OAuth") and " " in auth:
            token = auth.split(" ", 1)[1]
        method = self.command
        record = {
            "method": method,
            "path": path,
            "version": (VERSION_PREFIX.match(url.path) or [""])[0].strip("/"),
            "params": params,
            "token": token,
            "time": time.time(),
        }
        with graph.lock:
            graph.requests.append(record)

        fault = graph._take_fault(method, path)
        result = None
        if fault is not None and fault.after:
            result = graph.handle(method, path, params, token)  # the request takes effect…
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                return  # …and the answer never comes
            if fault.status is not None or fault.code is not None:
                self._send_fault(fault)
                return
        status, body, headers = result or graph.handle(method, path, params, token)
        if fault is not None:
            headers = {**headers, **fault.headers}
        self._send(status, json.dumps(body).encode(), headers)

    def _send_fault(self, fault: Fault) -> None:
        code = fault.code
        status = fault.status or DEFAULT_STATUS.get(code or 0, 400)
        if code is None or fault.raw_body is not None:
            # e.g. a load balancer's 502/503 page: no Graph error body at all
            body = (
                fault.raw_body if fault.raw_body is not None else "<html>Service Unavailable</html>"
            )
            self._send(status, body.encode(), fault.headers, "text/html")
            return
        _, body, _ = _error(
            status,
            code,
            fault.message or DEFAULT_MESSAGES.get(code, "An error occurred"),
            "OAuthException",
            fault.subcode,
        )
        self._send(status, json.dumps(body).encode(), fault.headers)

    def _send(
        self,
        status: int,
        payload: bytes,
        headers: dict,
        ctype: str = "application/json; charset=UTF-8",
    ) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("facebook-api-version", "v21.0")
            self.send_header("x-fb-trace-id", "A" + secrets.token_hex(8))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_DELETE = _serve


# --- pytest fixtures and helpers shared by the syndication tests ---------------------------
# (imported by tests/feeds/test_syndication*.py: ``from tests.feeds.fake_graph import *``)

import datetime as _dt  # noqa: E402

import pytest  # noqa: E402

PAGE_ID = "104857600000001"
PAGE_NAME = "Médiathèques des Bouches-du-Rhône"


@pytest.fixture
def graph(settings):
    fake = FakeGraph().start()
    settings.FACEBOOK_GRAPH_URL = fake.url
    settings.FACEBOOK_GRAPH_TIMEOUT = (2.0, 1.5)
    settings.FACEBOOK_APP_SECRET = ""
    settings.SITE_URL = settings.WAGTAILADMIN_BASE_URL = "https://affinites.example.org"
    yield fake
    fake.stop()


@pytest.fixture
def page_token(graph):
    return graph.add_page(PAGE_ID, PAGE_NAME)


@pytest.fixture
def connected(db, graph, page_token):
    from django.utils import timezone

    from feeds.syndication.models import FacebookConnection

    connection = FacebookConnection.load()
    connection.page_id = PAGE_ID
    connection.set_page_token(page_token)
    connection.page_name = PAGE_NAME
    connection.verified_at = timezone.now()
    connection.save()
    return connection


class Clock:
    """Moves ``django.utils.timezone.now`` forward (for backoff, leases, go-live)."""

    def __init__(self, monkeypatch) -> None:
        from django.utils import timezone

        self._real_now = timezone.now
        self.offset = _dt.timedelta(0)
        monkeypatch.setattr(timezone, "now", lambda: self._real_now() + self.offset)

    def now(self):
        return self._real_now() + self.offset

    def advance(self, **delta) -> None:
        self.offset += _dt.timedelta(**delta)

    def travel_to(self, moment) -> None:
        self.offset = moment - self._real_now() + _dt.timedelta(milliseconds=1)


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run the on-commit hooks (and the tasks they enqueue) of the block, like a commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def make_announcement(title="Nuit de la lecture", *, intro=None, image=None, flag=True, **kwargs):
    from cms.models import AnnouncementPage, NewsIndexPage

    index = NewsIndexPage.objects.get()
    page = AnnouncementPage(
        title=title,
        intro=intro if intro is not None else f"Venez nombreux : {title.lower()}.",
        image=image,
        publish_on_facebook=flag,
        **kwargs,
    )
    index.add_child(instance=page)
    return page


def make_event(title="Club manga", *, branch, description=None, flag=True, **kwargs):
    from django.utils import timezone

    from cms.models import EventIndexPage, EventPage

    start = kwargs.pop("start", timezone.now() + _dt.timedelta(days=10))
    page = EventPage(
        title=title,
        start=start,
        end=kwargs.pop("end", start + _dt.timedelta(hours=2)),
        branch=branch,
        description=description or "<p>On parle <b>manga</b> &amp; on dessine.</p>",
        publish_on_facebook=flag,
        **kwargs,
    )
    EventIndexPage.objects.get().add_child(instance=page)
    return page


def publish(page, user=None):
    """Publish the page's latest state as Wagtail's admin does (revision, then publish)."""
    revision = page.save_revision(user=user)
    revision.publish(user=user)
    page.refresh_from_db()
    return page


def make_image(title="Affiche"):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    return Image.objects.create(title=title, file=get_test_image_file(size=(1600, 900)))


def rows(**filters):
    from feeds.syndication.models import Syndication

    return list(Syndication.objects.filter(**filters).order_by("id"))


def make_due():
    """Every waiting row becomes due now (instead of waiting for its backoff)."""
    from django.utils import timezone

    from feeds.syndication.models import FacebookConnection, Syndication

    Syndication.objects.filter(status="pending").update(next_attempt_at=None)
    FacebookConnection.objects.update(paused_until=None)
    Syndication.objects.filter(status="sending").update(
        lease_expires_at=timezone.now() - _dt.timedelta(seconds=1)
    )


def resume():
    from feeds.syndication.outbox import resume_due

    return resume_due(reconcile=False)


def settings_url() -> str:
    from django.urls import reverse

    from feeds.syndication.models import FacebookConnection

    pk = FacebookConnection.load().pk
    return reverse("wagtailsettings:edit", args=["feeds", "facebookconnection", pk])
