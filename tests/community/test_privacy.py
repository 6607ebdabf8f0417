"""Members' rights: the export holds every personal field, deleting an account leaves no
trace of the member anywhere in the database, consents are withdrawn from "My data"."""

# ruff: noqa: F811  (pytest fixtures imported from tests.community.life_helpers)

import json
import time
from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.utils import timezone

from community.actions import moderation
from community.actions.events import register_for_event
from community.actions.reactions import add_reaction
from community.actions.social import block, follow
from community.models import Comment, FollowedInterest, Post, Report, User
from community.privacy.erasure import DEPARTED_NAME, delete_account, departed_member
from community.privacy.export import as_json, member_data
from community.privacy.personal_data import member_relations
from tests.cms.library_factories import make_event
from tests.community.life_helpers import (  # noqa: F401  (fixtures)
    _fresh_cache,
    club,
    join,
    make_comment,
    make_post,
    people,
    png_bytes,
)
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db

EMAIL = "leocadie.fontanarosa@example.org"
NAME = "Léocadie Fontanarosa"
HANDLE = "leocadie_f"

outreach_installed = apps.is_installed("community.outreach")
needs_outreach = pytest.mark.skipif(
    not outreach_installed, reason="community.outreach is not installed"
)


@pytest.fixture
def world(club, branches, taxonomy, people, django_capture_on_commit_callbacks):
    """The member with a bit of everything the project stores about someone (on-commit
    side effects run: notifications are written as in production)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _world(club, branches, taxonomy, people)


def _world(club, branches, taxonomy, people):
    member = make_user(
        EMAIL,
        display_name=NAME,
        first_name="Léocadie",
        last_name="Fontanarosa",
        handle=HANDLE,
        bio="Lectrice de SF depuis toujours.",
        commune_insee="13005",
        commune_name="Aubagne",
        latitude=43.2925,
        longitude=5.5693,
        home_branch=branches["aubagne"],
        notify_by_email=True,
        profile_visibility="public",
    )
    member.avatar.save("avatar-leocadie.png", ContentFile(png_bytes()), save=True)
    FollowedInterest.objects.create(user=member, interest=taxonomy["sf"], is_public=True)
    join(member, club)
    other = people["member"]  # "Sam", also in the club
    moderator = people["moderator"]
    bystander = people["outsider"]

    own_post = make_post(member, club, "Mon avis sur « Les Furtifs » d'Alain Damasio.")
    others_post = make_post(other, club, f"@{HANDLE} tu as lu « La Horde du Contrevent » ?")
    make_comment(member, others_post, "Oui, trois fois !")  # notifies Sam, with the name
    make_comment(other, own_post, "Je le note.")
    add_reaction(member, others_post, "like")
    follow(member, other)
    follow(other, member)
    block(member, bystander)
    moderation.report(other, reason="spam", post=own_post, details="Publicité ?")
    moderation.report(member, reason="spam", post=others_post, details="Hors sujet")
    moderation.warn(moderator, member, "Restez courtois.", community=club)

    event = make_event(
        "Club de lecture SF", branch=branches["aubagne"], registration_required=True, capacity=10
    )
    register_for_event(member, event)
    SocialAccount.objects.create(
        user=member,
        provider="facebook",
        uid="10203040506070",
        extra_data={"name": NAME, "email": EMAIL},
    )
    client = Client()
    client.force_login(member)
    return {
        "member": member,
        "other": other,
        "moderator": moderator,
        "own_post": own_post,
        "others_post": others_post,
        "event": event,
        "client": client,
    }


@pytest.fixture
def consents(world):
    if not outreach_installed:
        return {}
    from community.outreach.consents import give_consent
    from community.outreach.models import Prospect, Purpose

    member = world["member"]
    digest = give_consent(
        purpose=Purpose.DIGEST,
        text="Recevoir la sélection de la semaine par e-mail.",
        source="page:/profil/",
        user=member,
    )
    prospect = Prospect.objects.create(
        email=EMAIL,
        commune_insee="13005",
        commune_name="Aubagne",
        last_contact_at=timezone.now() - timedelta(days=10),
        merged_into=member,
        merged_at=timezone.now(),
    )
    suggestions = give_consent(
        purpose=Purpose.SUGGESTIONS_EMAIL,
        text="Recevoir des suggestions par e-mail.",
        source="ville-exemple",
        prospect=prospect,
    )
    return {"digest": digest, "prospect": prospect, "suggestions": suggestions}


def section(payload: dict, model: str, *, key: str | None = None) -> dict:
    found = [s for s in payload["sections"] if s["model"] == model and (not key or key in s["key"])]
    assert found, f"no section for {model} ({key}) in the export"
    return found[0]


def values(payload: dict, model: str, field: str, key: str | None = None) -> list:
    s = section(payload, model, key=key)
    assert field in s["fields"], f"{model}.{field} missing from the export"
    return [row[field] for row in s["rows"]]


# The personal fields the project stores, model by model, and a value each must show.
PERSONAL_FIELDS = [
    ("community.User", "email", EMAIL),
    ("community.User", "display_name", NAME),
    ("community.User", "first_name", "Léocadie"),
    ("community.User", "last_name", "Fontanarosa"),
    ("community.User", "handle", HANDLE),
    ("community.User", "bio", "Lectrice de SF depuis toujours."),
    ("community.User", "commune_insee", "13005"),
    ("community.User", "commune_name", "Aubagne"),
    ("community.User", "latitude", 43.2925),
    ("community.User", "longitude", 5.5693),
    ("community.User", "home_branch", "Médiathèque Marcel Pagnol"),
    ("community.User", "notify_by_email", True),
    ("community.User", "profile_visibility", "public"),
    ("community.FollowedInterest", "interest", "Imaginaire › Science-fiction"),
    ("community.Membership", "community", "Les Voyageurs de l'Imaginaire"),
    ("community.EventRegistration", "event", "Club de lecture SF"),
    ("community.Post", "body", "Mon avis sur « Les Furtifs » d'Alain Damasio."),
    ("community.Comment", "body", "Oui, trois fois !"),
    ("community.Reaction", "kind", "like"),
    ("community.Report", "details", "Hors sujet"),
    ("community.Block", "blocked", "Curieux"),
    ("community.Sanction", "reason", None),  # a warning is logged, not a sanction: no row
    ("community.ModerationAction", "reason", "Restez courtois."),
    ("community.Notification", "title", None),  # any: the comment on the member's post
    ("account.EmailAddress", "email", EMAIL),
    ("socialaccount.SocialAccount", "uid", "10203040506070"),
]


def test_export_contains_every_personal_field(world):
    member = world["member"]
    payload = json.loads(world["client"].get("/compte/donnees/telecharger/").content)
    for model, field, expected in PERSONAL_FIELDS:
        if model == "community.Sanction":
            continue
        found = values(payload, model, field)
        assert found, f"{model}.{field}: no row exported"
        if expected is not None:
            assert expected in found, f"{model}.{field}: {expected!r} not in {found!r}"
    account = section(payload, "community.User")["rows"][0]
    assert account["password"] == "[secret]"
    assert account["avatar"].endswith(".png")
    assert values(payload, "socialaccount.SocialAccount", "extra_data")[0]["name"] == NAME
    # the member's sessions are listed (the client above is logged in)
    assert section(payload, "sessions.Session")["rows"]
    # what was done to the member shows, who did it does not
    block_rows = section(payload, "community.Follow", key="followed")["rows"]
    assert block_rows[0]["follower"] == world["other"].public_name
    warned = section(payload, "community.ModerationAction", key="member")["rows"][0]
    assert warned["actor"] == "hidden"
    assert payload["member"]["email"] == member.email


def test_export_has_a_section_with_every_field_for_every_model_holding_member_rows(world):
    """Generic: whatever the model (including those other packages add), if it points at
    the member and has rows, its every field is in the export."""
    member = world["member"]
    payload = as_json(member, member_data(member))
    checked = 0
    for relation in member_relations():
        rows = relation.model._base_manager.filter(**{relation.field.name: member})
        if not rows.exists():
            continue
        found = [s for s in payload["sections"] if s["key"].startswith(relation.key)]
        if relation.model._meta.label == "outreach.Prospect":
            found = [s for s in payload["sections"] if s["model"] == "outreach.Prospect"]
        assert found, f"{relation.key} has rows for the member but no export section"
        wanted = {
            f.name
            for f in relation.model._meta.concrete_fields
            if not f.primary_key and f.name != relation.field.name
        }
        wanted -= {"content", "data"}  # bulky, documented in personal_data.BULKY_FIELDS
        assert wanted <= set(found[0]["fields"]), (relation.key, wanted - set(found[0]["fields"]))
        assert len(found[0]["rows"]) == rows.count()
        checked += 1
    assert checked >= 12


@needs_outreach
def test_export_includes_consents_and_the_merged_prospect(world, consents):
    payload = json.loads(world["client"].get("/compte/donnees/telecharger/").content)
    texts = values(payload, "outreach.ConsentRecord", "text", key=":user")
    assert "Recevoir la sélection de la semaine par e-mail." in texts
    assert EMAIL in values(payload, "outreach.Prospect", "email")
    prospect_consents = values(payload, "outreach.ConsentRecord", "text", key="@outreach.prospect")
    assert prospect_consents == ["Recevoir des suggestions par e-mail."]
    versions = values(payload, "outreach.ConsentRecord", "version", key=":user")
    assert len(versions[0]) == 64


def test_my_data_page_shows_the_data_with_french_labels(world):
    response = world["client"].get("/compte/donnees/")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    html = response.content.decode()
    assert "Mes données" in html
    assert EMAIL in html
    assert "Publications" in html  # Post's verbose_name_plural
    assert "Mon avis sur « Les Furtifs »" in html
    assert "Centres d’intérêt suivis" in html or "centres d’intérêt suivis" in html.lower()


def test_download_is_an_attachment(world):
    response = world["client"].get("/compte/donnees/telecharger/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="affinites-mes-')


def test_my_data_needs_login(db):
    response = Client().get("/compte/donnees/")
    assert response.status_code == 302
    assert "/comptes/login/" in response["Location"]


# --- deletion -----------------------------------------------------------------------------


def scan_database(needles: list[str]) -> list[str]:
    """Every (table, column) whose text still holds one of `needles`."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, (models.CharField, models.TextField, models.JSONField)):
                continue
            for needle in needles:
                lookup = f"{field.name}__icontains"
                if isinstance(field, models.JSONField):
                    rows = model._base_manager.all().values_list(field.name, flat=True)
                    hit = any(
                        needle.lower() in json.dumps(v, ensure_ascii=False).lower()
                        for v in rows
                        if v is not None
                    )
                else:
                    hit = model._base_manager.filter(**{lookup: needle}).exists()
                if hit:
                    found.append(f"{model._meta.label}.{field.name} ~ {needle}")
    return found


