"""“Ça ne m’intéresse pas” (not interested) in the browser: the card gives way to a confirmation with “Annuler”,
the entry stays gone after a reload, and “Annuler” brings it back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cms.library_factories import make_event
from tests.conftest import make_branch, make_interest
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_layout import session_cookie
from tests.feeds.feed_fixtures import make_member

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_not_interested_is_final_and_can_be_undone(page, live_server):
    sf = make_interest("Science-fiction")
    branch = make_branch("Médiathèque Marcel Pagnol", commune="Aubagne", lat=43.29, lon=5.57)
    start = timezone.now() + timedelta(days=3)
    make_event("Club de lecture SF", branch=branch, interests=[sf], start=start)
    make_event("Nuit de la SF", branch=branch, interests=[sf], start=start)
    member = make_member("lea@example.org", interests=[sf], home=branch)
    page.context.add_cookies([session_cookie(member, live_server.url)])
    page.goto("/fil/")
    card = page.locator("[data-feed-entry]").filter(has_text="Club de lecture SF")
    card.get_by_role("button", name="Ça ne m’intéresse pas").click()
    notice = page.get_by_role("status").filter(has_text="Masqué")
    notice.wait_for()
    assert page.locator("[data-feed-entry]").filter(has_text="Club de lecture SF").count() == 0
    assert_accessible(page, "/fil/ after “Pas intéressé”")
    page.reload()
    assert page.get_by_role("link", name="Nuit de la SF").is_visible()
    assert page.get_by_role("link", name="Club de lecture SF").count() == 0
    # Undo: the card comes back in place, and after a reload too.
    other = page.locator("[data-feed-entry]").filter(has_text="Nuit de la SF")
    other.get_by_role("button", name="Ça ne m’intéresse pas").click()
    page.get_by_role("button", name="Annuler").click()
    page.locator("[data-feed-entry]").filter(has_text="Nuit de la SF").wait_for()
    page.reload()
    assert page.get_by_role("link", name="Nuit de la SF").is_visible()
