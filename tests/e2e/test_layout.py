"""Layout at phone, tablet, laptop and desktop widths: no overlapping boxes, no content wider
than its card, no horizontal scroll, no empty suggestion box, a header that folds on phones.

The main pages are visited at 375, 768, 1024 and 1280 px: home, the member's feed, the
agenda, the picks, a community, an event and the search results.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from cms.models import HoldingStatus
from tests.cms.library_factories import make_event, make_image, make_item, make_recommendation
from tests.community.life_helpers import join
from tests.conftest import make_branch, make_community, make_interest
from tests.feeds.feed_fixtures import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

WIDTHS = (375, 768, 1024, 1280)

# Boxes that must never overlap one another (nested ones are left alone) nor overflow.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) {
    problems.push(`horizontal scroll: page ${root.scrollWidth} px wide in ${window.innerWidth} px`);
  }
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    // checkVisibility(): false inside a closed <details> too (its content keeps a box there)
    return r.width > 0 && r.height > 0 && el.checkVisibility({ visibilityProperty: true });
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\\s+/).join(".") : "")
    + " «" + (el.textContent || "").trim().slice(0, 40) + "»";
  const boxes = [...document.querySelectorAll(
    ".card, .post, .aside-box, .form-card, .nearest, .place-finder, .notice, .search-facets, main h1"
  )].filter(shown);
  for (const box of boxes) {
    if (box.scrollWidth > box.clientWidth + 1) {
      problems.push(`content wider than its box: ${name(box)} (${box.scrollWidth} > ${box.clientWidth})`);
    }
  }
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i].getBoundingClientRect();
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[i].contains(boxes[j]) || boxes[j].contains(boxes[i])) continue;
      const b = boxes[j].getBoundingClientRect();
      const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (dx > 1 && dy > 1) problems.push(`overlap: ${name(boxes[i])} and ${name(boxes[j])}`);
    }
  }
  for (const list of document.querySelectorAll("[role=listbox]")) {
    if (shown(list) && !list.children.length) problems.push(`empty suggestion box shown: #${list.id}`);
  }
  return problems;
}"""


def session_cookie(user, url: str) -> dict:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {"name": "sessionid", "value": session.session_key, "url": url}


@pytest.fixture
def site(db):
    imaginaire = make_interest("Imaginaire", position=1)
    sf = make_interest("Science-fiction", imaginaire, position=1)
    fantasy = make_interest("Fantasy", imaginaire, position=2)
    branch = make_branch(
        "Médiathèque Marcel Pagnol",
        commune="Aubagne",
        lat=43.2925,
        lon=5.5693,
        postcode="13400",
        insee="13005",
    )
    items = [
        make_item(
            title,
            authors="Auteur, Une",
            year=2020,
            cover=make_image(f"Couverture de {title}", size=(160, 240)),
            holdings=[(branch, HoldingStatus.AVAILABLE)],
        )
        for title in ["Dune", "Hypérion", "Fondation", "La Horde du Contrevent", "Les Furtifs"]
    ]
    # Four covers per selection: the strip that used to push cards over their neighbours.
    for n in range(6):
        make_recommendation(
            f"Sélection science-fiction numéro {n + 1}",
            items=[(item, "") for item in items[:4]],
            interests=[sf],
            branch=branch,
        )
    start = timezone.now() + timedelta(days=3)
    event = None
    for n in range(6):
        event = make_event(
            f"Atelier d’écriture de l’imaginaire {n + 1}",
            branch=branch,
            start=start + timedelta(days=n, hours=n),
            interests=[sf if n % 2 else fantasy],
            registration_required=True,
            capacity=12,
        )
    club = make_community(
        "Les Voyageurs de l’Imaginaire",
        interests=[sf],
        branches=[branch],
        summary="Science-fiction, fantasy et fantastique : on en parle ensemble.",
    )
    member = make_member(
        "lea@example.org", interests=[sf, fantasy], home=branch, display_name="Léa"
    )
    join(member, club)
    return {"event": event, "club": club, "member": member}


def check(page, path: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    response = page.goto(path)
    assert response.ok, f"{path} answered {response.status}"
    page.wait_for_load_state("load")
    problems = page.evaluate(LAYOUT_PROBLEMS)
    assert not problems, f"{path} at {width} px:\n" + "\n".join(problems)


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_have_no_overlap_nor_horizontal_scroll(page, live_server, site, width):
    public = [
        "/",
        "/agenda/",
        "/coups-de-coeur/",
        site["club"].url,
        site["event"].url,
        "/recherche/?q=imaginaire",
    ]
    for path in public:
        check(page, path, width)
    page.context.add_cookies([session_cookie(site["member"], live_server.url)])
    for path in ["/fil/", site["club"].url, site["event"].url, "/recherche/?q=dune"]:
        check(page, path, width)


def test_header_folds_into_a_menu_on_a_phone(page, live_server, site):
    page.context.add_cookies([session_cookie(site["member"], live_server.url)])
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/agenda/")
    header = page.locator(".site-header").bounding_box()
    assert header["height"] <= 140, f"the header takes {header['height']} of 740 px"
    toggle = page.get_by_role("button", name="Menu")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Mon fil").is_visible()
    # The search stays at hand, folded menu or not.
    assert page.locator("#site-search").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    page.get_by_role("link", name="Mon fil").click()
    page.wait_for_url("**/fil/")
    # Wide screens: no button, the navigation is always there.
    page.set_viewport_size({"width": 1024, "height": 800})
    assert not page.get_by_role("button", name="Menu").is_visible()
    assert page.get_by_role("link", name="Mon fil").is_visible()


def test_unread_notifications_show_on_the_folded_menu(page, live_server, site):
    from community.models import Notification

    Notification.objects.create(
        user=site["member"], kind=Notification.Kind.MODERATION, title="Votre publication"
    )
    page.context.add_cookies([session_cookie(site["member"], live_server.url)])
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/agenda/")
    toggle = page.get_by_role("button", name="Menu 1 notifications non lues")
    assert toggle.is_visible()
    assert toggle.locator(".bell-count").inner_text().startswith("1")
    page.set_viewport_size({"width": 1024, "height": 800})
    assert page.locator("[data-live-bell] .bell-count").is_visible()


def test_suggestion_list_stays_hidden_until_there_are_suggestions(page, live_server, site):
    page.goto("/")
    assert not page.locator("#site-search-list").is_visible()


def test_times_never_break_inside(page, live_server, site):
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(site["event"].url)
    text = page.locator("main time").first.inner_text()
    assert "\u00a0h\u00a0" in text, text