def identifiers() -> list[str]:
    return [EMAIL, NAME, HANDLE, "Fontanarosa", "Léocadie", "10203040506070"]


def test_scan_finds_the_member_before_deletion(world):
    """The scanner below is real: before the deletion it finds the member everywhere."""
    hits = scan_database(identifiers())
    assert any(h.startswith("community.User.email") for h in hits)
    assert any(h.startswith("community.Notification.title") for h in hits)
    assert any(h.startswith("community.ModerationAction.target_repr") for h in hits)
    assert any(h.startswith("community.Post.body") for h in hits)  # the @mention


@pytest.mark.parametrize("posts", ["delete", "anonymise"])
def test_after_deletion_no_row_anywhere_holds_the_member(
    world, consents, posts, django_capture_on_commit_callbacks
):
    member, client = world["member"], world["client"]
    avatar = member.avatar.name
    storage = member.avatar.storage
    assert storage.exists(avatar)
    assert Session.objects.count() >= 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/compte/supprimer/", {"password": PASSWORD, "posts": posts, "confirm": "on"}
        )
    assert response.status_code == 200
    assert "Votre compte a été supprimé" in response.content.decode()
    assert not User.objects.filter(pk=member.pk).exists()
    assert scan_database(identifiers()) == []
    # nothing points at the deleted id any more (DO_NOTHING links were cleared too)
    for relation in member_relations():
        assert not relation.model._base_manager.filter(
            **{f"{relation.field.attname}": member.pk}
        ).exists(), relation.key
    assert not storage.exists(avatar)
    # logged out everywhere
    assert client.get("/compte/donnees/").status_code == 302
    own_post = Post.objects.filter(pk=world["own_post"].pk).first()
    if posts == "delete":
        assert own_post is None
        assert not Comment.objects.filter(body="Oui, trois fois !").exists()
    else:
        ghost = departed_member()
        assert own_post.author == ghost and ghost.public_name == DEPARTED_NAME
        assert not ghost.is_active and not ghost.has_usable_password()
        assert Comment.objects.get(body="Oui, trois fois !").author == ghost
    # other people's things are still there
    others_post = Post.objects.get(pk=world["others_post"].pk)
    assert others_post.body.startswith(f"{DEPARTED_NAME} tu as lu")
    assert User.objects.filter(pk=world["other"].pk).exists()
    # the member's report stays in the moderation queue, under the departed member
    assert Report.objects.filter(details="Hors sujet").exists()
    if outreach_installed:
        from community.outreach.models import ConsentRecord, Prospect

        assert not Prospect.objects.filter(pk=consents["prospect"].pk).exists()
        assert not ConsentRecord.objects.filter(
            pk__in=[consents["digest"].pk, consents["suggestions"].pk]
        ).exists()


