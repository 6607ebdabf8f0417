"""The 422 answer's errors[].msg: in French by default (pydantic writes English only), in the
language asked for with Accept-Language, pydantic's own text for the types we do not list."""

from __future__ import annotations

import pytest
from django.utils import translation

from cms.api import validation

from .world import bearer

pytestmark = pytest.mark.django_db


def _errors(response) -> list[dict]:
    assert response.status_code == 422, response.content
    return response.json()["errors"]


def test_a_limit_below_its_minimum_is_explained_in_french(world, client):
    [error] = _errors(client.get("/api/v1/events?limit=0"))
    assert error["loc"] == ["query", "limit"]
    assert error["type"] == "greater_than_equal"  # unchanged: clients branch on it
    assert error["msg"] == "Doit valoir au moins 1."


def test_a_word_where_a_number_is_expected(world, client):
    [error] = _errors(client.get("/api/v1/events?limit=beaucoup"))
    assert error["msg"] == "Un nombre entier est attendu."


def test_a_missing_field_of_a_json_body(world, client):
    response = client.post(
        "/api/v1/me/registrations", {}, content_type="application/json", **bearer(world.alice_write)
    )
    [error] = _errors(response)
    assert error["type"] == "missing" and error["msg"] == "Ce champ est obligatoire."


def test_in_english_when_asked(world, client):
    [error] = _errors(client.get("/api/v1/events?limit=0", HTTP_ACCEPT_LANGUAGE="en"))
    assert error["msg"] == "Must be at least 1."


@pytest.mark.parametrize(
    ("error", "french"),
    [
        ({"type": "string_too_long", "ctx": {"max_length": 1}}, "Au plus 1 caractère."),
        ({"type": "string_too_long", "ctx": {"max_length": 80}}, "Au plus 80 caractères."),
        ({"type": "less_than_equal", "ctx": {"le": 100}}, "Doit valoir au plus 100."),
        (
            {"type": "literal_error", "ctx": {"expected": "'asc', 'desc' or 'rank'"}},
            "Valeurs possibles\u00a0: 'asc', 'desc' ou 'rank'.",
        ),
        ({"type": "date_parsing", "msg": "Input should be a valid date"}, None),
        # a type we do not list, or limits missing from ctx: pydantic's own text
        ({"type": "new_in_pydantic_3", "msg": "Something new"}, "Something new"),
        ({"type": "string_too_long", "msg": "String should be short"}, "String should be short"),
    ],
)
def test_messages_by_type(error, french):
    with translation.override("fr"):
        translated = validation.message(error)
    if french is None:
        assert translated != error["msg"] and "AAAA-MM-JJ" in translated
    else:
        assert translated == french
