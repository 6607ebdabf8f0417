"""Facebook syndication in the Wagtail admin: connection, status, retry, report, targeting."""

import json
import logging

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from feeds.syndication import crypto
from feeds.syndication.models import AdCampaign, FacebookConnection, FacebookInterest, Syndication
from feeds.syndication.targeting import targeting_spec
from tests.conftest import make_user

pytest.register_assert_rewrite("tests.feeds.fake_graph")  # it is also a plugin, below
from tests.feeds.fake_graph import (  # noqa: E402
    PAGE_ID,
    PAGE_NAME,
    make_announcement,
    make_event,
    publish,
    rows,
    settings_url,
)

pytest_plugins = ["tests.feeds.fake_graph"]  # fixtures: graph, connected, clock…
pytestmark = pytest.mark.django_db


def denied(response) -> bool:
    """Wagtail turns PermissionDenied in admin views into a redirect to the dashboard."""
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    )


# --- The connection (site setting, admins only) -------------------------------------------


def test_only_network_admins_reach_the_connection_settings(client, librarian, network_admin):
    client.force_login(librarian)
    response = client.get(settings_url())
    assert response.status_code in (302, 403)
    assert b'name="page_token"' not in response.content
    client.force_login(network_admin)
    response = client.get(settings_url())
    assert response.status_code == 200
    assert b'name="page_token"' in response.content


def test_a_verified_token_is_stored_encrypted_and_never_shown_back(
    client, network_admin, graph, page_token, run_on_commit
):
    client.force_login(network_admin)
    with run_on_commit():
        response = client.post(
            settings_url(), {"api_version": "v21.0", "page_id": PAGE_ID, "page_token": page_token}
        )
    assert response.status_code == 302
    connection = FacebookConnection.load()
    assert connection.page_name == PAGE_NAME and connection.verified_at is not None
    assert connection.page_token_encrypted and page_token not in connection.page_token_encrypted
    assert crypto.decrypt(connection.page_token_encrypted) == page_token
    assert connection.page_token_last4 == page_token[-4:]
    [check] = graph.calls("GET", rf"^/{PAGE_ID}$")
    assert check["params"]["fields"] == "id,name"
    assert check["token"] == page_token  # sent in the Authorization header…
    assert "access_token" not in check["params"]  # …never in the URL

    html = client.get(settings_url()).content.decode()
    assert page_token not in html
    assert connection.page_token_encrypted not in html
    assert "…" + page_token[-4:] in html
    assert PAGE_NAME in html


