"""A new account is credited to the partner whose questionnaire the person answered, then
the prospect is merged: by email (merged when the address is confirmed) and through
Facebook (the address arrives verified: merged at once, after the credit)."""

import pytest
from allauth.account.models import EmailAddress
from allauth.core.context import request_context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from community.journey import Step
from community.models import User
from community.outreach.models import Partner, Prospect
from community.reach.models import FunnelCount

pytestmark = pytest.mark.django_db

EMAIL = "camille@example.org"


@pytest.fixture
def prospect(taxonomy, branches):
    partner = Partner.objects.create(
        slug="ville-aubagne", name="Ville d'Aubagne", allowed_origins="https://www.aubagne.fr"
    )
    prospect = Prospect.objects.create(
        email=EMAIL.upper(),
        partner=partner,
        nearest_branch=branches["aubagne"],
        commune_insee="13005",
        last_contact_at=timezone.now(),
    )
    prospect.interests.set([taxonomy["manga"]])
    return prospect


def _account_created_rows() -> dict:
    return {
        (row.source, row.branch_id, row.interest_id): row.count
        for row in FunnelCount.objects.filter(step=Step.ACCOUNT_CREATED)
    }


def _facebook_signup(settings, email: str):
    settings.SOCIALACCOUNT_PROVIDERS = {
        **settings.SOCIALACCOUNT_PROVIDERS,
        "facebook": {
            **settings.SOCIALACCOUNT_PROVIDERS.get("facebook", {}),
            "APPS": [{"client_id": "123", "secret": "s3cret", "key": ""}],
        },
    }
    request = RequestFactory().get("/comptes/facebook/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.session.save()
    MessageMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    with request_context(request):  # what allauth's middleware does for each request
        # What the Facebook provider hands over after the OAuth callback.
        login = SocialLogin(
            user=User(email=email),
            account=SocialAccount(provider="facebook", uid="10001", extra_data={"id": "10001"}),
            email_addresses=[EmailAddress(email=email, verified=True, primary=True)],
            provider=get_adapter().get_provider(request, "facebook"),
        )
        return complete_social_login(request, login)


def test_an_email_sign_up_is_credited_to_the_partner_and_merged_on_confirmation(
    client, prospect, branches, taxonomy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": EMAIL, "password1": "phrase-42-xyz!", "password2": "phrase-42-xyz!"},
        )
    aubagne = branches["aubagne"].pk
    assert _account_created_rows() == {
        ("ville-aubagne", aubagne, None): 1,
        ("ville-aubagne", aubagne, taxonomy["manga"].pk): 1,
    }
    prospect.refresh_from_db()
    assert prospect.merged_into is None  # the address is not verified yet

    user = User.objects.get(email=EMAIL)
    address = EmailAddress.objects.get(user=user)
    from allauth.account.signals import email_confirmed

    address.verified = True
    address.save()
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    prospect.refresh_from_db()
    assert prospect.merged_into == user
    assert list(user.interests.all()) == [taxonomy["manga"]]
    assert _account_created_rows()[("ville-aubagne", aubagne, None)] == 1  # counted once


def test_a_facebook_sign_up_is_credited_to_the_partner_then_merged(
    settings, prospect, branches, taxonomy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _facebook_signup(settings, EMAIL)

    user = User.objects.get(email=EMAIL)
    prospect.refresh_from_db()
    assert prospect.merged_into == user
    assert user.commune_insee == "13005"
    aubagne = branches["aubagne"].pk
    assert _account_created_rows() == {
        ("ville-aubagne", aubagne, None): 1,
        ("ville-aubagne", aubagne, taxonomy["manga"].pk): 1,
    }


def test_a_facebook_sign_up_without_a_prospect_is_counted_once_as_direct(
    settings, branches, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _facebook_signup(settings, "lou@example.org")
    assert User.objects.filter(email="lou@example.org").exists()
    assert _account_created_rows() == {("direct", None, None): 1}
