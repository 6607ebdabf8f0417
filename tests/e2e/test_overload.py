"""The "try again" page a visitor sees when the site cannot take their request in time
(503): French, accessible, styled, with a way to retry that works once the rush is over."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_visitor_turned_away_by_a_rush_sees_the_retry_page_and_gets_in_on_retry(page):
    refusal = OperationalError("couldn't get a connection after 5.00 sec")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=refusal):
        response = page.goto("/communautes/")

        assert response.status == 503
        assert response.headers["retry-after"] == "5"
        assert page.locator("h1").inner_text() == "Le site est très demandé en ce moment"
        assert "Réessayez dans 5 secondes" in page.locator("main").inner_text()
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
        assert_accessible(page, "the 503 page")

    with page.expect_navigation() as navigation:
        page.get_by_role("link", name="Réessayer").click()
    assert navigation.value.status == 200
    assert page.url.endswith("/communautes/")