def test_deletion_ends_every_session_of_the_member(world):
    member = world["member"]
    second = Client()
    second.force_login(member)
    other_client = Client()
    other_client.force_login(world["other"])
    delete_account(member, keep_posts=False)
    assert second.get("/compte/donnees/").status_code == 302
    assert other_client.get("/compte/donnees/").status_code == 200


def test_wrong_password_deletes_nothing(world):
    member, client = world["member"], world["client"]
    response = client.post(
        "/compte/supprimer/", {"password": "not it", "posts": "delete", "confirm": "on"}
    )
    assert response.status_code == 200
    assert "Ce n’est pas votre mot de passe." in response.content.decode()
    assert User.objects.filter(pk=member.pk).exists()


def test_deletion_needs_the_choice_and_the_confirmation(world):
    client = world["client"]
    response = client.post("/compte/supprimer/", {"password": PASSWORD})
    assert response.status_code == 200
    assert response.content.decode().count('class="field-errors"') == 2
    assert User.objects.filter(pk=world["member"].pk).exists()


def test_password_guessing_is_limited(world):
    client = world["client"]
    for _ in range(5):
        client.post("/compte/supprimer/", {"password": "x", "posts": "delete", "confirm": "on"})
    response = client.post(
        "/compte/supprimer/", {"password": PASSWORD, "posts": "delete", "confirm": "on"}
    )
    assert "Trop de mots de passe erronés" in response.content.decode()
    assert User.objects.filter(pk=world["member"].pk).exists()


