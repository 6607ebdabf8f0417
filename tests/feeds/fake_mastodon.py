"""A Mastodon instance on 127.0.0.1, as its documentation describes one to its peers.

It serves one account, ``alice`` (``/users/alice``: an actor document with its RSA public key,
an inbox, the shared inbox ``/inbox``), signs what it sends the way Mastodon does
(draft-cavage HTTP signatures, ``rsa-sha256``, headers ``(request-target) host date digest
content-type``) and checks the signature of everything posted to its inboxes by fetching the
sender's key from the address in ``keyId`` — its own implementation, independent of the
project's. Payloads follow Mastodon's: ``Follow`` with an ``id`` under the account, ``Undo``
embedding the ``Follow``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


class FakeMastodon:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.received: list[dict] = []  # {"path", "activity", "verified", "key_id"}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- the account ----------------------------------------------------------------------
    @property
    def actor(self) -> str:
        return f"{self.base}/users/alice"

    @property
    def key_id(self) -> str:
        return f"{self.actor}#main-key"

    def actor_document(self) -> dict:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.actor,
            "type": "Person",
            "preferredUsername": "alice",
            "inbox": f"{self.actor}/inbox",
            "outbox": f"{self.actor}/outbox",
            "followers": f"{self.actor}/followers",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.actor, "publicKeyPem": public.decode()},
        }

    def follow(self, target: str, number: int = 1) -> dict:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{self.actor}#follows/{number}",
            "type": "Follow",
            "actor": self.actor,
            "object": target,
        }

    def undo(self, follow: dict) -> dict:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{follow['id']}/undo",
            "type": "Undo",
            "actor": self.actor,
            "object": {k: v for k, v in follow.items() if k != "@context"},
        }

    # --- sending, as Mastodon signs -------------------------------------------------------
    def signed_headers(self, url: str, body: bytes, *, date: datetime | None = None) -> dict:
        parts = urlsplit(url)
        headers = {
            "Host": parts.netloc,
            "Date": format_datetime(date or datetime.now(UTC), usegmt=True),
            "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
            "Content-Type": "application/activity+json",
        }
        text = "\n".join(
            [f"(request-target): post {parts.path}"]
            + [
                f"{name.lower()}: {headers[name]}"
                for name in ("Host", "Date", "Digest", "Content-Type")
            ]
        )
        signature = self.key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        headers["Signature"] = (
            f'keyId="{self.key_id}",algorithm="rsa-sha256",'
            'headers="(request-target) host date digest content-type",'
            f'signature="{base64.b64encode(signature).decode()}"'
        )
        return headers

    def post(self, url: str, activity: dict, **options) -> requests.Response:
        body = json.dumps(activity).encode()
        return requests.post(
            url, data=body, headers=self.signed_headers(url, body, **options), timeout=30
        )

    # --- receiving ------------------------------------------------------------------------
    def _verify(self, method: str, path: str, headers, body: bytes) -> tuple[bool, str]:
        params = dict(re.findall(r'(\w+)="([^"]*)"', headers.get("Signature", "")))
        names = params.get("headers", "").split()
        if not {"(request-target)", "host", "date", "digest"} <= set(names):
            return False, params.get("keyId", "")
        if (
            headers.get("Digest")
            != "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
        ):
            return False, params.get("keyId", "")
        document = requests.get(
            params["keyId"], headers={"Accept": "application/activity+json"}, timeout=30
        ).json()
        key = serialization.load_pem_public_key(document["publicKey"]["publicKeyPem"].encode())
        text = "\n".join(
            f"(request-target): {method.lower()} {path}"
            if name == "(request-target)"
            else f"{name}: {headers.get(name)}"
            for name in names
        )
        try:
            key.verify(
                base64.b64decode(params["signature"]),
                text.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except Exception:  # noqa: BLE001 (any failure is a bad signature)
            return False, params["keyId"]
        return document["publicKey"]["owner"] == document["id"], params["keyId"]

    def _handler(self):
        mastodon = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, document: dict | None = None) -> None:
                body = json.dumps(document or {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/users/alice":
                    return self._json(200, mastodon.actor_document())
                return self._json(404)

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path not in ("/users/alice/inbox", "/inbox"):
                    return self._json(404)
                verified, key_id = mastodon._verify("POST", self.path, self.headers, body)
                mastodon.received.append(
                    {
                        "path": self.path,
                        "activity": json.loads(body),
                        "verified": verified,
                        "key_id": key_id,
                    }
                )
                return self._json(202 if verified else 401)

        return Handler

    def __enter__(self) -> FakeMastodon:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
