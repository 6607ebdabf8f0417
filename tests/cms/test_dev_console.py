"""The console of `make run` (cms.settings.dev): one line per request, quiet background
tasks unless asked, emails framed and kept as files."""

import importlib
import io
import logging
from email import policy
from email.parser import BytesParser

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.utils.log import configure_logging

from cms import devconsole


def _dev_logging(show_all: bool = False) -> dict:
    dev = importlib.import_module("cms.settings.dev")
    config = dict(dev.LOGGING)
    config["filters"] = {
        "quiet_background": {**dev.LOGGING["filters"]["quiet_background"], "show_all": show_all}
    }
    return config


@pytest.fixture
def dev_console(settings, capsys):
    """The development logging configuration, writing to the captured stderr."""
    settings.DEBUG = True  # Django's own console handler only speaks with DEBUG on

    def apply(show_all: bool = False):
        configure_logging(django_settings.LOGGING_CONFIG, _dev_logging(show_all))
        capsys.readouterr()

    yield apply
    configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)


def _lines(capsys) -> list[str]:
    captured = capsys.readouterr()
    return [line for line in (captured.out + captured.err).splitlines() if line.strip()]


def test_an_http_access_line_is_printed_once(dev_console, capsys):
    dev_console()
    logging.getLogger("django.channels.server").info(
        "HTTP %(method)s %(path)s %(status)s", {"method": "GET", "path": "/", "status": 200}
    )
    assert _lines(capsys) == ["HTTP GET / 200"]


def test_task_lines_are_hidden_but_failures_show(dev_console, capsys):
    dev_console()
    tasks = logging.getLogger("django_tasks")
    tasks.setLevel(logging.INFO)  # what db_worker does at verbosity 1
    tasks.info("Task id=1 path=wagtail.tasks.update_reference_index_task state=RUNNING")
    logging.getLogger("django_tasks_db").info("Starting worker worker_id=x queues=default")
    logging.getLogger("affinites.tasks.scheduler").info("send_event_reminders: 0 reminder(s)")
    tasks.error("Task id=2 path=feeds.tasks.fan_out state=FAILED")
    assert _lines(capsys) == ["Task id=2 path=feeds.tasks.fan_out state=FAILED"]


def test_task_lines_show_when_asked(dev_console, capsys):
    dev_console(show_all=True)
    tasks = logging.getLogger("django_tasks")
    tasks.setLevel(logging.INFO)
    tasks.info("Task id=1 path=x state=SUCCESSFUL")
    assert _lines(capsys) == ["Task id=1 path=x state=SUCCESSFUL"]


def test_one_line_per_websocket(dev_console, capsys):
    dev_console()
    server = logging.getLogger("django.channels.server")
    details = {"path": "/ws/fil/", "client": "127.0.0.1:5000"}
    for message in ("HANDSHAKING", "CONNECT", "DISCONNECT"):
        server.info(f"WebSocket {message} %(path)s [%(client)s]", details)
    assert _lines(capsys) == ["WebSocket CONNECT /ws/fil/ [127.0.0.1:5000]"]


@pytest.mark.django_db
def test_the_scheduler_logs_what_its_jobs_print_instead_of_printing_it(capsys, caplog):
    with caplog.at_level(logging.INFO, logger="affinites.tasks.scheduler"):
        call_command("run_scheduler", "--once")
    assert "reminder(s) sent" not in capsys.readouterr().out
    assert any("send_event_reminders: 0 reminder(s) sent." in m for m in caplog.messages)


def test_an_email_is_framed_on_the_console_and_kept_as_a_file(tmp_path, settings):
    settings.EMAIL_FILE_PATH = tmp_path
    stream = io.StringIO()
    backend = devconsole.BannerEmailBackend(stream=stream)
    message = mail.EmailMultiAlternatives(
        subject="[Affinités] Confirmez votre adresse",
        body="Bonjour,\nconfirmez ici : http://127.0.0.1:8000/comptes/confirm-email/abc/\n",
        to=["camille@example.org"],
    )
    message.attach_alternative("<p>Bonjour</p>", "text/html")

    assert backend.send_messages([message]) == 1

    output = stream.getvalue()
    assert output.count(devconsole.RULER) == 2
    assert "EMAIL to camille@example.org" in output
    assert "Subject: [Affinités] Confirmez votre adresse" in output
    assert "confirmez ici : http://127.0.0.1:8000/comptes/confirm-email/abc/" in output
    (saved,) = tmp_path.glob("*.eml")
    assert f"File:    {saved.resolve()}" in output
    parsed = BytesParser(policy=policy.default).parsebytes(saved.read_bytes())
    assert parsed["subject"] == "[Affinités] Confirmez votre adresse"


def test_development_settings_use_the_framed_email_backend(monkeypatch):
    monkeypatch.delenv("EMAIL_BACKEND", raising=False)
    dev = importlib.reload(importlib.import_module("cms.settings.dev"))
    assert dev.EMAIL_BACKEND == "cms.devconsole.BannerEmailBackend"