def test_a_wrong_token_is_a_form_error_and_nothing_is_stored(
    client, network_admin, graph, page_token
):
    client.force_login(network_admin)
    response = client.post(
        settings_url(),
        {"api_version": "v21.0", "page_id": PAGE_ID, "page_token": "EAAnotvalid1234"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Facebook a refusé ce jeton" in html
    assert "EAAnotvalid1234" not in html  # not even echoed back in the form
    connection = FacebookConnection.load()
    assert connection.page_token_encrypted == "" and connection.page_id == ""


def test_a_token_for_another_page_is_refused(client, network_admin, graph):
    other = graph.add_page("999", "Une autre Page")
    client.force_login(network_admin)
    response = client.post(
        settings_url(), {"api_version": "v21.0", "page_id": PAGE_ID, "page_token": other}
    )
    assert response.status_code == 200
    assert FacebookConnection.load().page_token_encrypted == ""


def test_saving_without_a_new_token_keeps_the_stored_one(client, network_admin, connected, graph):
    client.force_login(network_admin)
    response = client.post(settings_url(), {"api_version": "v21.0", "page_id": PAGE_ID})
    assert response.status_code == 302
    assert FacebookConnection.load().page_token_encrypted == connected.page_token_encrypted
    assert graph.requests == []  # nothing changed: nothing to check


def test_the_ad_account_is_checked_with_its_token(
    client, network_admin, connected, graph, page_token
):
    ads_token = graph.add_user("55", pages=[])
    graph.add_ad_account("4242", tokens=[ads_token])
    client.force_login(network_admin)
    response = client.post(
        settings_url(),
        {
            "api_version": "v21.0",
            "page_id": PAGE_ID,
            "ad_account_id": "act_4242",
            "ads_token": "bad",
        },
    )
    assert response.status_code == 200 and FacebookConnection.load().ad_account_id == ""
    response = client.post(
        settings_url(),
        {
            "api_version": "v21.0",
            "page_id": PAGE_ID,
            "ad_account_id": "act_4242",
            "ads_token": ads_token,
        },
    )
    assert response.status_code == 302
    connection = FacebookConnection.load()
    assert connection.ad_account_id == "4242" and connection.ads_token() == ads_token


def test_tokens_never_reach_the_logs(
    client, network_admin, graph, page_token, run_on_commit, caplog, settings
):
    settings.FACEBOOK_APP_SECRET = "app-secret"  # appsecret_proof goes in the URL: fine
    caplog.set_level(logging.DEBUG)  # urllib3 logs every request line at DEBUG
    client.force_login(network_admin)
    with run_on_commit():
        client.post(
            settings_url(), {"api_version": "v21.0", "page_id": PAGE_ID, "page_token": page_token}
        )
        publish(make_announcement())
    graph.expire(page_token)
    with run_on_commit():
        publish(make_announcement("Deuxième"))  # 190: logged as an error
    ciphertext = FacebookConnection.load().page_token_encrypted
    assert "appsecret_proof" in caplog.text and "/feed" in caplog.text  # we did log
    assert "code=190" in caplog.text
    assert page_token not in caplog.text
    assert ciphertext not in caplog.text
    assert repr(FacebookConnection.load()).count(page_token) == 0


# --- Getting the token through Facebook login --------------------------------------------


def test_picking_the_page_after_a_facebook_login(
    client, network_admin, graph, page_token, run_on_commit
):
    from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken

    user_token = graph.add_user("7001", pages=[PAGE_ID])
    app = SocialApp.objects.create(provider="facebook", name="Facebook", client_id="1", secret="s")
    account = SocialAccount.objects.create(user=network_admin, provider="facebook", uid="7001")
    SocialToken.objects.create(app=app, account=account, token=user_token)
    client.force_login(network_admin)

    url = reverse("feeds_syndication:connect_pages")
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert PAGE_NAME in html and PAGE_ID in html
    assert page_token not in html and user_token not in html
    assert graph.calls("GET", r"^/7001/accounts$")

    with run_on_commit():
        response = client.post(url, {"page": PAGE_ID})
    assert response.status_code == 302
    connection = FacebookConnection.load()
    assert connection.page_id == PAGE_ID and connection.page_token() == page_token
    assert connection.page_name == PAGE_NAME


def test_the_facebook_login_token_is_kept_in_the_session_for_admins_only(
    rf, network_admin, librarian, graph, page_token
):
    from types import SimpleNamespace

    from django.contrib.sessions.backends.db import SessionStore

    from feeds.syndication.receivers import on_facebook_login
    from feeds.syndication.views import SESSION_KEY, facebook_user_token

    def login(user):
        request = rf.get("/accounts/facebook/login/callback/")
        request.user, request.session = user, SessionStore()
        sociallogin = SimpleNamespace(
            account=SimpleNamespace(provider="facebook", uid="7001"),
            token=SimpleNamespace(token="EAAUserShortLived0001"),
            state={"process": "redirect"},
        )
        on_facebook_login(sender=None, request=request, sociallogin=sociallogin)
        return request

    request = login(network_admin)
    assert "EAAUserShortLived0001" not in request.session[SESSION_KEY]  # encrypted
    assert facebook_user_token(request) == ("EAAUserShortLived0001", "7001")
    assert SESSION_KEY not in login(librarian).session


def test_members_and_librarians_cannot_pick_the_page(client, librarian):
    client.force_login(librarian)
    assert denied(client.get(reverse("feeds_syndication:connect_pages")))


# --- What librarians see on the page ---------------------------------------------------------


def _edit_html(client, page):
    response = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_editor_shows_the_post_link_once_published(client, librarian, connected, run_on_commit):
    page = make_announcement()
    with run_on_commit():
        publish(page)
    [row] = rows()
    client.force_login(librarian)
    html = _edit_html(client, page)
    assert 'data-facebook-status="published"' in html
    assert f'href="https://www.facebook.com/{row.post_id}"' in html
    assert connected.page_token() not in html


def test_the_editor_shows_a_failure_with_its_reason_and_a_retry_button(
    client, librarian, connected, graph, run_on_commit
):
    graph.fail("POST", r"/feed$", code=10)
    page = make_announcement()
    with run_on_commit():
        publish(page)
    [row] = rows()
    client.force_login(librarian)
    html = _edit_html(client, page)
    assert 'data-facebook-status="failed"' in html
    assert "pages_manage_posts" in html
    retry_url = reverse("feeds_syndication:retry", args=[row.pk])
    assert f'formaction="{retry_url}' in html

    with run_on_commit():
        response = client.post(
            retry_url + "?next=" + reverse("wagtailadmin_pages:edit", args=[page.pk])
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_pages:edit", args=[page.pk])
    assert rows()[0].status == "sent"
    assert 'data-facebook-status="published"' in _edit_html(client, page)


def test_the_editor_shows_pending_while_waiting(
    client, librarian, graph, page_token, run_on_commit
):
    page = make_announcement()
    with run_on_commit():
        publish(page)  # no Page connected yet
    client.force_login(librarian)
    html = _edit_html(client, page)
    assert 'data-facebook-status="pending"' in html
    assert "n’est pas encore connectée" in html


def test_retrying_needs_the_right_to_edit_the_page(client, connected, graph, run_on_commit):
    graph.fail("POST", r"/feed$", code=10)
    page = make_announcement()
    with run_on_commit():
        publish(page)
    [row] = rows()
    reader = make_user()
    reader.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(reader)
    url = reverse("feeds_syndication:retry", args=[row.pk])
    assert denied(client.post(url))
    assert client.get(url).status_code == 405
    assert rows()[0].status == "failed"


# --- The report ----------------------------------------------------------------------


def test_the_report_lists_and_filters_rows(client, librarian, connected, graph, run_on_commit):
    with run_on_commit():
        publish(make_announcement("Publiée"))
    graph.fail("POST", r"/feed$", code=506, times=-1)  # every variant refused
    with run_on_commit():
        publish(make_announcement("Doublon"))
    client.force_login(librarian)
    index = reverse("feeds_syndication_report:index")

    html = client.get(index).content.decode()
    assert "Publiée" in html and "Doublon" in html
    assert "Publication en double" in html
    failed = client.get(index, {"status": "failed"}).content.decode()
    assert "Doublon" in failed and "Publiée" not in failed
    sent = rows(status="sent")[0]
    assert f"https://www.facebook.com/{sent.post_id}" in html

    today = sent.created_at.date().isoformat()
    assert "Publiée" in client.get(index, {"created_at_from": today}).content.decode()
    assert "Publiée" not in client.get(index, {"created_at_to": "2000-01-01"}).content.decode()

    inspect = client.get(reverse("feeds_syndication_report:inspect", args=[sent.pk]))
    assert inspect.status_code == 200 and sent.post_id in inspect.content.decode()


def test_nobody_edits_report_rows_by_hand(client, network_admin, connected, run_on_commit):
    with run_on_commit():
        publish(make_announcement())
    network_admin.is_superuser = True
    network_admin.save()
    client.force_login(network_admin)
    row = rows()[0]
    assert client.get(reverse("feeds_syndication_report:add")).status_code in (302, 403)
    assert client.get(reverse("feeds_syndication_report:edit", args=[row.pk])).status_code in (
        302,
        403,
    )
    assert Syndication.objects.get(pk=row.pk).status == "sent"


def test_the_report_is_not_for_members(client, member):
    client.force_login(member)
    response = client.get(reverse("feeds_syndication_report:index"))
    assert response.status_code in (302, 403)


# --- Targeting and campaigns -----------------------------------------------------------


@pytest.fixture
def mapped(taxonomy):
    FacebookInterest.objects.create(
        interest=taxonomy["sf"], facebook_id="6003397425735", name="Science fiction"
    )
    FacebookInterest.objects.create(
        interest=taxonomy["fantasy"], facebook_id="6003137105590", name="Fantasy literature"
    )
    FacebookInterest.objects.create(
        interest=taxonomy["manga"], facebook_id="6003324061606", name="Manga"
    )
    return taxonomy


def test_targeting_spec_for_an_event(branches, mapped):
    event = make_event(branch=branches["arles"])
    event.interests.set([mapped["imaginaire"], mapped["manga"]])  # top level brings children
    spec = targeting_spec(event)
    assert spec["age_min"] == 15
    assert spec["geo_locations"]["custom_locations"] == [
        {"latitude": 43.6766, "longitude": 4.6278, "radius": 15, "distance_unit": "kilometer"}
    ]
    [group] = spec["flexible_spec"]
    assert {i["id"] for i in group["interests"]} == {
        "6003397425735",
        "6003137105590",
        "6003324061606",
    }
    assert (
        targeting_spec(event, radius_km=25)["geo_locations"]["custom_locations"][0]["radius"] == 25
    )


def test_targeting_spec_for_an_announcement_uses_its_branches(branches, mapped):
    page = make_announcement()
    page.branches.set([branches["alcazar"], branches["aubagne"]])
    page.interests.set([mapped["cuisine"]])  # no Facebook id mapped
    spec = targeting_spec(page)
    assert len(spec["geo_locations"]["custom_locations"]) == 2
    assert "flexible_spec" not in spec


def test_admins_manage_facebook_interest_ids(client, librarian, network_admin):
    url = reverse("wagtailsnippets_feeds_facebookinterest:add")
    client.force_login(librarian)
    assert client.get(url).status_code in (302, 403)
    client.force_login(network_admin)
    assert client.get(url).status_code == 200


def test_preparing_a_campaign_creates_paused_objects(
    client, network_admin, connected, graph, page_token, branches, mapped, run_on_commit
):
    connected.ad_account_id = "4242"
    connected.save()
    graph.add_ad_account("4242", tokens=[page_token])
    event = make_event(branch=branches["alcazar"])
    event.interests.set([mapped["sf"]])
    with run_on_commit():
        publish(event)
    post_id = rows()[0].post_id
    client.force_login(network_admin)
    url = reverse("feeds_syndication:targeting", args=[event.pk])
    html = client.get(url).content.decode()
    assert "6003397425735" in html and "kilometer" in html

    with run_on_commit():
        response = client.post(url, {"radius_km": 20})
    assert response.status_code == 302
    [campaign] = AdCampaign.objects.all()
    assert campaign.status == "ready"
    assert all([campaign.campaign_id, campaign.adset_id, campaign.creative_id, campaign.ad_id])
    objects = graph.ad_objects
    assert objects[campaign.campaign_id]["status"] == "PAUSED"
    assert objects[campaign.campaign_id]["special_ad_categories"] == []
    adset = objects[campaign.adset_id]
    assert adset["status"] == "PAUSED" and adset["campaign_id"] == campaign.campaign_id
    assert adset["targeting"] == targeting_spec(event, radius_km=20)
    assert objects[campaign.creative_id]["object_story_id"] == post_id
    ad = objects[campaign.ad_id]
    assert ad["status"] == "PAUSED" and ad["creative"] == {"creative_id": campaign.creative_id}
    html = client.get(url).content.decode()
    assert campaign.campaign_id in html and campaign.ad_id in html


def test_a_failed_campaign_resumes_where_it_stopped(
    client, network_admin, connected, graph, page_token, branches, run_on_commit
):
    connected.ad_account_id = "4242"
    connected.save()
    graph.add_ad_account("4242", tokens=[page_token])
    event = make_event(branch=branches["alcazar"], flag=False)
    with run_on_commit():
        publish(event)
    graph.fail("POST", r"/adsets$", code=2)
    client.force_login(network_admin)
    url = reverse("feeds_syndication:targeting", args=[event.pk])
    with run_on_commit():
        client.post(url, {"radius_km": 15})
    [campaign] = AdCampaign.objects.all()
    assert campaign.status == "failed" and campaign.campaign_id and not campaign.adset_id
    with run_on_commit():
        client.post(url, {"radius_km": 15, "retry": campaign.pk})
    campaign.refresh_from_db()
    assert campaign.status == "ready"
    assert len(graph.calls("POST", r"/campaigns$")) == 1  # not a second campaign
    creative = graph.ad_objects[campaign.creative_id]
    assert creative["object_story_spec"]["page_id"] == PAGE_ID  # no post: a link ad


def test_librarians_see_the_targeting_but_cannot_prepare_campaigns(
    client, librarian, connected, branches, run_on_commit
):
    connected.ad_account_id = "4242"
    connected.save()
    event = make_event(branch=branches["alcazar"], flag=False)
    with run_on_commit():
        publish(event)
    client.force_login(librarian)
    url = reverse("feeds_syndication:targeting", args=[event.pk])
    response = client.get(url)
    assert response.status_code == 200
    spec = json.loads(response.context["spec_json"])
    assert spec["age_min"] == 15
    assert "Prepare a campaign" not in response.content.decode()
    assert denied(client.post(url, {"radius_km": 15}))
    assert AdCampaign.objects.count() == 0


# --- Encryption and the sweeper command ------------------------------------------------


def test_token_encryption_keys_rotate(settings):
    settings.FACEBOOK_TOKEN_KEY = "old passphrase"
    old = crypto.encrypt("EAAsecret-token-1234")
    settings.FACEBOOK_TOKEN_KEY = "new passphrase,old passphrase"
    assert crypto.decrypt(old) == "EAAsecret-token-1234"
    new = crypto.encrypt("EAAsecret-token-1234")
    settings.FACEBOOK_TOKEN_KEY = "new passphrase"
    assert crypto.decrypt(new) == "EAAsecret-token-1234"
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(old)


def test_without_a_key_it_is_derived_from_the_secret_key(settings):
    settings.FACEBOOK_TOKEN_KEY = ""
    settings.SECRET_KEY = "production-secret-" * 4
    token = crypto.encrypt("EAAsecret-token-1234")
    settings.SECRET_KEY = "another-secret-" * 4
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(token)


def test_the_sweeper_command_resumes_due_rows(connected, graph, run_on_commit):
    from io import StringIO

    from django.core.management import call_command

    from tests.feeds.fake_graph import make_due

    graph.fail("POST", r"/feed$", code=2)
    with run_on_commit():
        publish(make_announcement())
    assert rows()[0].status == "pending"
    out = StringIO()
    with run_on_commit():
        call_command("syndication_resume", stdout=out)
    assert "enqueued 0" in out.getvalue()  # not due yet
    make_due()
    with run_on_commit():
        call_command("syndication_resume", stdout=out)
    assert "enqueued 1" in out.getvalue()
    assert rows()[0].status == "sent"
