"""Impact figures that can be true: each rate says what it is taken from, a percentage
never passes 100 %, repeatable member steps are ratios per account, months read in full."""

import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse
from django.utils import translation

from community.journey import Step
from community.reach import funnel as counting
from community.reach import report

pytestmark = pytest.mark.django_db


def _record(day: date, **counts) -> None:
    for step, by in counts.items():
        counting.increment(Step(step), source="direct", day=day, by=by)


def _funnel_rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'<table[^>]*id="reach-funnel-table".*?</table>', html, re.S).group(0)
    rows = {}
    for step, cells in re.findall(r'data-step="(\w+)">(.*?)</tr>', table, re.S):
        rows[step] = [
            unescape(re.sub(r"\s+", " ", c)).strip()
            for c in re.findall(r"<td>(.*?)</td>", cells, re.S)
        ]
    return rows


def test_community_joins_are_a_ratio_per_account_not_a_percentage(client, network_admin):
    today = date.today()
    _record(today, account_created=1, community_joined=12)
    client.force_login(network_admin)
    html = client.get(reverse("reach_funnel")).content.decode()
    rows = _funnel_rows(html)
    assert rows["community_joined"] == ["12", "12,00 par compte créé sur la période"]
    assert rows["account_created"] == ["1", "—"]
    assert "1200" not in html and "1 200" not in html


def test_shares_say_their_base_and_never_pass_a_hundred_percent(client, network_admin):
    today = date.today()
    _record(today, widget_shown=200, questionnaire_answered=50, consent_given=60)
    client.force_login(network_admin)
    rows = _funnel_rows(client.get(reverse("reach_funnel")).content.decode())
    assert rows["questionnaire_answered"][1] == "25,0 % des questionnaires affichés"
    # More consents than answers (steps of different days): a ratio, saying so.
    assert rows["consent_given"][1] == "1,20 par questionnaire rempli"


@pytest.mark.parametrize(
    ("counts", "step"),
    [
        ({"widget_shown": 3, "questionnaire_answered": 7}, Step.QUESTIONNAIRE_ANSWERED),
        ({"questionnaire_answered": 1, "consent_given": 9}, Step.CONSENT_GIVEN),
        ({"account_created": 2, "feed_entry_opened": 500}, Step.FEED_ENTRY_OPENED),
    ],
)
def test_no_percentage_above_a_hundred(counts, step):
    found = report.rate(step, counts)
    assert found["kind"] == report.RATIO or found["value"] <= 100


def test_months_are_written_in_full(client, network_admin):
    _record(date(2026, 6, 10), account_created=2)
    client.force_login(network_admin)
    html = client.get(reverse("reach_funnel"), {"start": "2026-05-01", "end": "2026-07-31"})
    text = html.content.decode()
    assert ">juin 2026<" in text  # the chart's axis and the table's rows
    assert re.search(r'<th scope="row">juin 2026</th>', text)
    assert "Jui 26" not in text and "jui 26" not in text
    with translation.override("fr"):
        assert report.month_label(date(2026, 9, 1)) == "septembre 2026"