def test_social_only_account_must_log_in_again_before_deleting(world):
    member = world["member"]
    member.set_unusable_password()
    member.save()
    client = Client()
    client.force_login(member)  # a login just now: allowed at once
    session = client.session
    session["privacy_authenticated_at"] = time.time() - 3600  # …but an hour ago
    session.save()
    page = client.get("/compte/supprimer/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="password"' not in html
    assert "/comptes/facebook/login/?process=login&amp;action=reauthenticate" in html
    response = client.post("/compte/supprimer/", {"posts": "delete", "confirm": "on"})
    assert response.status_code == 302
    assert User.objects.filter(pk=member.pk).exists()
    # logging in again (as the provider's callback does) allows it
    client.force_login(member)
    response = client.post("/compte/supprimer/", {"posts": "delete", "confirm": "on"})
    assert response.status_code == 200
    assert not User.objects.filter(pk=member.pk).exists()


def test_the_departed_member_account_is_shared_and_cannot_log_in(world):
    first = departed_member()
    assert departed_member().pk == first.pk
    assert Client().login(username=first.username, password="") is False
    assert Client().get(f"/membres/{first.handle}/").status_code == 404


# --- consents -----------------------------------------------------------------------------


@needs_outreach
def test_my_data_lists_active_consents_and_withdraws_one(world, consents):
    from community.outreach.models import ConsentRecord

    client = world["client"]
    html = client.get("/compte/donnees/").content.decode()
    assert "Mes consentements" in html
    digest = consents["digest"]
    assert f"/compte/consentements/{digest.pk}/retirer/" in html
    assert f"/compte/consentements/{consents['suggestions'].pk}/retirer/" in html
    response = client.post(f"/compte/consentements/{digest.pk}/retirer/", follow=True)
    assert response.status_code == 200
    assert "Consentement retiré" in response.content.decode()
    digest.refresh_from_db()
    assert digest.withdrawn_at is not None
    assert ConsentRecord.objects.filter(pk=digest.pk).exists()  # kept as proof
    html = client.get("/compte/donnees/").content.decode()
    assert f"/compte/consentements/{digest.pk}/retirer/" not in html


@needs_outreach
def test_nobody_can_withdraw_someone_elses_consent(world, consents):
    intruder = Client()
    intruder.force_login(world["other"])
    digest = consents["digest"]
    response = intruder.post(f"/compte/consentements/{digest.pk}/retirer/")
    assert response.status_code == 302
    digest.refresh_from_db()
    assert digest.withdrawn_at is None


def test_withdrawal_is_post_only(world):
    assert world["client"].get("/compte/consentements/1/retirer/").status_code == 405


def test_outreach_is_installed():
    """The consent part must not be skipped in CI: the outreach app ships with the project."""
    assert outreach_installed
