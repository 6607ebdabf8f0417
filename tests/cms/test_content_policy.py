"""The Content-Security-Policy: the site's strict policy, the admin's, report-only in
development, enforced in production, and the violation reports endpoint."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
HEADER = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_site_pages_send_a_strict_policy(client, member):
    for anonymous in (True, False):
        if not anonymous:
            client.force_login(member)
        response = client.get("/comptes/login/" if anonymous else "/profil/")
        assert response.status_code == 200
        policy = directives(response[HEADER])
        assert policy["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert "'unsafe-inline'" not in policy["style-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert policy["report-uri"] == ["/csp-rapport/"]


def test_a_nonce_is_fresh_for_each_response_that_uses_one(rf):
    from django.http import HttpResponse

    from cms.content_policy import AdminAwareCSPMiddleware

    def view(request):
        return HttpResponse(f'<script nonce="{request.csp_nonce}">1</script>')

    nonces = set()
    for _ in range(2):
        request = rf.get("/")
        response = AdminAwareCSPMiddleware(view)(request)
        script_src = directives(response[HEADER])["script-src"]
        nonce = next(v for v in script_src if v.startswith("'nonce-"))
        assert nonce[7:-1] in response.content.decode()
        nonces.add(nonce)
    assert len(nonces) == 2


def test_the_admin_gets_its_own_policy(client, librarian):
    client.force_login(librarian)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response[HEADER])
    assert "'unsafe-inline'" in policy["script-src"]  # Wagtail's inline scripts
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]


def test_widget_endpoints_keep_answering_cross_origin(client, branches):
    """JSON answers carry the header harmlessly; the script is served as before."""
    response = client.get(reverse("outreach:widget_js"))
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_embed_origins_are_framable(settings):
    assert "https://www.youtube-nocookie.com" in settings.SITE_CSP_DIRECTIVES["frame-src"]


def _manage_shell(settings_module: str, code: str, **env) -> str:
    full_env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    full_env.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]  # after shell's auto-import notice


def test_enforced_in_production_report_only_in_development():
    code = (
        "from django.conf import settings as s; "
        "print(bool(s.CONTENT_SECURITY_POLICY), bool(s.CONTENT_SECURITY_POLICY_REPORT_ONLY))"
    )
    production = _manage_shell(
        "cms.settings.production", code, SECRET_KEY="k" * 60, ALLOWED_HOSTS="a.example.org"
    )
    assert production == "True False"
    assert _manage_shell("cms.settings.dev", code) == "False True"


def test_embed_origins_from_the_environment():
    code = (
        "from django.conf import settings as s; print(' '.join(s.SITE_CSP_DIRECTIVES['frame-src']))"
    )
    out = _manage_shell(
        "cms.settings.test",
        code,
        CSP_EMBED_ORIGINS="https://video.ville.example, https://x.example",
    )
    assert out == "'self' https://video.ville.example https://x.example"


# --- Reports ---------------------------------------------------------------------------------


def report_body(**fields) -> str:
    violation = {
        "document-uri": "http://testserver/profil/?token=secret",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "inline",
        "disposition": "enforce",
    }
    violation.update(fields)
    return json.dumps({"csp-report": violation})


def test_a_report_is_logged_without_the_query(client, caplog):
    with caplog.at_level(logging.WARNING, logger="cms.csp"):
        response = client.post(
            "/csp-rapport/", data=report_body(), content_type="application/csp-report"
        )
    assert response.status_code == 204
    (record,) = [r for r in caplog.records if r.name == "cms.csp"]
    message = record.getMessage()
    assert "script-src-elem" in message and "/profil/" in message
    assert "secret" not in message


def test_reporting_api_batches_are_read(client, caplog):
    batch = [
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "http://testserver/",
                "effectiveDirective": "img-src",
                "blockedURL": "https://tracker.example/p.gif",
                "disposition": "report",
            },
        }
    ]
    with caplog.at_level(logging.WARNING, logger="cms.csp"):
        response = client.post(
            "/csp-rapport/", data=json.dumps(batch), content_type="application/reports+json"
        )
    assert response.status_code == 204
    assert "img-src" in caplog.records[-1].getMessage()
    assert "report only" in caplog.records[-1].getMessage()


def test_reports_are_limited_in_size_rate_and_shape(client):
    url = "/csp-rapport/"
    big = report_body(**{"script-sample": "x" * 10_000})
    assert client.post(url, data=big, content_type="application/csp-report").status_code == 413
    deep = "[" * 500 + "]" * 500
    assert client.post(url, data=deep, content_type="application/csp-report").status_code == 400
    assert client.post(url, data="{", content_type="application/csp-report").status_code == 400
    assert client.get(url).status_code == 405
    statuses = [
        client.post(url, data=report_body(), content_type="application/csp-report").status_code
        for _ in range(35)
    ]
    assert statuses.count(204) == 30 - 2 and statuses[-1] == 429  # two 400s counted above


def test_reports_need_no_csrf_token_nor_session(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/csp-rapport/", data=report_body(), content_type="application/csp-report"
    )
    assert response.status_code == 204


def test_no_template_has_inline_script_handler_or_style():
    """No template left with an inline script, event handler or style attribute (the
    e-mails, read by mail clients and never under this policy, keep their inline styles)."""
    import re

    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        if "/email/" in str(path):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>",
            r"\son[a-z]+\s*=",
            r"\sstyle\s*=",
            r"<style[\s>]",
            r"javascript:",
        ):
            if re.search(pattern, text, re.I):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []
