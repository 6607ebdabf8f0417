"""The partner-site questionnaire: widget script, CORS, tokens, bots, rates, consent, merge."""

import gzip
import json
import time

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client, TestCase
from django.urls import reverse

from community.journey import Step, journey_step
from community.outreach import security
from community.outreach.consents import (
    Purpose,
    active_consents,
    consent_text,
    give_consent,
    has_consent,
    truncate_ip,
    withdraw_consent,
    withdrawal_url,
)
from community.outreach.models import (
    AnswerCount,
    ConsentRecord,
    Partner,
    Prospect,
    text_version,
)
from tests.conftest import make_user

ORIGIN = "https://www.ville-aubagne.fr"


@pytest.fixture(autouse=True)
def _clean_limits(settings):
    from django.core.cache import cache

    cache.clear()
    settings.AFFINITES_WIDGET = {"MIN_FILL_SECONDS": 3}
    yield
    cache.clear()


@pytest.fixture
def partner(db, branches):
    p = Partner.objects.create(
        slug="demo",
        name="Ville d'Aubagne",
        allowed_origins=f"{ORIGIN}\nhttp://127.0.0.1:8001",
        primary_colour="#0f4c5c",
        delay_seconds=None,
    )
    return p


@pytest.fixture
def steps():
    received = []

    def listener(sender, **kwargs):
        received.append(kwargs)

    journey_step.connect(listener, dispatch_uid="test-outreach-steps")
    yield received
    journey_step.disconnect(dispatch_uid="test-outreach-steps")


def old_token(slug="demo", age=10):
    return security.issue_token(slug, now=time.time() - age)


def answer(taxonomy, **overrides):
    data = {
        "token": old_token(),
        "website": "",
        "interests": [taxonomy["sf"].pk, taxonomy["manga"].pk],
        "commune": "13005",  # Aubagne (INSEE)
        "purposes": [],
        "versions": {},
        "email": "",
        "under_15": False,
        "parental": False,
    }
    data.update(overrides)
    return data


def consent(taxonomy, purposes=("suggestions_email",), **overrides):
    overrides.setdefault("email", "Lea@Example.org")
    return answer(
        taxonomy,
        purposes=list(purposes),
        versions={p: text_version(consent_text(p)) for p in purposes},
        **overrides,
    )


def post(client, data, slug="demo", origin=ORIGIN, ip="203.0.113.77"):
    return client.post(
        reverse("outreach:submit", args=[slug]),
        data=json.dumps(data),
        content_type="application/json",
        headers={"Origin": origin},
        REMOTE_ADDR=ip,
    )


# --- The script ----------------------------------------------------------------------------


