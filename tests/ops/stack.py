"""The production process set on this machine, behind nginx, for ``make prod-check`` and
the failure drills: gunicorn (uvicorn workers), RQ task workers, the scheduler and nginx
with a self-signed certificate, all with ``cms.settings.production`` against the
PostgreSQL database and Redis given by DATABASE_URL and REDIS_URL.

Only for a database of its own: it loads the demo network and test members into it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PASSWORD = "affinites-charge"  # tests/load/seed.py's


@dataclass
class Ports:
    app: int = int(os.environ.get("PROD_CHECK_APP_PORT", "8141"))
    https: int = int(os.environ.get("PROD_CHECK_HTTPS_PORT", "8443"))
    http: int = int(os.environ.get("PROD_CHECK_HTTP_PORT", "8180"))


def ensure_nginx() -> str:
    """nginx's path, installing Debian's package when missing."""
    found = shutil.which("nginx") or (Path("/usr/sbin/nginx").exists() and "/usr/sbin/nginx")
    if found:
        return str(found)
    print("Installing Debian's nginx…", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "nginx"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "tls.crt", folder / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return cert, key


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


@dataclass
class Stack:
    database_url: str
    redis_url: str
    ports: Ports = field(default_factory=Ports)
    web_workers: int = 2
    task_workers: int = 1
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="affinites-prod-")))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)  # more environment, every process

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.ports.https}"

    @property
    def cert(self) -> Path:
        return self.folder / "tls.crt"

    def env(self, **extra: str) -> dict[str, str]:
        if not hasattr(self, "_secret"):
            self._secret = secrets.token_urlsafe(48)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "cms.settings.production",
            "SECRET_KEY": self._secret,
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": self.origin,
            "SITE_URL": self.origin,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "MEDIA_ROOT": str(self.folder / "media"),
            "HOST": "127.0.0.1",
            "PORT": str(self.ports.app),
            "WEB_CONCURRENCY": str(self.web_workers),
            "LOG_FORMAT": "json",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "CACHE_KEY_PREFIX": "affinites-prod-check",
        }
        env.pop("PLAIN_HTTP", None)
        env.update(self.settings)
        env.update(extra)
        return env

    def manage(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args], cwd=ROOT, env=self.env(), check=True, **kwargs
        )

    # --- setting up ----------------------------------------------------------------------

    def prepare(self) -> dict:
        """Migrate, collect static files, write the proxy's error page, load the demo
        network and the test members; returns what the checks need (JSON from a child)."""
        (self.folder / "media").mkdir(exist_ok=True)
        self.manage("migrate", "--noinput", stdout=subprocess.DEVNULL)
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        self.manage("write_error_pages", stdout=subprocess.DEVNULL)
        out = subprocess.run(
            [PYTHON, "-m", "tests.ops.stack", "seed"],
            cwd=ROOT, env=self.env(), check=True, capture_output=True, text=True,
        )  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])

    def nginx_config(self) -> Path:
        cert, key = self_signed_certificate(self.folder)
        site = (ROOT / "deploy/nginx/affinites.conf").read_text()
        for name, value in {
            "SERVER_NAME": "localhost 127.0.0.1",
            "UPSTREAM": f"127.0.0.1:{self.ports.app}",
            "HTTP_PORT": str(self.ports.http),
            "HTTPS_PORT": str(self.ports.https),
            "TLS_CERT": str(cert),
            "TLS_KEY": str(key),
            "STATIC_ROOT": str(ROOT / "static_collected"),
            "MEDIA_ROOT": str(self.folder / "media"),
        }.items():
            site = site.replace(f"@{name}@", value)
        (self.folder / "site.conf").write_text(site)
        main = self.folder / "nginx.conf"
        main.write_text(
            f"""worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {self.folder}/nginx-access.log;
    client_body_temp_path {self.folder}/nginx-body;
    proxy_temp_path {self.folder}/nginx-proxy;
    fastcgi_temp_path {self.folder}/nginx-fastcgi;
    uwsgi_temp_path {self.folder}/nginx-uwsgi;
    scgi_temp_path {self.folder}/nginx-scgi;
    include {self.folder}/site.conf;
}}
"""
        )
        return main

    # --- processes -----------------------------------------------------------------------

    def start(self, name: str, command: list[str], **env: str) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115  (the child keeps it)
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env(**env), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes[name] = process
        return process

    def start_web(self) -> None:
        self.start(
            "web",
            [
                PYTHON,
                "-m",
                "gunicorn",
                "--config",
                "deploy/gunicorn.conf.py",
                "cms.asgi:application",
            ],
        )
        wait_for_port(self.ports.app, 60)

    def start_worker(self, number: int = 1) -> subprocess.Popen:
        return self.start(
            f"worker-{number}", [PYTHON, "manage.py", "run_task_worker"], DB_POOL_MAX_SIZE="0"
        )

    def start_scheduler(self, name: str = "scheduler", interval: int = 60) -> subprocess.Popen:
        return self.start(
            name,
            [PYTHON, "manage.py", "run_scheduler", "--interval", str(interval)],
            DB_POOL_MAX_SIZE="0",
        )

    def start_nginx(self) -> None:
        nginx = ensure_nginx()
        config = self.nginx_config()
        subprocess.run([nginx, "-t", "-q", "-c", str(config)], check=True)
        self.start("nginx", [nginx, "-c", str(config), "-g", "daemon off;"])
        wait_for_port(self.ports.https)

    def up(self, scheduler_interval: int = 60) -> None:
        self.start_web()
        for number in range(1, self.task_workers + 1):
            self.start_worker(number)
        self.start_scheduler(interval=scheduler_interval)
        self.start_nginx()

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20.0) -> float:
        """Stop one process (its whole group) and return how long it took."""
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return 0.0
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        return time.monotonic() - started

    def down(self) -> dict[str, float]:
        return {name: self.stop(name) for name in list(self.processes)}

    def publish(
        self, email: str, *titles: str, facebook: bool = False
    ) -> subprocess.CompletedProcess:
        """A librarian publishes announcements for `email`'s interests (see publish()),
        ticked "also publish on Facebook" if `facebook`."""
        command = "publish-facebook" if facebook else "publish"
        return subprocess.run(
            [PYTHON, "-m", "tests.ops.stack", command, email, *titles],
            cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def connect_facebook(self, page_id: str, name: str, token: str) -> None:
        """The network's Facebook Page connected with `token` (see connect_facebook())."""
        subprocess.run(
            [PYTHON, "-m", "tests.ops.stack", "connect-facebook", page_id, name, token],
            cwd=ROOT, env=self.env(), check=True, capture_output=True, text=True,
        )  # fmt: skip

    def outbox(self, *titles: str) -> dict[str, int]:
        """The Facebook outbox's rows of these pages counted by status (see outbox())."""
        out = subprocess.run(
            [PYTHON, "-m", "tests.ops.stack", "outbox", *titles],
            cwd=ROOT, env=self.env(), check=True, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def seed() -> dict:
    """In a child with the production settings: the demo network, test members, and two of
    them in one community whose posts appear at once (for the websocket push check)."""
    import django

    django.setup()
    from community.actions.memberships import join_community
    from community.models import CommunityPage, User
    from tests.load.seed import seed as seed_members

    emails = seed_members(2)
    community = (
        CommunityPage.objects.live().filter(premoderated_posts=0).order_by("pk").first()
        or CommunityPage.objects.live().order_by("pk").first()
    )
    for email in emails:
        join_community(User.objects.get(email=email), community)
    return {"emails": emails, "community": community.pk, "password": PASSWORD}


def publish(email: str, *titles: str, facebook: bool = False) -> list[int]:
    """In a child with the production settings: a librarian's announcements for the member's
    interests and médiathèque (tests/load/librarian.py), ticked for Facebook if `facebook`."""
    import django

    django.setup()
    from tests.load.librarian import publish_for

    return [publish_for(email, title, publish_on_facebook=facebook) for title in titles]


def connect_facebook(page_id: str, name: str, token: str) -> int:
    """In a child with the production settings: the network's Facebook Page connected with
    its token (stored encrypted, verified), as an admin saving the settings does."""
    import django

    django.setup()
    from django.utils import timezone

    from feeds.syndication.models import FacebookConnection

    connection = FacebookConnection.load()
    connection.page_id = page_id
    connection.page_name = name
    connection.set_page_token(token)
    connection.verified_at = timezone.now()
    connection.save()
    return connection.pk


def outbox(*titles: str) -> dict[str, int]:
    """In a child with the production settings: the outbox rows of the pages with these
    titles counted by status."""
    import django

    django.setup()
    from django.db.models import Count

    from feeds.syndication.models import Syndication

    rows = (
        Syndication.objects.facebook()
        .filter(page_title__in=titles)
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    return {row["status"]: row["n"] for row in rows}


if __name__ == "__main__" and sys.argv[1:2] == ["seed"]:
    print(json.dumps(seed()))
elif __name__ == "__main__" and sys.argv[1:2] in (["publish"], ["publish-facebook"]):
    print(publish(sys.argv[2], *sys.argv[3:], facebook=sys.argv[1] == "publish-facebook"))
elif __name__ == "__main__" and sys.argv[1:2] == ["connect-facebook"]:
    print(connect_facebook(*sys.argv[2:5]))
elif __name__ == "__main__" and sys.argv[1:2] == ["outbox"]:
    print(json.dumps(outbox(*sys.argv[2:])))
