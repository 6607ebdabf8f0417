"""The impact dashboard in Wagtail admin and the digest toggle, in a real browser.

A network admin opens the dashboard (charts, tables, filters), accessibility checked with
axe-core; a member turns the weekly digest on from their profile.
"""

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext

from community.journey import Step
from community.outreach.models import ConsentRecord, Purpose
from community.reach import funnel
from tests.conftest import PASSWORD, make_branch, make_user
from tests.e2e.conftest import assert_accessible

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def fr(msgid: str) -> str:
    with translation.override("fr"):
        return gettext(msgid)


def log_in(page, email: str) -> None:
    page.goto("/comptes/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Connexion").click()
    page.wait_for_url(lambda url: "/comptes/login/" not in url)


@pytest.fixture
def recorded():
    branch = make_branch("Médiathèque Marcel Pagnol", commune="Aubagne", lat=43.29, lon=5.57)
    today = timezone.localdate()
    funnel.increment(Step.WIDGET_SHOWN, source="ville", branch_id=branch.pk, day=today, by=120)
    funnel.increment(Step.QUESTIONNAIRE_ANSWERED, source="ville", branch_id=branch.pk, by=45)
    funnel.increment(Step.CONSENT_GIVEN, source="ville", branch_id=branch.pk, by=20)
    funnel.increment(Step.ACCOUNT_CREATED, source="facebook", branch_id=branch.pk, by=8)
    funnel.increment(Step.CARD_SIGNUP_CLICKED, source="direct", branch_id=branch.pk, by=3)
    return branch


def test_dashboard_charts_filters_and_accessibility(page, recorded):
    make_user("admin@example.org", groups=["Administrateurs réseau"])
    log_in(page, "admin@example.org")
    page.goto("/admin/impact/")
    page.get_by_role("heading", name=fr("Impact: did they come to the library?")).wait_for()
    funnel_chart = page.locator("svg#funnel")
    assert funnel_chart.get_attribute("role") == "img"
    assert "120" in funnel_chart.inner_html()
    assert page.locator("svg#monthly title").count() == 1
    rate = page.locator('#reach-funnel-table tr[data-step="card_signup_clicked"] td').nth(1)
    assert rate.inner_text() == "0,38 par compte créé sur la période"  # 3 clicks, 8 accounts
    rate = page.locator('#reach-funnel-table tr[data-step="questionnaire_answered"] td').nth(1)
    assert rate.inner_text() == "37,5 % des questionnaires affichés"
    month = timezone.localdate().strftime("%Y")
    assert page.locator("svg#monthly text", has_text=month).count() >= 1
    assert_accessible(page, "the impact dashboard")

    page.get_by_label(fr("Source"), exact=True).select_option("facebook")
    page.get_by_role("button", name=fr("Apply")).click()
    page.wait_for_url(lambda url: "source=facebook" in url)
    row = page.locator('#reach-funnel-table tr[data-step="widget_shown"] td').first
    assert row.inner_text() == "0"
    row = page.locator('#reach-funnel-table tr[data-step="account_created"] td').first
    assert row.inner_text() == "8"
    assert_accessible(page, "the filtered impact dashboard")


def test_member_turns_the_digest_on(page, recorded):
    member = make_user("lea@example.org", home_branch=recorded)
    member.onboarded_at = timezone.now()
    member.save()
    log_in(page, "lea@example.org")
    page.goto("/profil/")
    page.get_by_role("button", name=fr("Receive the selection of the week")).click()
    page.get_by_role("button", name=fr("Stop the selection of the week")).wait_for()
    assert ConsentRecord.objects.filter(
        user=member, purpose=Purpose.DIGEST, withdrawn_at=None
    ).exists()
    assert_accessible(page, "the profile with the digest toggle")
