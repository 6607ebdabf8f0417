"""The open API (/api/v1/): public reads, member endpoints with tokens, and the HTTP
behaviour every endpoint shares (problem details, cursors, ETags, quotas, CORS)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community.actions.tokens import revoke_access_token
from community.models import EventRegistration, FollowedInterest, Membership, Notification
from community.outreach.models import Partner

from .world import bearer

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"].startswith("http")
    return body


# --- public reads ---------------------------------------------------------------------------


def test_branches_with_hours_and_open_now(world, client):
    body = client.get("/api/v1/branches").json()
    by_slug = {b["slug"]: b for b in body["results"]}
    assert by_slug["alcazar"]["open_now"] is True  # open every day, all day
    assert by_slug["alcazar"]["hours"][0]["slots"] == [{"opens": "00:00", "closes": "23:59"}]
    assert by_slug["arles"]["open_now"] is None  # no hours published
    only_open = client.get("/api/v1/branches?open_now=true").json()["results"]
    assert [b["slug"] for b in only_open] == ["alcazar"]
    one = client.get("/api/v1/branches/alcazar").json()
    assert one["name"] == "Bibliothèque de l'Alcazar" and one["url"].startswith("http")
    problem(client.get("/api/v1/branches/nowhere"), 404)


def test_events_filter_by_branch_interest_dates_and_places_left(world, client):
    titles = lambda url: [e["title"] for e in client.get(url).json()["results"]]  # noqa: E731
    assert titles("/api/v1/events") == ["Club SF", "Atelier cuisine", "Conte"]
    assert titles("/api/v1/events?branch=arles") == ["Atelier cuisine", "Conte"]
    assert titles("/api/v1/events?interest=science-fiction") == ["Club SF"]
    assert titles("/api/v1/events?places_left=true") == ["Club SF", "Conte"]
    assert titles("/api/v1/events?places_left=false") == ["Atelier cuisine"]
    later = (timezone.localdate() + timedelta(days=4)).isoformat()
    assert titles(f"/api/v1/events?start_after={later}") == ["Atelier cuisine", "Conte"]
    assert titles(f"/api/v1/events?start_before={later}") == ["Club SF"]
    club = client.get(f"/api/v1/events/{world.open_event.pk}").json()
    assert club["registration"] == {
        "required": True,
        "state": "open",
        "opens": None,
        "closes": None,
        "capacity": 10,
        "places_left": 9,
        "waitlist": 0,
    }
    full = client.get(f"/api/v1/events/{world.full_event.pk}").json()["registration"]
    assert full["places_left"] == 0
    problem(client.get("/api/v1/events?branch=nowhere"), 404)
    problem(client.get("/api/v1/events/999999"), 404)


def test_announcements_lists_communities_interests_and_communes(world, client):
    announcements = client.get("/api/v1/announcements?interest=science-fiction").json()
    assert [a["title"] for a in announcements["results"]] == ["Nuit de la SF"]
    assert client.get("/api/v1/announcements?interest=cuisine").json()["results"] == []
    lists = client.get("/api/v1/lists").json()["results"]
    assert lists[0]["items"] == [
        {
            "record_id": lists[0]["items"][0]["record_id"],
            "title": "Dune",
            "authors": ["Herbert, Frank"],
            "year": 1965,
            "note": "Indispensable.",
        }
    ]
    communities = client.get("/api/v1/communities").json()["results"]
    assert communities[0]["title"] == "Science-fiction" and communities[0]["member_count"] == 0
    interests = client.get("/api/v1/interests").json()["results"]
    assert {"slug": "science-fiction", "parent": "imaginaire"}.items() <= interests[2].items()
    communes = client.get("/api/v1/communes?q=aubagne").json()
    assert communes[0]["name"] == "Aubagne" and communes[0]["nearest_branch"]["slug"] == "alcazar"
    problem(client.get("/api/v1/communes"), 422)


def test_search_takes_the_search_page_parameters(world, client, monkeypatch):
    from search import api as search_api
    from search.backends.base import Filters

    seen = {}

    class Backend:
        def search(self, query, filters, sort, page, user):
            from search.backends import get_backend

            seen.update(query=query, filters=filters, sort=sort, user=user)
            return get_backend().search(query, filters, sort, page, user)

    monkeypatch.setattr(search_api, "get_backend", Backend)
    body = client.get(
        "/api/v1/search?q=dune&interet=science-fiction&mediatheque=nulle-part&tri=date"
        "&type=catalogue"
    ).json()
    assert seen["query"] == "dune" and seen["sort"] == "date"
    assert seen["filters"] == Filters(kinds=("catalogue",), interests=(world.sf.pk,))
    assert not seen["user"].is_authenticated  # the API's search is never personalised
    assert set(body["ignored"]) == {"mediatheque"} and body["query"] == "dune"
    problem(client.get("/api/v1/search?page=0"), 422)
    problem(client.get("/api/v1/search?q=" + "x" * 300), 422)


# --- shared HTTP behaviour ------------------------------------------------------------------


def test_cursor_pages_follow_next_and_refuse_forged_or_foreign_cursors(world, client):
    first = client.get("/api/v1/events?limit=2").json()
    assert [e["title"] for e in first["results"]] == ["Club SF", "Atelier cuisine"]
    assert first["next"].startswith("http") and "cursor=" in first["next"]
    cursor = re.search(r"cursor=([^&]+)", first["next"]).group(1)
    second = client.get(f"/api/v1/events?limit=2&cursor={cursor}").json()
    assert [e["title"] for e in second["results"]] == ["Conte"] and second["next"] is None
    problem(client.get(f"/api/v1/events?cursor={cursor[:-2]}xx"), 400)
    problem(client.get(f"/api/v1/communities?cursor={cursor}"), 400)  # another list's cursor


def test_etag_answers_304_when_unchanged(world, client):
    first = client.get("/api/v1/branches")
    etag = first["ETag"]
    assert etag and "no-cache" in first["Cache-Control"]
    again = client.get("/api/v1/branches", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    world.alcazar.phone = "04 91 55 90 00"
    world.alcazar.save()
    changed = client.get("/api/v1/branches", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_errors_are_problem_details(world, client):
    body = problem(client.get("/api/v1/nothing-here"), 404)
    assert body["type"].endswith("#probleme-introuvable")
    invalid = problem(client.get("/api/v1/events?limit=0"), 422)
    assert invalid["errors"][0]["loc"] == ["query", "limit"]
    problem(client.delete("/api/v1/branches"), 405)
    write = bearer(world.alice_write)
    unreadable = client.post(
        "/api/v1/me/registrations", "{", content_type="application/json", **write
    )
    assert problem(unreadable, 400)["type"].endswith("#probleme-corps-invalide")
    missing = client.post("/api/v1/me/registrations", {}, content_type="application/json", **write)
    problem(missing, 422)


def test_quota_per_address_and_per_token_answers_429_with_retry_after(world, client, settings):
    settings.AFFINITES_API = {"RATE_TOKEN": (3, 60), "RATE_ANONYMOUS": (2, 60)}
    assert client.get("/api/v1/interests").status_code == 200
    assert client.get("/api/v1/interests").status_code == 200
    refused = client.get("/api/v1/interests")
    problem(refused, 429)
    assert 1 <= int(refused["Retry-After"]) <= 60
    # a token has its own quota, whatever the address
    for _ in range(3):
        assert client.get("/api/v1/me", **bearer(world.alice_read)).status_code == 200
    problem(client.get("/api/v1/me", **bearer(world.alice_read)), 429)
    assert client.get("/api/v1/me", **bearer(world.bob_write)).status_code == 200


def test_cors_only_for_declared_partner_origins(world, client):
    Partner.objects.create(
        slug="ville", name="Ville", allowed_origins="https://www.ville.example\n"
    )
    allowed = client.get("/api/v1/events", HTTP_ORIGIN="https://www.ville.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://www.ville.example"
    assert "Access-Control-Allow-Credentials" not in allowed
    other = client.get("/api/v1/events", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other
    preflight = client.options(
        "/api/v1/me/registrations",
        HTTP_ORIGIN="https://www.ville.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert preflight.status_code == 204
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    refused = client.options(
        "/api/v1/events",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    problem(refused, 403)
    Partner.objects.update(active=False)
    assert "Access-Control-Allow-Origin" not in client.get(
        "/api/v1/events", HTTP_ORIGIN="https://www.ville.example"
    )


def test_schema_and_docs_are_served_from_the_site_only(world, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/me/registrations" in schema["paths"]
    errors = schema["paths"]["/api/v1/me/registrations"]["get"]["responses"]["401"]
    assert PROBLEM in errors["content"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)


# --- member endpoints -----------------------------------------------------------------------


def test_member_endpoints_need_an_active_token(world, client):
    body = problem(client.get("/api/v1/me/registrations"), 401)
    assert body["type"].endswith("#probleme-authentification-requise")
    response = client.get("/api/v1/me/registrations", **bearer("aff_not-a-token"))
    problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    revoke_access_token(world.alice, world.alice.access_tokens.get(name="lecture").pk)
    problem(client.get("/api/v1/me", **bearer(world.alice_read)), 401)
    world.bob.is_active = False
    world.bob.save()
    problem(client.get("/api/v1/me", **bearer(world.bob_write)), 401)


def test_a_read_token_cannot_write(world, client):
    response = client.post(
        "/api/v1/me/registrations",
        {"event": world.open_event.pk},
        content_type="application/json",
        **bearer(world.alice_read),
    )
    body = problem(response, 403)
    assert "read only" in body["detail"] or "lecture seule" in body["detail"]
    assert not EventRegistration.objects.filter(user=world.alice).exists()
    problem(client.post("/api/v1/me/notifications/read", **bearer(world.alice_read)), 403)
    problem(client.put("/api/v1/me/interests/cuisine", **bearer(world.alice_read)), 403)


def test_register_waitlist_position_and_cancel_through_the_actions(world, client):
    post = lambda event: client.post(  # noqa: E731
        "/api/v1/me/registrations",
        {"event": event.pk},
        content_type="application/json",
        **bearer(world.alice_write),
    )
    created = post(world.open_event)
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    assert post(world.open_event).status_code == 200  # idempotent
    waiting = post(world.full_event).json()
    assert waiting["status"] == "waitlisted" and waiting["waitlist_position"] == 1
    body = problem(post(world.free_event), 409)
    assert body["type"].endswith("#probleme-inscription-not-required")
    mine = client.get("/api/v1/me/registrations", **bearer(world.alice_read)).json()
    assert {(r["event"], r["status"]) for r in mine["results"]} == {
        (world.open_event.pk, "confirmed"),
        (world.full_event.pk, "waitlisted"),
    }
    # Bob cancels his place at the full event: Alice, first on the waitlist, gets it
    cancelled = client.delete(
        f"/api/v1/me/registrations/{world.full_event.pk}", **bearer(world.bob_write)
    )
    assert cancelled.json()["status"] == "cancelled"
    promoted = client.get(
        f"/api/v1/me/registrations/{world.full_event.pk}", **bearer(world.alice_read)
    ).json()
    assert promoted["status"] == "confirmed" and promoted["waitlist_position"] is None


def test_a_token_never_reads_or_changes_another_members_data(world, client):
    alice = bearer(world.alice_write)
    # Bob's registrations and notifications are not Alice's
    assert client.get("/api/v1/me/registrations", **alice).json()["results"] == []
    problem(client.get(f"/api/v1/me/registrations/{world.full_event.pk}", **alice), 404)
    problem(client.delete(f"/api/v1/me/registrations/{world.full_event.pk}", **alice), 404)
    assert EventRegistration.objects.get(user=world.bob, event=world.full_event).status == (
        "confirmed"
    )
    titles = [n["title"] for n in client.get("/api/v1/me/notifications", **alice).json()["results"]]
    assert titles == ["Réponse de Denis"]
    bobs = Notification.objects.get(user=world.bob)
    problem(client.post(f"/api/v1/me/notifications/{bobs.pk}/read", **alice), 404)
    bobs.refresh_from_db()
    assert bobs.read_at is None
    assert client.post("/api/v1/me/notifications/read", **alice).json() == {"marked": 1}
    assert Notification.objects.filter(user=world.bob, read_at__isnull=True).count() == 1
    me = client.get("/api/v1/me", **alice).json()
    assert me["handle"] == world.alice.handle


def test_notifications_list_and_mark_one_read(world, client):
    bob = bearer(world.bob_write)
    listed = client.get("/api/v1/me/notifications?unread=true", **bob).json()["results"]
    assert len(listed) == 1 and listed[0]["read_at"] is None
    read = client.post(f"/api/v1/me/notifications/{listed[0]['id']}/read", **bob).json()
    assert read["read_at"] is not None
    assert client.get("/api/v1/me/notifications?unread=true", **bob).json()["results"] == []


def test_interests_and_communities_follow_join_and_leave(world, client):
    alice = bearer(world.alice_write)
    followed = client.put("/api/v1/me/interests/science-fiction", **alice).json()
    assert followed["slug"] == "science-fiction" and followed["parent"] == "imaginaire"
    assert client.put("/api/v1/me/interests/science-fiction", **alice).status_code == 200
    assert FollowedInterest.objects.filter(user=world.alice).count() == 1
    listed = client.get("/api/v1/me/interests", **alice).json()["results"]
    assert [i["slug"] for i in listed] == ["science-fiction"]
    assert client.delete("/api/v1/me/interests/science-fiction", **alice).status_code == 204
    problem(client.delete("/api/v1/me/interests/science-fiction", **alice), 404)
    problem(client.put("/api/v1/me/interests/nothing", **alice), 404)
    joined = client.put(f"/api/v1/me/communities/{world.community.pk}", **alice).json()
    assert joined["title"] == "Science-fiction"
    assert Membership.objects.filter(user=world.alice, community=world.community).exists()
    mine = client.get("/api/v1/me/communities", **alice).json()["results"]
    assert [m["community"] for m in mine] == [world.community.pk]
    assert client.get("/api/v1/me/communities", **bearer(world.bob_write)).json()["results"] == []
    assert client.delete(f"/api/v1/me/communities/{world.community.pk}", **alice).status_code == 204
    assert not Membership.objects.filter(user=world.alice).exists()


def test_feed_pages_by_signed_cursor(world, client, settings):
    settings.FEED_PAGE_SIZE = 1
    bob = bearer(world.bob_write)
    first = client.get("/api/v1/me/feed", **bob).json()
    assert len(first["results"]) == 1 and first["results"][0]["reason"]
    if first["next"]:
        cursor = re.search(r"cursor=([^&]+)", first["next"]).group(1)
        second = client.get(f"/api/v1/me/feed?cursor={cursor}", **bob).json()
        assert second["results"] and second["results"] != first["results"]
    problem(client.get("/api/v1/me/feed?cursor=forged", **bob), 400)
    assert json.loads(client.get("/api/v1/me/feed", **bob).content)["results"]
