"""Opening an entry from the member's feed goes through a counted, signed click-through:
the funnel's "feed entry opened" step, never an open redirect."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from community.journey import Step
from community.reach.models import FunnelCount
from feeds.entry_links import open_url
from tests.cms.library_factories import make_announcement
from tests.feeds import feed_fixtures

sf_member = feed_fixtures.sf_member  # shared fixture
OPEN = reverse("feeds:open_entry")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_opening_a_feed_entry_is_counted_then_leads_to_the_page(client, taxonomy, sf_member):
    page = make_announcement("Nuit de la SF", interests=[taxonomy["sf"]])
    client.force_login(sf_member)
    html = client.get("/fil/").content.decode()
    link = re.search(r'<h2 class="card-title"><a href="([^"]+)">Nuit de la SF</a>', html)
    assert link and link.group(1).startswith(OPEN + "?e=")
    href = link.group(1).replace("&amp;", "&")

    response = client.get(href)
    assert response.status_code == 302
    assert response["Location"] == page.url
    opened = FunnelCount.objects.filter(step=Step.FEED_ENTRY_OPENED, interest=None)
    assert [(row.source, row.branch_id, row.count) for row in opened] == [
        ("direct", sf_member.home_branch_id, 1)
    ]


@pytest.mark.django_db
def test_tampered_or_foreign_links_are_refused(client):
    good = open_url("announcement", 1, "/actualites/nuit-de-la-sf/")
    token = parse_qs(urlsplit(good).query)["e"][0]
    tampered = client.get(OPEN, {"e": token[:-2] + "xx"})
    assert tampered.status_code == 400
    assert "not valid" in tampered.content.decode() or "pas valide" in tampered.content.decode()
    assert client.get(OPEN).status_code == 400
    # an absolute or protocol-relative target is never wrapped, so never redirected to
    assert open_url("announcement", 1, "https://evil.example/") == "https://evil.example/"
    assert open_url("announcement", 1, "//evil.example/") == "//evil.example/"
    assert not FunnelCount.objects.exists()