def test_widget_script_is_cached_with_an_etag_and_small(client, db):
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=86400" in response["Cache-Control"]
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    body = response.content
    assert b"/*FALLBACK*/" not in body
    assert "Votre médiathèque a un lien avec vos passions".encode() in body
    assert b"eval(" not in body and b"innerHTML" not in body
    gzipped = len(gzip.compress(body, compresslevel=9))
    assert gzipped <= 15 * 1024, f"widget.js is {gzipped} bytes gzipped"
    again = client.get("/widget.js", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert not response.cookies


# --- CORS ----------------------------------------------------------------------------------


def test_config_for_a_declared_origin(
    client, partner, taxonomy, steps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("outreach:config", args=["demo"]), headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response["Vary"]
    assert not response.cookies
    data = response.json()
    assert data["partner"]["primary"] == "#0f4c5c"
    assert data["partner"]["on_primary"] == "#ffffff"
    assert data["texts"]["title"] == "Votre médiathèque a un lien avec vos passions"
    groups = {g["name"]: [c["name"] for c in g["choices"]] for g in data["interests"]}
    assert groups["Imaginaire"] == ["Science-fiction", "Fantasy"]
    assert groups["Autres centres d’intérêt"] == ["Cuisine"]
    purposes = {p["purpose"]: p for p in data["purposes"]}
    assert purposes["suggestions_email"]["label"] == "Recevoir des suggestions par e-mail"
    assert purposes["recontact"]["label"] == "Être recontacté·e par la médiathèque"
    assert purposes["recontact"]["version"] == text_version(consent_text("recontact"))
    assert security.check_token(data["token"], "demo", now=time.time() + 5).ok
    assert [s["step"] for s in steps] == [Step.WIDGET_SHOWN]
    assert steps[0]["source"] == "demo"


def test_origin_normalisation_accepts_the_same_origin_written_differently(partner):
    assert partner.allows("https://WWW.ville-aubagne.fr:443")
    assert not partner.allows("https://www.ville-aubagne.fr.evil.example")
    assert not partner.allows("http://www.ville-aubagne.fr")
    assert not partner.allows(None)


@pytest.mark.parametrize(
    ("origin", "code"),
    [("https://evil.example", "origin_not_allowed"), (None, "origin_missing")],
)
def test_undeclared_or_missing_origin_is_refused_with_a_reason(client, partner, origin, code):
    headers = {"Origin": origin} if origin else {}
    response = client.get(reverse("outreach:config", args=["demo"]), headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert "token" not in response.json()
    if origin:
        assert "https://evil.example" in response.json()["error"]
        assert "n’est pas parmi les sites déclarés" in response.json()["error"]
    assert response["Access-Control-Allow-Origin"] == "*"  # readable, but carries no data


def test_unknown_or_inactive_partner(client, partner):
    assert client.get("/widget/api/nobody/config/", headers={"Origin": ORIGIN}).status_code == 404
    partner.active = False
    partner.save()
    response = client.get("/widget/api/demo/config/", headers={"Origin": ORIGIN})
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_partner"


def test_preflight(client, partner):
    url = reverse("outreach:submit", args=["demo"])
    ok = client.options(url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert ok.status_code == 204
    assert ok["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in ok["Access-Control-Allow-Methods"]
    assert "Content-Type" in ok["Access-Control-Allow-Headers"]
    refused = client.options(url, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403


def test_submit_from_an_undeclared_origin_stores_nothing(client, partner, taxonomy):
    response = post(client, consent(taxonomy), origin="https://evil.example")
    assert response.status_code == 403
    assert not AnswerCount.objects.exists() and not Prospect.objects.exists()


def test_communes_autocomplete(client, partner):
    response = client.get("/widget/api/demo/communes/?q=auba", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    first = response.json()[0]
    assert first == {"insee": "13005", "name": "Aubagne", "postcodes": ["13400"]}
    too_long = client.get("/widget/api/demo/communes/?q=" + "a" * 101, headers={"Origin": ORIGIN})
    assert too_long.status_code == 400


# --- Token, bots, rates --------------------------------------------------------------------


def test_token_expiry_wrong_partner_and_fill_time():
    assert security.check_token(old_token(age=29 * 60), "demo").ok
    assert security.check_token(old_token(age=31 * 60), "demo").code == "token_expired"
    assert security.check_token(old_token(), "other").code == "token_invalid"
    assert security.check_token("forged:token", "demo").code == "token_invalid"
    assert security.check_token(old_token(age=1), "demo").code == "too_fast"


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (lambda: old_token(age=31 * 60), "token_expired"),
        (lambda: "", "token_invalid"),
        (lambda: old_token(age=0), "too_fast"),
    ],
)
def test_submit_needs_a_fresh_token_filled_by_a_person(client, partner, taxonomy, token, code):
    response = post(client, consent(taxonomy, token=token()))
    assert response.status_code == 403
    assert response.json()["code"] == code
    assert response.json()["error"]
    assert not AnswerCount.objects.exists() and not ConsentRecord.objects.exists()


def test_honeypot(client, partner, taxonomy):
    response = post(client, consent(taxonomy, website="http://spam.example"))
    assert response.status_code == 400
    assert response.json()["code"] == "honeypot"
    assert not AnswerCount.objects.exists() and not Prospect.objects.exists()


def test_rate_limit_per_ip(client, partner, taxonomy, settings):
    settings.AFFINITES_WIDGET = {"RATE_IP": (2, 600)}
    assert post(client, answer(taxonomy)).status_code == 200
    assert post(client, answer(taxonomy)).status_code == 200
    limited = post(client, answer(taxonomy))
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 500
    assert post(client, answer(taxonomy), ip="198.51.100.1").status_code == 200
    assert AnswerCount.objects.get(interest=taxonomy["sf"]).answers == 3


def test_rate_limit_per_partner(client, partner, taxonomy, settings):
    settings.AFFINITES_WIDGET = {"RATE_PARTNER": (2, 3600)}
    assert post(client, answer(taxonomy), ip="198.51.100.1").status_code == 200
    assert post(client, answer(taxonomy), ip="198.51.100.2").status_code == 200
    assert post(client, answer(taxonomy), ip="198.51.100.3").status_code == 429


def test_malformed_bodies_are_4xx(client, partner):
    url = reverse("outreach:submit", args=["demo"])
    for body in ("not json", "[1, 2]", json.dumps({"interests": "x"})):
        response = client.post(
            url, data=body, content_type="application/json", headers={"Origin": ORIGIN}
        )
        assert 400 <= response.status_code < 500


# --- Consent first -------------------------------------------------------------------------


def test_without_consent_only_the_anonymous_count_is_kept(
    client, partner, taxonomy, branches, steps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        # an address typed but no box ticked: it must not be kept
        response = post(client, answer(taxonomy, email="lea@example.org", under_15=True))
    assert response.status_code == 200
    data = response.json()
    assert data["stored"] is False
    assert data["branch"]["name"] == "Médiathèque Marcel Pagnol"
    assert data["branch"]["distance_km"] < 2
    assert set(data["links"]) == {"branch", "community", "account", "card"}
    assert "utm_source=demo" in data["links"]["account"]
    assert not Prospect.objects.exists() and not ConsentRecord.objects.exists()
    assert mail.outbox == []
    counts = AnswerCount.objects.order_by("interest__name")
    assert [(c.interest, c.branch, c.partner, c.answers) for c in counts] == [
        (taxonomy["manga"], branches["aubagne"], partner, 1),
        (taxonomy["sf"], branches["aubagne"], partner, 1),
    ]
    post(client, answer(taxonomy, token=old_token(age=20)), ip="198.51.100.9")
    assert AnswerCount.objects.get(interest=taxonomy["sf"]).answers == 2
    assert [s["step"] for s in steps] == [Step.QUESTIONNAIRE_ANSWERED]
    assert steps[0]["branch"] == branches["aubagne"]


def confirmation_link(message) -> str:
    import re

    found = re.search(r"https?://\S+/consentement/confirmer/\S+/", message.body)
    assert found, message.body
    return found.group(0)


def local(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def confirm_by_mail(client, address="lea@example.org"):
    """The owner of the address follows the confirmation link and presses the button."""
    [message] = [m for m in mail.outbox if m.to == [address] and "confirmer" in m.body]
    mail.outbox.remove(message)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(local(confirmation_link(message)))


def test_with_consent_the_record_keeps_text_version_source_and_truncated_ip(
    client, partner, taxonomy, branches, steps, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, consent(taxonomy, purposes=("suggestions_email", "recontact")))
    assert response.status_code == 200
    assert response.json()["stored"] is True
    assert response.json()["confirmation_sent"] is True
    # double opt-in: pending records and only the confirmation email, nothing of the answer
    assert [s["step"] for s in steps] == [Step.QUESTIONNAIRE_ANSWERED, Step.CONSENT_REQUESTED]
    assert not ConsentRecord.objects.filter(confirmed_at__isnull=False).exists()
    assert not active_consents(email="lea@example.org").exists()
    [message] = mail.outbox
    assert message.to == ["lea@example.org"]
    assert "/consentement/retrait/" not in message.body and "Pagnol" not in message.body
    assert Prospect.objects.get().commune_insee == ""
    steps.clear()
    page = client.get(local(confirmation_link(message)))
    assert page.status_code == 200 and "C’était moi" in page.content.decode()
    assert not ConsentRecord.objects.filter(confirmed_at__isnull=False).exists()  # GET
    assert "Merci : vos choix sont confirmés" in confirm_by_mail(client).content.decode()
    assert [s["step"] for s in steps] == [Step.CONSENT_GIVEN]
    prospect = Prospect.objects.get()
    assert prospect.email == "lea@example.org"
    assert (prospect.commune_insee, prospect.commune_name) == ("13005", "Aubagne")
    assert prospect.nearest_branch == branches["aubagne"]
    assert set(prospect.interests.all()) == {taxonomy["sf"], taxonomy["manga"]}
    records = {r.purpose: r for r in ConsentRecord.objects.all()}
    assert set(records) == {"suggestions_email", "recontact"}
    record = records["suggestions_email"]
    assert record.text == consent_text("suggestions_email")
    assert record.text.startswith("Recevoir des suggestions par e-mail.")
    assert record.version == text_version(record.text) and len(record.version) == 64
    assert record.source == "demo"
    assert record.ip_prefix == "203.0.113.0"
    assert record.prospect == prospect and record.user is None and not record.parental
    assert record.confirmed_at is not None and record.is_active
    # the result email, sent once confirmed, with its one-click withdrawal
    [message] = mail.outbox
    assert message.to == ["lea@example.org"]
    assert "Médiathèque Marcel Pagnol" in message.subject
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith("http") and "/consentement/retrait/" in unsubscribe
    assert unsubscribe in message.body
    assert "/comptes/signup/?email=lea%40example.org" in message.body
    html = message.alternatives[0][0]
    assert unsubscribe in html


def test_answering_again_updates_the_same_prospect(client, partner, taxonomy):
    with TestCase.captureOnCommitCallbacks(execute=True):
        post(client, consent(taxonomy))
    confirm_by_mail(client)
    again = consent(taxonomy, interests=[taxonomy["cuisine"].pk], token=old_token(age=30))
    with TestCase.captureOnCommitCallbacks(execute=True):
        post(client, again)
    prospect = Prospect.objects.get()
    assert set(prospect.interests.all()) == {taxonomy["sf"], taxonomy["manga"]}  # not yet
    confirm_by_mail(client)
    prospect = Prospect.objects.get()
    assert list(prospect.interests.all()) == [taxonomy["cuisine"]]
    assert ConsentRecord.objects.count() == 1  # same person, same text: one record


def test_consent_needs_an_email(client, partner, taxonomy):
    response = post(client, consent(taxonomy, email=""))
    assert response.status_code == 400
    assert "email" in response.json()["fields"]
    assert not AnswerCount.objects.exists() and not Prospect.objects.exists()


def test_under_15_needs_a_parent_for_any_consent(client, partner, taxonomy):
    refused = post(client, consent(taxonomy, under_15=True))
    assert refused.status_code == 400
    assert "parental" in refused.json()["fields"]
    assert "parent" in refused.json()["error"]
    assert not ConsentRecord.objects.exists()
    ok = post(client, consent(taxonomy, under_15=True, parental=True, token=old_token(age=20)))
    assert ok.status_code == 200
    assert ConsentRecord.objects.get().parental is True


def test_stale_consent_text_is_refused(client, partner, taxonomy):
    data = consent(taxonomy)
    data["versions"] = {"suggestions_email": "0" * 64}
    response = post(client, data)
    assert response.status_code == 400
    assert not ConsentRecord.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("interests", []), ("interests", "six"), ("commune", "Nulle-Part-sur-Mer"), ("commune", "")],
)
def test_invalid_answers(client, partner, taxonomy, field, value):
    if value == "six":
        from tests.conftest import make_interest

        value = [make_interest(f"Intérêt {n}").pk for n in range(6)]
    response = post(client, answer(taxonomy, **{field: value}))
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not AnswerCount.objects.exists()


def test_partner_branches_restrict_the_result(client, partner, taxonomy, branches):
    partner.branches.set([branches["arles"]])
    data = post(client, answer(taxonomy)).json()
    assert data["branch"]["name"] == "Médiathèque d'Arles"


def test_truncate_ip():
    assert truncate_ip("203.0.113.77") == "203.0.113.0"
    assert truncate_ip("2001:db8:abcd:12:1:2:3:4") == "2001:db8:abcd::"
    assert truncate_ip("::ffff:198.51.100.7") == "198.51.100.0"
    assert truncate_ip("nonsense") is None


def test_partner_validation(db):
    partner = Partner(
        slug="x",
        name="X",
        allowed_origins="https://ok.example\nhttps://bad.example/path\n*.example.org",
        primary_colour="blue",
    )
    with pytest.raises(ValidationError) as caught:
        partner.full_clean()
    assert set(caught.value.message_dict) == {"allowed_origins", "primary_colour"}
    assert "https://bad.example/path" in caught.value.message_dict["allowed_origins"][0]


# --- Consent API and withdrawal ------------------------------------------------------------


def test_consent_api_for_members(rf, member):
    request = rf.post("/profil/", REMOTE_ADDR="2001:db8:1:2::5")
    text = consent_text(Purpose.DIGEST)
    assert text.startswith("Recevoir la sélection de la semaine par e-mail")
    record = give_consent(
        purpose=Purpose.DIGEST, text=text, source="page:/profil/", request=request, user=member
    )
    assert record.ip_prefix == "2001:db8:1::"
    assert (
        give_consent(purpose=Purpose.DIGEST, text=text, source="page:/profil/", user=member)
        == record
    )
    assert has_consent(member, Purpose.DIGEST)
    assert not has_consent(member, Purpose.RECONTACT)
    assert list(active_consents(email=member.email.upper())) == [record]
    withdraw_consent(record)
    assert not has_consent(member, Purpose.DIGEST)
    assert not active_consents(user=member).exists()
    record.refresh_from_db()
    assert record.withdrawn_at is not None  # kept as proof
    with pytest.raises(ValueError):
        give_consent(purpose=Purpose.DIGEST, text=text, source="x")


def _consented(client, taxonomy):
    with TestCase.captureOnCommitCallbacks(execute=True):
        post(client, consent(taxonomy, purposes=("suggestions_email", "recontact")))
    confirm_by_mail(client)
    return Prospect.objects.get(), list(ConsentRecord.objects.order_by("pk"))


def test_withdrawal_page_asks_then_withdraws(client, partner, taxonomy):
    prospect, records = _consented(client, taxonomy)
    url = withdrawal_url(records)
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200
    assert "Retirer mon consentement" in page.content.decode()
    assert all(r.is_active for r in ConsentRecord.objects.all())  # GET changes nothing
    done = Client(enforce_csrf_checks=True).post("/" + path)
    assert done.status_code == 200
    assert not ConsentRecord.objects.filter(withdrawn_at=None).exists()
    prospect.refresh_from_db()
    assert prospect.commune_insee == "" and not prospect.interests.exists()  # data erased
    assert prospect.email == "lea@example.org"  # the proof keeps its link


def test_one_click_unsubscribe_post_rfc8058(client, partner, taxonomy):
    _prospect, records = _consented(client, taxonomy)
    path = "/" + withdrawal_url(records[0]).split("://", 1)[1].split("/", 1)[1]
    response = Client(enforce_csrf_checks=True).post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    records[0].refresh_from_db()
    records[1].refresh_from_db()
    assert records[0].withdrawn_at is not None and records[1].withdrawn_at is None


def test_withdrawal_with_a_bad_token(client, partner, taxonomy):
    _consented(client, taxonomy)
    assert client.get("/consentement/retrait/forged/").status_code == 404
    assert client.post("/consentement/retrait/forged/").status_code == 404
    assert not ConsentRecord.objects.exclude(withdrawn_at=None).exists()


def test_no_email_once_consent_is_withdrawn(client, partner, taxonomy):
    from community.outreach.tasks import send_prospect_result

    prospect, records = _consented(client, taxonomy)
    for record in records:
        withdraw_consent(record)
    mail.outbox.clear()
    assert send_prospect_result.call(prospect.pk, [r.pk for r in records]) is False
    assert mail.outbox == []


# --- Prospects become members --------------------------------------------------------------


def test_verified_account_inherits_the_prospect(
    client, partner, taxonomy, branches, steps, django_capture_on_commit_callbacks
):
    _prospect, records = _consented(client, taxonomy)
    steps.clear()
    user = make_user("lea@example.org", verified=False)
    address = EmailAddress.objects.get(user=user)
    address.verified = True
    address.save()
    with django_capture_on_commit_callbacks(execute=True):
        email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    user.refresh_from_db()
    assert set(user.interests.all()) == {taxonomy["sf"], taxonomy["manga"]}
    assert (user.commune_insee, user.commune_name) == ("13005", "Aubagne")
    assert user.home_branch == branches["aubagne"]
    assert set(ConsentRecord.objects.filter(user=user)) == set(records)
    assert has_consent(user, Purpose.SUGGESTIONS_EMAIL)
    prospect = Prospect.objects.get()  # merged, not duplicated
    assert prospect.merged_into == user and prospect.merged_at is not None
    # Merging counts nothing: the sign-up is counted once, by community.reach on
    # user_signed_up, credited to the prospect's partner (tests/community/test_reach.py).
    assert [s["step"] for s in steps if s["step"] == Step.ACCOUNT_CREATED] == []
    # confirming again changes nothing
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert Prospect.objects.count() == 1


def test_member_choices_are_kept_when_merging(client, partner, taxonomy, branches):
    _consented(client, taxonomy)
    user = make_user("LEA@example.org", commune_insee="13004", commune_name="Arles")
    user.interests.add(taxonomy["cuisine"])
    address = EmailAddress.objects.get(user=user)
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    user.refresh_from_db()
    assert list(user.interests.all()) == [taxonomy["cuisine"]]
    assert user.commune_name == "Arles"
    assert Prospect.objects.get().merged_into == user


def test_sign_up_with_the_invitation_then_verify(
    client, partner, taxonomy, django_capture_on_commit_callbacks
):
    import re

    with django_capture_on_commit_callbacks(execute=True):
        post(client, consent(taxonomy))
    confirm_by_mail(client)
    invitation = re.search(r"https?://\S+/comptes/signup/\?\S+", mail.outbox[0].body).group(0)
    path = "/" + invitation.split("://", 1)[1].split("/", 1)[1]
    page = client.get(path)
    assert 'value="lea@example.org"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "lea@example.org",
                "password1": "une-phrase-42!",
                "password2": "une-phrase-42!",
            },
        )
    confirm = re.search(r"https?://\S+/comptes/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    confirm_path = "/" + confirm.split("://", 1)[1].split("/", 1)[1]
    client.post(confirm_path)
    prospect = Prospect.objects.get()
    assert prospect.merged_into is not None
    assert prospect.merged_into.email == "lea@example.org"
    assert prospect.merged_into.interests.count() == 2


# --- Admin ---------------------------------------------------------------------------------


def test_network_admins_manage_partners(client, network_admin, librarian, partner):
    client.force_login(network_admin)
    assert client.get("/admin/snippets/outreach/partner/").status_code == 200
    edit = client.get(f"/admin/snippets/outreach/partner/edit/{partner.pk}/")
    assert edit.status_code == 200
    client.force_login(librarian)
    assert client.get("/admin/snippets/outreach/partner/").status_code in (302, 403)


def test_consent_proof_export(client, network_admin, librarian, partner, taxonomy):
    _consented(client, taxonomy)
    url = reverse("outreach_consent_proof")
    client.force_login(librarian)
    assert client.get(url, {"email": "lea@example.org"}).status_code in (302, 403)
    client.force_login(network_admin)
    page = client.get(url, {"email": "LEA@example.org"})
    assert page.status_code == 200
    assert "Recevoir des suggestions par e-mail" in page.content.decode()
    bad = client.get(url, {"email": "not-an-email"})
    assert "Saisissez une adresse e-mail valide" in bad.content.decode() or bad.status_code == 200
    csv_response = client.get(url, {"email": "lea@example.org", "format": "csv"})
    assert csv_response["Content-Disposition"].startswith("attachment;")
    text = csv_response.content.decode("utf-8-sig")
    lines = text.strip().split("\r\n")
    assert lines[0].startswith("id;email;purpose")
    assert len(lines) == 3
    assert text_version(consent_text("recontact")) in text
    assert "203.0.113.0" in text
    data = json.loads(client.get(url, {"email": "lea@example.org", "format": "json"}).content)
    assert {c["purpose"] for c in data["consents"]} == {"suggestions_email", "recontact"}
    record = data["consents"][0]
    assert record["text"] == consent_text(record["purpose"])
    assert record["source"] == "demo" and record["given_at"]
    assert data["prospects"][0]["commune_name"] == "Aubagne"
    assert sorted(data["prospects"][0]["interests"]) == ["Manga", "Science-fiction"]


def test_demo_partner_is_idempotent(db):
    from community.demo.loader import Tally
    from community.outreach.demo import load_partners
    from tests.conftest import make_branch

    aubagne = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        slug="marcel-pagnol-aubagne",
    )
    assert load_partners(Tally).created == 1
    partner = Partner.objects.get(slug="ville-aubagne")
    assert partner.allows("http://127.0.0.1:8001")
    assert list(partner.branches.all()) == [aubagne]
    assert load_partners(Tally).unchanged == 1
    assert Partner.objects.count() == 1


def test_sign_up_merges_only_a_verified_address(client, partner, taxonomy):
    from allauth.account.signals import user_signed_up

    _consented(client, taxonomy)
    user = make_user("lea@example.org", verified=False)
    user_signed_up.send(sender=type(user), request=None, user=user)
    assert Prospect.objects.get().merged_into is None  # not proven to be theirs yet
    EmailAddress.objects.filter(user=user).update(verified=True)  # e.g. a Facebook sign-up
    user_signed_up.send(sender=type(user), request=None, user=user)
    assert Prospect.objects.get().merged_into == user


def test_result_suggests_events_then_available_items(client, partner, taxonomy, branches):
    from cms.models import CatalogueItem, Holding
    from tests.community.test_events import make_event

    aubagne = branches["aubagne"]
    event = make_event("Club science-fiction", branch=aubagne)
    event.interests.set([taxonomy["imaginaire"]])  # the parent matches a chosen child
    event.save()
    make_event("Atelier cuisine", branch=aubagne).interests.set([taxonomy["cuisine"]])
    for record_id, title, status in [("R1", "Dune", "disponible"), ("R2", "Hypérion", "emprunte")]:
        item = CatalogueItem.objects.create(
            record_id=record_id, title=title, authors="Herbert, Frank", year=1965
        )
        item.interests.set([taxonomy["sf"]])
        item.save()
        Holding.objects.create(item=item, branch=aubagne, status=status)
    data = post(client, answer(taxonomy)).json()
    assert [(s["kind"], s["title"]) for s in data["suggestions"]] == [
        ("event", "Club science-fiction"),
        ("item", "Dune"),
    ]
    assert data["suggestions"][1]["url"].endswith("/recherche/notice/R1/")
    assert data["suggestions"][1]["detail"] == "Herbert, Frank, 1965"


def test_deleting_the_account_deletes_the_merged_prospect_and_its_consents(
    client, partner, taxonomy
):
    _consented(client, taxonomy)
    user = make_user("lea@example.org")
    email_confirmed.send(
        sender=EmailAddress, request=None, email_address=EmailAddress.objects.get(user=user)
    )
    assert Prospect.objects.get().merged_into == user
    user.delete()
    assert not Prospect.objects.filter(email__iexact="lea@example.org").exists()
    assert not ConsentRecord.objects.exists()
