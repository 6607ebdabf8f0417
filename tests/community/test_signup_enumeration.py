"""Signing up does not tell who has an account: the same page and words for a new address
and for one that already has an account (its owner gets an email instead), at the same cost
(the password is hashed either way)."""

import re

import pytest
from django.contrib.auth import hashers
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from community.models import User
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SECRET = "une-phrase-secrete-42"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _sign_up(email: str) -> str:
    """What the visitor sees after signing up (the page and the next page), address masked."""
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {"email": email, "password1": SECRET, "password2": SECRET},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("account_email_verification_sent"), 302)]
    shown = response.content.decode() + client.get(reverse("account_login")).content.decode()
    shown = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", shown)
    return shown.replace(email, "ADRESSE")


def test_the_same_page_for_a_new_an_existing_and_a_recently_tried_address():
    make_user("deja@example.org")
    new = _sign_up("nouvelle@example.org")
    existing = _sign_up("deja@example.org")
    # tried again within allauth's email cooldown: no second email goes out, same page
    again = _sign_up("deja@example.org")
    also_new = _sign_up("autre@example.org")
    assert new == existing == again == also_new
    assert "Vérifiez votre adresse e-mail" in new
    assert "ADRESSE" not in new  # the address is not echoed (nor a message about it)
    assert User.objects.filter(email="deja@example.org").count() == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["nouvelle@example.org"], "[Affinités] Confirmez votre adresse e-mail"),
        (["deja@example.org"], "[Affinités] Ce compte existe déjà"),
        (["autre@example.org"], "[Affinités] Confirmez votre adresse e-mail"),
    ]


def test_an_existing_address_costs_a_password_hash_too(monkeypatch):
    make_user("deja@example.org")
    hashed = []
    real = hashers.make_password

    def counting(password, *args, **kwargs):
        hashed.append(password)
        return real(password, *args, **kwargs)

    for where in ("django.contrib.auth.base_user", "community.account_forms"):
        monkeypatch.setattr(f"{where}.make_password", counting)
    _sign_up("nouvelle@example.org")
    _sign_up("deja@example.org")
    assert hashed == [SECRET, SECRET]
