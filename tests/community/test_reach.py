"""The funnel: exact counts for the actions performed, attribution, privacy, the dashboard."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from community.journey import Step, send_journey_step
from community.outreach.models import Partner
from community.reach import funnel
from community.reach.models import FunnelCount
from tests.cms.library_factories import make_branch_page, make_event
from tests.conftest import make_community, make_user

pytestmark = pytest.mark.django_db

TX = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def cells() -> dict:
    """{(step, source, branch_id, interest_id): count} of every row."""
    return {
        (row.step, row.source, row.branch_id, row.interest_id): row.count
        for row in FunnelCount.objects.all()
    }


def make_partner(slug: str = "ville-aubagne") -> Partner:
    return Partner.objects.create(
        slug=slug, name="Ville d'Aubagne", allowed_origins="https://www.aubagne.fr"
    )


# --- Exact counts for the actions performed ------------------------------------------------


@TX
def test_funnel_counts_match_the_actions_performed(client, taxonomy, branches):
    sf, manga = taxonomy["sf"], taxonomy["manga"]
    aubagne, arles = branches["aubagne"], branches["arles"]
    aubagne.card_signup_url = "https://inscription.example.org/aubagne"
    aubagne.save()
    partner = make_partner()
    club = make_community("Les Voyageurs", interests=[sf], branches=[aubagne])
    event = make_event("Atelier manga", branch=arles, interests=[manga], registration_required=True)

    # A member arrives from a Facebook post, joins a community, registers for an event.
    member = make_user(home_branch=aubagne)
    client.force_login(member)
    assert client.get("/?utm_source=facebook&utm_medium=post").status_code == 200
    assert client.post(reverse("community:join", args=[club.pk])).status_code == 302
    assert client.post(reverse("community:join", args=[club.pk])).status_code == 302  # again
    assert client.post(reverse("community:event_register", args=[event.pk])).status_code == 302
    client.logout()

    # Someone signs up after a search; another visitor clicks the card link twice:
    # once from a partner's link, once typed directly.
    client_class = type(client)
    signup = client_class().post(
        reverse("account_signup"),
        {
            "email": "nouveau@example.org",
            "password1": "phrase-42-xyz!",
            "password2": "phrase-42-xyz!",
        },
        HTTP_REFERER="http://testserver/recherche/?q=dune",
    )
    assert signup.status_code == 302
    visitor = client_class()
    card = reverse("reach:card_signup", args=[aubagne.slug])
    response = visitor.get(card, HTTP_REFERER=f"http://testserver/?partner={partner.slug}")
    assert response.status_code == 302
    assert response["Location"] == "https://inscription.example.org/aubagne"
    assert visitor.get(card).status_code == 302

    assert cells() == {
        (Step.COMMUNITY_JOINED, "facebook", aubagne.pk, None): 1,
        (Step.COMMUNITY_JOINED, "facebook", aubagne.pk, sf.pk): 1,
        (Step.EVENT_REGISTRATION, "facebook", arles.pk, None): 1,
        (Step.EVENT_REGISTRATION, "facebook", arles.pk, manga.pk): 1,
        (Step.ACCOUNT_CREATED, "search", None, None): 1,
        (Step.CARD_SIGNUP_CLICKED, partner.slug, aubagne.pk, None): 1,
        (Step.CARD_SIGNUP_CLICKED, "direct", aubagne.pk, None): 1,
    }
    assert set(FunnelCount.objects.values_list("day", flat=True)) == {timezone.localdate()}


def test_one_step_with_several_interests_counts_once_in_the_totals(
    taxonomy, branches, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_journey_step(
            Step.COMMUNITY_JOINED,
            branch=branches["arles"],
            interests=[taxonomy["sf"], taxonomy["fantasy"]],
            source="direct",
        )
    arles = branches["arles"].pk
    assert cells() == {
        (Step.COMMUNITY_JOINED, "direct", arles, None): 1,
        (Step.COMMUNITY_JOINED, "direct", arles, taxonomy["sf"].pk): 1,
        (Step.COMMUNITY_JOINED, "direct", arles, taxonomy["fantasy"].pk): 1,
    }
    from community.reach.report import Filters
    from community.reach.report import funnel as funnel_rows

    joined = next(r for r in funnel_rows(Filters.default()) if r["step"] == Step.COMMUNITY_JOINED)
    assert joined["count"] == 1


def test_member_interests_are_used_when_the_step_names_none(taxonomy, branches):
    member = make_user(home_branch=branches["alcazar"])
    member.interests.add(taxonomy["bd"])
    funnel.record_step(Step.FEED_ENTRY_OPENED, member=member, source="direct")
    alcazar = branches["alcazar"].pk
    assert cells() == {
        (Step.FEED_ENTRY_OPENED, "direct", alcazar, None): 1,
        (Step.FEED_ENTRY_OPENED, "direct", alcazar, taxonomy["bd"].pk): 1,
    }


def test_increments_add_up_in_the_same_cell(branches):
    for _ in range(3):
        funnel.increment(Step.WIDGET_SHOWN, source="direct", branch_id=branches["arles"].pk)
    funnel.increment(Step.WIDGET_SHOWN, source="direct")  # no branch: its own cell
    assert cells() == {
        (Step.WIDGET_SHOWN, "direct", branches["arles"].pk, None): 3,
        (Step.WIDGET_SHOWN, "direct", None, None): 1,
    }
    with pytest.raises(ValueError):
        funnel.increment("not_a_step", source="direct")


def test_signup_is_counted_once_whatever_the_path(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "a@example.org",
                "password1": "phrase-42-xyz!",
                "password2": "phrase-42-xyz!",
            },
        )
    assert response.status_code == 302
    assert cells() == {(Step.ACCOUNT_CREATED, "direct", None, None): 1}


# --- Attribution ---------------------------------------------------------------------------


@pytest.fixture
def rf():
    return RequestFactory()


def attributed(request) -> str:
    from django.contrib.auth.models import AnonymousUser

    request.user = getattr(request, "user", AnonymousUser())
    return funnel.source_from_request(request)


def test_source_attribution(rf):
    partner = make_partner("portail-marseille")
    assert attributed(rf.get("/", {"utm_source": "facebook"})) == "facebook"
    assert attributed(rf.get("/", {"utm_source": "FB"})) == "facebook"
    assert attributed(rf.get("/", {"partner": partner.slug})) == partner.slug
    assert attributed(rf.get("/", {"utm_source": partner.slug})) == partner.slug
    assert attributed(rf.get("/", {"utm_source": "lettre-mairie"})) == "other"
    assert attributed(rf.get("/", {"partner": "inconnu"})) == "direct"  # undeclared partner
    assert attributed(rf.get("/", HTTP_REFERER="http://testserver/recherche/?q=dune")) == "search"
    assert (
        attributed(rf.get("/", HTTP_REFERER="http://testserver/actualites/?utm_source=facebook"))
        == "facebook"
    )
    # another site's address is neither "search" nor a campaign of ours
    assert attributed(rf.get("/", HTTP_REFERER="https://evil.example/recherche/")) == "direct"
    assert (
        attributed(rf.get("/", HTTP_REFERER="https://evil.example/?utm_source=facebook"))
        == "direct"
    )
    assert attributed(rf.get("/")) == "direct"
    assert funnel.source_from_request(None) == "direct"


def test_explicit_source_wins(rf, branches):
    request = rf.get("/", {"utm_source": "facebook"})
    assert funnel.record_step(Step.WIDGET_SHOWN, request=request, source="ville") == "ville"
    assert cells() == {(Step.WIDGET_SHOWN, "ville", None, None): 1}


def test_first_touch_is_remembered_for_members_only(client, taxonomy, branches):
    response = client.get("/?utm_source=facebook")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies  # an anonymous visitor gets no cookie
    assert not response.cookies  # none at all from this page

    member = make_user(home_branch=branches["aubagne"])
    client.force_login(member)
    client.get("/?utm_source=facebook")
    client.get("/?utm_source=lettre")  # the first touch is kept
    assert client.session[funnel.SESSION_KEY] == "facebook"
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = member
    assert funnel.source_from_request(request) == "facebook"


def test_card_signup_link_sets_no_cookie_and_goes_to_the_branch_only(client, branches):
    branch = branches["aubagne"]
    url = reverse("reach:card_signup", args=[branch.slug])
    assert client.get(url).status_code == 404  # no sign-up address: nothing to count
    branch.card_signup_url = "https://inscription.example.org/aubagne"
    branch.save()
    response = client.get(url + "?next=https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "https://inscription.example.org/aubagne"
    assert not response.cookies
    assert client.post(url).status_code == 405
    assert client.get(reverse("reach:card_signup", args=["inconnue"])).status_code == 404


def test_branch_pages_link_to_the_counted_signup(client, branches):
    branch = branches["aubagne"]
    branch.card_signup_url = "https://inscription.example.org/aubagne"
    branch.save()
    page = make_branch_page(branch)
    counted = reverse("reach:card_signup", args=[branch.slug])
    html = client.get(page.url).content.decode()
    assert f'href="{counted}"' in html
    assert "https://inscription.example.org/aubagne" not in html
    index_html = client.get(page.get_parent().url).content.decode()
    assert f'href="{counted}"' in index_html


# --- Dashboard -----------------------------------------------------------------------------


@pytest.fixture
def recorded(taxonomy, branches):
    """A small funnel: this month and two months ago, two sources, two branches."""
    today = timezone.localdate()
    earlier = (today.replace(day=1) - timedelta(days=40)).replace(day=15)
    aubagne, arles = branches["aubagne"].pk, branches["arles"].pk
    sf = taxonomy["sf"].pk
    add = funnel.increment
    add(Step.WIDGET_SHOWN, source="ville", branch_id=aubagne, day=today, by=100)
    add(Step.QUESTIONNAIRE_ANSWERED, source="ville", branch_id=aubagne, day=today, by=40)
    add(Step.CONSENT_GIVEN, source="ville", branch_id=aubagne, interest_ids=[sf], day=today, by=10)
    add(Step.ACCOUNT_CREATED, source="facebook", branch_id=arles, day=earlier, by=5)
    add(
        Step.COMMUNITY_JOINED,
        source="facebook",
        branch_id=arles,
        interest_ids=[sf],
        day=earlier,
        by=2,
    )
    return {"today": today, "earlier": earlier}


def test_dashboard_for_network_admins_only(client, recorded, network_admin, librarian):
    client.force_login(librarian)  # README, roles: the Impact dashboard is the network admins'
    for name in ("reach_funnel", "reach_funnel_csv"):
        assert client.get(reverse(name)).status_code in (302, 403)
    assert reverse("reach_funnel") not in client.get(reverse("wagtailadmin_home")).content.decode()
    for user in (network_admin,):
        client.force_login(user)
        response = client.get(reverse("reach_funnel"))
        assert response.status_code == 200
        html = response.content.decode()
        svgs = re.findall(r"<svg[^>]*class=\"reach-chart\".*?</svg>", html, re.S)
        assert len(svgs) == 2
        for svg in svgs:
            assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        funnel_table = re.search(r'<table[^>]*id="reach-funnel-table".*?</table>', html, re.S)
        rows = dict(
            re.findall(
                r'data-step="(\w+)">\s*<th scope="row">[^<]*</th>\s*<td>(\d+)</td>',
                funnel_table.group(0),
            )
        )
        assert rows["widget_shown"] == "100"
        assert rows["questionnaire_answered"] == "40"
        assert rows["consent_given"] == "10"
        assert rows["account_created"] == "5"
        assert rows["community_joined"] == "2"
        assert "40,0 %" in funnel_table.group(0)  # questionnaire / widget
        assert reverse("reach_funnel") in client.get(reverse("wagtailadmin_home")).content.decode()


def test_dashboard_refuses_members(client, recorded, member):
    client.force_login(member)
    response = client.get(reverse("reach_funnel"))
    assert response.status_code == 302  # no admin access: to the login page
    assert client.get(reverse("reach_funnel_csv")).status_code == 302
    # with admin access but not library staff: forbidden
    group = Group.objects.create(name="Éditeurs invités")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    member.groups.add(group)
    client.force_login(member)
    for name in ("reach_funnel", "reach_funnel_csv"):  # Wagtail turns the 403 into a redirect
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("wagtailadmin_home")
    assert reverse("reach_funnel") not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_dashboard_filters_and_breakdowns(client, recorded, network_admin, branches, taxonomy):
    client.force_login(network_admin)
    url = reverse("reach_funnel")
    html = client.get(url, {"source": "facebook"}).content.decode()
    table = re.search(r'id="reach-funnel-table".*?</table>', html, re.S).group(0)
    assert 'data-step="widget_shown">\n            <th scope="row">' in table
    counts = dict(
        re.findall(r'data-step="(\w+)">\s*<th scope="row">[^<]*</th>\s*<td>(\d+)</td>', table)
    )
    assert counts["widget_shown"] == "0" and counts["account_created"] == "5"
    # by interest: only the interest rows
    html = client.get(url, {"group": "interest"}).content.decode()
    breakdown = re.search(r'id="reach-breakdown-table".*?</table>', html, re.S).group(0)
    assert "Science-fiction" in breakdown
    # a period that excludes the earlier month
    today = recorded["today"]
    html = client.get(url, {"start": today.replace(day=1).isoformat()}).content.decode()
    counts = dict(
        re.findall(r'data-step="(\w+)">\s*<th scope="row">[^<]*</th>\s*<td>(\d+)</td>', html)
    )
    assert counts["account_created"] == "0" and counts["widget_shown"] == "100"
    # bad input: told, never a 500
    response = client.get(url, {"start": "hier", "branch": "abc", "group": "x"})
    assert response.status_code == 200
    assert "hier" in response.content.decode()


def test_csv_export_of_the_filtered_data(client, recorded, network_admin, branches, taxonomy):
    client.force_login(network_admin)
    response = client.get(reverse("reach_funnel_csv"), {"source": "facebook"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    month = recorded["earlier"].strftime("%Y-%m")
    arles = branches["arles"].name
    body = rows[1:]
    assert len(rows[0]) == 6
    assert len(body) == 3
    assert [r[0] for r in body] == [month] * 3
    assert [r[3] for r in body] == [arles] * 3
    assert [r[5] for r in body] == ["5", "2", "2"]
    assert body[2][4] == "Imaginaire › Science-fiction"  # the per-interest row after the total
    assert all("ville" not in ";".join(r) for r in body)


def test_months_run_over_the_period(recorded):
    from community.reach.report import Filters, add_months, monthly

    filters = Filters(start=date(2026, 11, 20), end=date(2027, 2, 3))
    months, series = monthly(filters)
    assert months == [date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
    assert add_months(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert set(series) == {s.value for s in Step}


def test_signup_of_a_prospect_is_attributed_to_their_partner(
    client, taxonomy, branches, django_capture_on_commit_callbacks
):
    from community.outreach.models import Prospect

    partner = make_partner()
    prospect = Prospect.objects.create(
        email="Prospect@example.org",
        partner=partner,
        nearest_branch=branches["aubagne"],
        last_contact_at=timezone.now(),
    )
    prospect.interests.set([taxonomy["manga"]])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "prospect@example.org",
                "password1": "phrase-42-xyz!",
                "password2": "phrase-42-xyz!",
            },
        )
    aubagne = branches["aubagne"].pk
    assert cells() == {
        (Step.ACCOUNT_CREATED, partner.slug, aubagne, None): 1,
        (Step.ACCOUNT_CREATED, partner.slug, aubagne, taxonomy["manga"].pk): 1,
    }


def test_dashboard_queries_do_not_grow_with_the_data(client, network_admin, taxonomy, branches):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    interest_ids = [i.pk for i in taxonomy.values()]

    def fill(months: int) -> None:
        for n in range(months):
            day = (today.replace(day=1) - timedelta(days=31 * n)).replace(day=3)
            for branch in branches.values():
                for step in Step:
                    funnel.increment(
                        step,
                        source="facebook",
                        branch_id=branch.pk,
                        interest_ids=interest_ids,
                        day=day,
                    )

    def queries() -> dict:
        counts = {}
        for group in ("source", "branch", "interest", "month"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse("reach_funnel"), {"group": group}).status_code == 200
            counts[group] = len(captured)
        return counts

    client.force_login(network_admin)
    fill(1)
    queries()  # warm-up: per-process caches (site, settings) are filled on the first request
    small = queries()
    fill(11)
    assert queries() == small
    assert max(small.values()) <= MAX_DASHBOARD_QUERIES, small


# measured: 17 (Wagtail admin's own queries included), and 6 for "from reach to use"
MAX_DASHBOARD_QUERIES = 26
