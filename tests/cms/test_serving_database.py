"""No database connection to be had in time (pool exhausted, PostgreSQL refusing): the
request gets the "try again" page (503, Retry-After), never a 500, and the next request
once a connection is free is served normally."""

import threading
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_request_finding_the_pool_exhausted_gets_the_retry_page_then_the_site_recovers():
    pool = connection.settings_dict["OPTIONS"].get("pool")
    if connection.vendor != "postgresql" or not pool:
        pytest.skip("needs PostgreSQL with the connection pool")
    connection.close()  # the test's own connection back to the pool
    held, release = threading.Barrier(pool["max_size"] + 1), threading.Event()

    def hold_a_connection():
        connection.ensure_connection()
        held.wait()
        release.wait()
        connection.close()

    holders = [threading.Thread(target=hold_a_connection) for _ in range(pool["max_size"])]
    for thread in holders:
        thread.start()
    held.wait()  # every connection of the pool is lent
    try:
        refused = Client().get("/", headers={"accept-language": "fr"})
    finally:
        release.set()
        for thread in holders:
            thread.join()

    assert refused.status_code == 503
    assert refused["Retry-After"] == str(settings.WEB_RETRY_AFTER)
    assert "Réessayez dans" in refused.content.decode()
    assert Client().get("/").status_code == 200


@pytest.mark.django_db
def test_a_database_refusing_connections_gives_the_retry_page_not_a_500():
    client = Client(raise_request_exception=False)
    refusal = OperationalError("connection failed: FATAL: sorry, too many clients already")
    connection.close()
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=refusal):
        response = client.get("/recherche/?q=jazz", headers={"accept-language": "en"})

    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.WEB_RETRY_AFTER)
    assert "Please try again in" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_static_files_are_served_without_taking_a_connection():
    client = Client()
    refusal = OperationalError("no connection")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=refusal):
        response = client.get("/static/css/site.css")
    assert response.status_code == 200
