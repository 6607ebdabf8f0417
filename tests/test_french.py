"""French as a librarian would write it.

- every field of the project's models has a label translated into French (the labels are
  what *Mes données*, its export and the admin columns show);
- French pages, *Mes données* and its export contain no English source string of the
  catalogue, no raw score, no language code;
- names take their elision and article (près d’Aix, de la Médiathèque …);
- account emails speak as the network and point at the site.
"""

# ruff: noqa: F811  (pytest fixtures imported from the privacy tests)

import re
from html import unescape

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core import mail
from django.db import models
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise
from wagtail.models import Page

from cms.french import elide
from cms.languages import language_name
from feeds.models import FeedEntry
from tests.community.life_helpers import _fresh_cache, club, people  # noqa: F401
from tests.community.test_privacy import world  # noqa: F401
from tests.test_i18n import PO_FILE

PROJECT_APPS = {"cms", "community", "outreach", "privacy", "reach", "feeds"}
# Technical tables nobody reads as a person (the search index is rebuilt from the models;
# the Facebook outbox's columns are shown through labelled admin columns).
NOT_SHOWN = {"search", "feeds.Syndication", "feeds.FacebookConnection", "feeds.AdCampaign"}
# Words that are the same in both languages.
SAME_IN_FRENCH = {
    "publication",
    "Facebook",
    "latitude",
    "longitude",
    "signature",
    "position",
    "code",
    "slug",
    "commune",
    "type",
    "ISBN / EAN",
    "introduction",
    "image",
    "description",
    "services",
    "action",
    "sanction",
    "source",
    "prospect",
    "score",
    "message",
}
PAGE_FIELDS = {f.name for f in Page._meta.get_fields()}


def _project_fields():
    for model in apps.get_models():
        label = model._meta.label
        if model._meta.app_label not in PROJECT_APPS or label in NOT_SHOWN:
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, models.Field) or field.auto_created:
                continue
            if field.name in PAGE_FIELDS and issubclass(model, Page):
                continue
            if isinstance(field, GenericRelation) or field.name in ("id", "sort_order"):
                continue
            if field.name.endswith("_ptr"):
                continue
            yield label, field


def test_every_field_a_person_can_see_has_a_french_label():
    untranslated = []
    for label, field in _project_fields():
        name = field.verbose_name
        if not isinstance(name, Promise):
            untranslated.append(f"{label}.{field.name}: {name!r} (not marked for translation)")
            continue
        with translation.override("en"):
            english = str(name)
        with translation.override("fr"):
            french = str(name)
        if french == english and english not in SAME_IN_FRENCH:
            untranslated.append(f"{label}.{field.name}: {english!r} has no French translation")
    assert untranslated == []


def _english_sources() -> set[str]:
    """Source strings of the catalogue whose French differs, long enough to be recognised
    in a page (two words at least, no placeholder)."""
    sources = set()
    for entry in polib.pofile(str(PO_FILE)):
        if entry.obsolete or not entry.msgstr or entry.msgstr == entry.msgid:
            continue
        if re.search(r"%\(|\{|<|\n", entry.msgid) or len(entry.msgid.split()) < 2:
            continue
        sources.add(entry.msgid)
    return sources


def _text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _untranslated(text: str, sources: set[str]) -> list[str]:
    return sorted(s for s in sources if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text))


def _auto_labels() -> set[str]:
    """The English labels Django makes up for a field without one ("Created at")."""
    labels = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.Field):
                labels.add(field.name.replace("_", " ").capitalize())
    return {label for label in labels if " " in label}


