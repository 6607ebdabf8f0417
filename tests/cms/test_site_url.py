"""SITE_URL is the one source of the site's address: the builder, the Wagtail site, the check."""

from importlib import import_module

import pytest
from django.apps import apps
from django.core.management import call_command
from wagtail.models import Site

from cms import links

pytestmark = pytest.mark.django_db


def _warnings():
    return [m for m in links.site_url_check() if m.id == "cms.W010"]


def test_site_url_is_normalised_and_paths_are_joined(settings):
    settings.SITE_URL = "HTTPS://Affinites.Example.org:443/"
    assert links.site_url() == "https://affinites.example.org"
    assert links.absolute_url("/fil/") == "https://affinites.example.org/fil/"
    assert links.absolute_url("fil/") == "https://affinites.example.org/fil/"
    assert links.absolute_url("https://elsewhere.example/x") == "https://elsewhere.example/x"
    assert links.rebase("http://testserver/a/?b=1#c") == "https://affinites.example.org/a/?b=1#c"


def test_the_check_warns_when_the_wagtail_site_and_site_url_disagree(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    links.sync_default_site()
    assert _warnings() == []
    settings.SITE_URL = "https://affinites.example.org"
    [warning] = _warnings()
    assert "127.0.0.1:8000" in warning.msg and "https://affinites.example.org" in warning.msg
    assert "migrate" in warning.hint
    # `manage.py check` shows it
    from io import StringIO

    err = StringIO()
    call_command("check", stderr=err, stdout=StringIO())
    assert "cms.W010" in err.getvalue()
    assert links.sync_default_site()
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port, site.root_url) == (
        "affinites.example.org",
        443,
        "https://affinites.example.org",
    )
    assert _warnings() == []


def test_https_on_another_port_cannot_be_a_wagtail_site(settings):
    settings.SITE_URL = "https://affinites.example.org:8443"
    links.sync_default_site()
    [warning] = _warnings()
    assert "8443" in warning.msg and "443" in warning.msg


def test_page_links_come_from_site_url(settings):
    from cms.models import HomePage

    settings.SITE_URL = "http://127.0.0.1:8123"
    home = HomePage.objects.get()
    assert links.page_url(home) == "http://127.0.0.1:8123/"


def test_migrate_and_the_data_migration_write_site_url_into_the_site(settings):
    settings.SITE_URL = "http://affinites.local:8400"
    migration = import_module("cms.migrations.0010_site_from_site_url")
    migration.site_from_site_url(apps, None)
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("affinites.local", 8400)
    settings.SITE_URL = "http://127.0.0.1:8401"
    from cms.apps import _site_from_site_url

    _site_from_site_url(sender=None)
    assert Site.objects.get(is_default_site=True).root_url == "http://127.0.0.1:8401"
