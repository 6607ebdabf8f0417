"""Consent belongs to the person who gave it: double opt-in on the partner questionnaire.

Attacks tried here: answering with someone else's address (a member's, a prospect's),
replaying a form token, following an expired or forged confirmation link, flooding an
address with confirmation emails. The owner of the address is the only one who can make a
consent active; until then the only email sent is the confirmation.
"""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from community.journey import Step
from community.outreach import security
from community.outreach.consents import Purpose, active_consents, consent_text, give_consent
from community.outreach.models import AnswerCount, ConsentRecord, Prospect, SpentFormToken
from community.privacy.retention import run_retention
from community.reach.models import FunnelCount
from tests.community.test_outreach import (
    _clean_limits,  # noqa: F401  (autouse fixture)
    consent,
    local,
    old_token,
    post,
)
from tests.community.test_outreach import partner as partner  # noqa: F401  (fixture)
from tests.conftest import make_user

VICTIM = "victime@example.org"


def submit(client, data, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return post(client, data, **kwargs)


def link_in(message) -> str:
    return local(re.search(r"https?://\S+/consentement/confirmer/\S+/", message.body).group(0))


def test_answering_with_a_members_address_gives_them_no_consent_and_only_a_confirmation(
    client, partner, taxonomy
):
    victim = make_user(VICTIM)
    attacker = client
    response = submit(
        attacker,
        consent(taxonomy, purposes=("suggestions_email", "recontact"), email=VICTIM.upper()),
    )
    assert response.status_code == 200
    # nothing in force in the victim's name
    assert not active_consents(user=victim, email=VICTIM).exists()
    assert ConsentRecord.objects.filter(confirmed_at__isnull=False).count() == 0
    # only the confirmation email reached them: no result, no withdrawal list, no invitation
    [message] = mail.outbox
    assert message.to == [VICTIM]
    assert "Confirmez votre adresse" in message.subject
    assert "/comptes/signup/" not in message.body and "Pagnol" not in message.body
    assert "Si ce n’était pas vous, ne faites rien" in message.body
    # "Mes consentements" of the victim stays empty
    from django.test import Client

    owner = Client()
    owner.force_login(victim)
    page = owner.get(reverse("privacy:my_data")).content.decode()
    section = re.search(r'<section id="consentements".*?</section>', page, re.S).group(0)
    assert "Vous n’avez aucun consentement en cours." in section
    assert "withdraw" not in section and "retirer" not in section.lower()


def test_a_confirmed_prospect_is_not_changed_by_someone_else_answering(client, partner, taxonomy):
    prospect = Prospect.objects.create(
        email=VICTIM, commune_insee="13004", commune_name="Arles", last_contact_at=timezone.now()
    )
    prospect.interests.set([taxonomy["cuisine"]])
    give_consent(
        purpose=Purpose.SUGGESTIONS_EMAIL,
        text=consent_text(Purpose.SUGGESTIONS_EMAIL),
        source="demo",
        prospect=prospect,
    )
    submit(client, consent(taxonomy, email=VICTIM))
    prospect.refresh_from_db()
    assert prospect.commune_name == "Arles"
    assert list(prospect.interests.all()) == [taxonomy["cuisine"]]
    [message] = mail.outbox  # the confirmation only, not a result
    assert "/consentement/confirmer/" in message.body


def test_the_owner_confirms_then_gets_the_results_once(client, partner, taxonomy, branches):
    submit(client, consent(taxonomy, email=VICTIM))
    [confirmation] = mail.outbox
    mail.outbox.clear()
    url = link_in(confirmation)
    ask = client.get(url)
    assert ask.status_code == 200 and "C’était moi : je confirme" in ask.content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        done = client.post(url)
    assert "vos choix sont confirmés" in done.content.decode()
    assert active_consents(email=VICTIM).count() == 1
    [result] = mail.outbox
    assert "Médiathèque Marcel Pagnol" in result.subject
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = client.post(url)
    assert "déjà confirmés" in again.content.decode()
    assert len(mail.outbox) == 1  # a link confirms once
    assert "déjà confirmés" in client.get(url).content.decode()


def test_a_replayed_form_token_is_refused(client, partner, taxonomy):
    data = consent(taxonomy, token=old_token(age=20))
    assert submit(client, data).status_code == 200
    replay = submit(client, data, ip="198.51.100.50")
    assert replay.status_code == 409
    assert replay.json()["code"] == "token_used"
    assert "déjà été envoyé" in replay.json()["error"]
    assert AnswerCount.objects.get(interest=taxonomy["sf"]).answers == 1
    assert len(mail.outbox) == 1
    # an answer refused as invalid does not spend the token: the person corrects and sends
    fresh = old_token(age=20)
    assert submit(client, consent(taxonomy, token=fresh, commune="")).status_code == 400
    assert submit(client, consent(taxonomy, token=fresh), ip="198.51.100.51").status_code == 200


def test_an_expired_link_says_so_and_confirms_nothing(client, partner, taxonomy, settings):
    submit(client, consent(taxonomy, email=VICTIM))
    url = link_in(mail.outbox[0])
    later = timezone.now() + timedelta(days=settings.CONSENT_CONFIRMATION_DAYS, hours=1)
    with mock.patch("time.time", return_value=later.timestamp()):
        page = client.get(url)
        posted = client.post(url)
    for response in (page, posted):
        assert response.status_code == 410
        assert "Ce lien de confirmation a expiré" in response.content.decode()
    assert not ConsentRecord.objects.filter(confirmed_at__isnull=False).exists()


def test_a_forged_link_is_refused(client, partner, taxonomy):
    submit(client, consent(taxonomy, email=VICTIM))
    url = link_in(mail.outbox[0])
    forged = url[:-6] + ("A" if url[-6] != "A" else "B") + url[-5:]
    response = client.post(forged)
    assert response.status_code == 404
    assert "incomplet ou a été modifié" in response.content.decode()
    assert not ConsentRecord.objects.filter(confirmed_at__isnull=False).exists()


def test_unconfirmed_consents_expire_and_are_purged(client, partner, taxonomy, settings):
    submit(client, consent(taxonomy, email=VICTIM))
    submit(client, consent(taxonomy, email="owner@example.org", token=old_token(age=25)))
    owner_link = link_in(mail.outbox[1])
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(owner_link)
    later = timezone.now() + timedelta(days=settings.CONSENT_CONFIRMATION_DAYS + 1)
    log = run_retention(now=later, force=True)
    assert log.consents_deleted >= 1 and log.prospects_deleted >= 1
    assert not Prospect.objects.filter(email=VICTIM).exists()
    assert not ConsentRecord.objects.filter(confirmed_at__isnull=True).exists()
    assert active_consents(email="owner@example.org").count() == 1  # confirmed ones stay
    assert not SpentFormToken.objects.exists()  # spent tokens forgotten once expired


def test_no_flood_of_confirmation_emails_to_one_address(client, partner, taxonomy, settings):
    settings.AFFINITES_WIDGET = {"MIN_FILL_SECONDS": 3, "RATE_IP": (50, 600)}
    for n in range(5):
        response = submit(client, consent(taxonomy, email=VICTIM, token=old_token(age=10 + n)))
        assert response.status_code == 200
    limit, _window = security.option("CONFIRMATIONS_PER_ADDRESS")
    assert len([m for m in mail.outbox if m.to == [VICTIM]]) == limit


def test_funnel_counts_consents_asked_then_confirmed(client, partner, taxonomy):
    submit(client, consent(taxonomy, email=VICTIM))

    def total(step):
        return sum(
            FunnelCount.objects.filter(step=step, interest__isnull=True).values_list(
                "count", flat=True
            )
        )

    assert total(Step.CONSENT_REQUESTED) == 1
    assert total(Step.CONSENT_GIVEN) == 0
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(link_in(mail.outbox[0]))
    assert total(Step.CONSENT_GIVEN) == 1


def test_a_pending_consent_is_not_carried_over_to_an_account(client, partner, taxonomy):
    from allauth.account.models import EmailAddress
    from allauth.account.signals import email_confirmed

    submit(client, consent(taxonomy, email=VICTIM))
    user = make_user(VICTIM)
    email_confirmed.send(
        sender=EmailAddress, request=None, email_address=EmailAddress.objects.get(user=user)
    )
    assert not ConsentRecord.objects.filter(user=user).exists()
    assert not active_consents(user=user, email=VICTIM).exists()
    assert not user.interests.exists()


@pytest.fixture(autouse=True)
def _db(db):
    return db