@pytest.mark.django_db
def test_my_data_and_its_export_are_all_french(world):
    member = world["member"]
    FeedEntry.objects.update_or_create(
        member=member,
        kind="event",
        object_id=world["event"].pk,
        defaults={"score": 358.1867471502982, "reason": "Parce que vous suivez Science-fiction"},
    )
    client = world["client"]
    page = client.get("/compte/donnees/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = _text(page.content.decode())
    assert _untranslated(text, _english_sources()) == []
    headers = set(re.findall(r"<t[hd][^>]*>\s*([^<]+?)\s*</t[hd]>", page.content.decode()))
    headers |= set(re.findall(r"<dt[^>]*>\s*([^<]+?)\s*</dt>", page.content.decode()))
    assert headers & _auto_labels() == set()
    assert "358,19" in text
    assert not re.search(r"\d,\d{5,}", text), "a raw score is shown"

    export = client.get("/compte/donnees/telecharger/", HTTP_ACCEPT_LANGUAGE="fr").json()
    labels = {label for section in export["sections"] for label in section["fields"].values()}
    titles = {section["title"] for section in export["sections"]}
    assert (labels | titles) & _auto_labels() == set()
    english = _english_sources()
    assert sorted((labels | titles) & english) == []


@pytest.mark.django_db
def test_public_and_member_pages_contain_no_english_source_string(world, branches):
    sources = _english_sources()
    visitor = Client(HTTP_ACCEPT_LANGUAGE="fr")
    member = world["client"]
    pages = [
        (visitor, "/"),
        (visitor, "/?commune=Aix-en-Provence"),
        (visitor, "/agenda/"),
        (visitor, "/agenda/?vue=mois"),
        (visitor, "/agenda/?vue=semaine&public=ado&places=1"),
        (visitor, "/communautes/"),
        (visitor, "/mediatheques/"),
        (visitor, "/recherche/?q=roman"),
        (visitor, "/confidentialite/"),
        (visitor, "/comptes/login/"),
        (visitor, "/comptes/signup/"),
        (visitor, "/comptes/password/reset/"),
        (member, "/fil/"),
        (member, "/profil/"),
        (member, "/profil/public/"),
        (member, world["event"].url),
        (member, "/notifications/"),
        (member, "/ma-mediatheque/"),
    ]
    found = {}
    for client, url in pages:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        missed = _untranslated(_text(response.content.decode()), sources)
        if missed:
            found[url] = missed
    assert found == {}


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Médiathèques près de Aix-en-Provence", "Médiathèques près d’Aix-en-Provence"),
        ("depuis le centre de Aubagne.", "depuis le centre d’Aubagne."),
        (
            "S’abonner à l’agenda de Médiathèque Marcel-Pagnol",
            "S’abonner à l’agenda de la Médiathèque Marcel-Pagnol",
        ),
        ("Disponible à Bibliothèque Méjanes", "Disponible à la Bibliothèque Méjanes"),
        ("Disponible à Archives et bibliothèque", "Disponible aux Archives et bibliothèque"),
        ("près de Le Rove", "près du Rove"),
        ("près de Les Pennes-Mirabeau", "près des Pennes-Mirabeau"),
        ("à Le Puy-Sainte-Réparade", "au Puy-Sainte-Réparade"),
        ("près de La Ciotat", "près de La Ciotat"),
        ("près de Marseille", "près de Marseille"),
        ("avenue de Hambourg", "avenue de Hambourg"),
        ("L’équipe de Réseau des médiathèques", "L’équipe du Réseau des médiathèques"),
    ],
)
def test_elision_and_articles_before_names(sentence, expected):
    assert elide(sentence, "fr") == expected
    assert elide(sentence, "en") == sentence


@pytest.mark.django_db
def test_pages_write_names_with_their_elision(client, branches):
    home = client.get("/?commune=Aix-en-Provence", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Médiathèques près d’Aix-en-Provence" in _text(home.content.decode())
    assert "près de Aix" not in _text(home.content.decode())


@pytest.mark.parametrize(
    "code, french",
    [
        ("fre", "français"),
        ("fra", "français"),
        ("eng", "anglais"),
        ("ger", "allemand"),
        ("oci", "occitan"),
        ("en", "anglais"),
        ("xyz", "xyz"),
        ("", ""),
    ],
)
def test_language_codes_are_shown_as_names(code, french):
    assert language_name(code, "fr") == french


def test_language_names_follow_the_page_language():
    assert language_name("fre", "en") == "French"


@pytest.mark.django_db
def test_account_emails_speak_as_the_network(client):
    response = client.post(
        "/comptes/signup/",
        {
            "email": "nouvelle@example.org",
            "password1": "Un-mot-de-passe-2026",
            "password2": "Un-mot-de-passe-2026",
        },
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code in (200, 302)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert body.startswith("Bonjour,")
    network = settings.AFFINITES_NETWORK_NAME
    assert elide(f"L’équipe de {network}", "fr") in body
    assert settings.WAGTAILADMIN_BASE_URL in body
    assert "c'est" not in body.lower() and "c’est" not in body.lower()
    assert _untranslated(body, _english_sources()) == []


@pytest.mark.django_db
def test_admin_lists_speak_french(client, network_admin, world):
    client.force_login(network_admin)
    memberships = client.get("/admin/memberships/", HTTP_ACCEPT_LANGUAGE="fr")
    assert memberships.status_code == 200
    headers = _text(" ".join(re.findall(r"(?s)<th\b.*?</th>", memberships.content.decode())))
    assert "Membre" in headers and "Communauté" in headers
    assert not re.search(r"\b(User|Community)\b", headers)


@pytest.mark.django_db
def test_allauth_pages_use_the_sites_wording(client):
    login = _text(client.get("/comptes/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Pas encore de compte ?" in login
    assert "merci de vous enregistrer au préalable" not in login
    signup = _text(client.get("/comptes/signup/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Vous pouvez donc" not in signup
    reset = _text(
        client.get("/comptes/password/reset/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert "L’équipe de votre médiathèque peut vous aider." in reset
