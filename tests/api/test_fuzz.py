"""The API fuzzed by schemathesis against a live server (issue 20.6): for every operation of
/api/v1/openapi.json, generated valid and invalid requests (with a member's write token)
never get a server error, and every answer matches the schema (status code documented,
content type, body, headers). Bounded by MAX_EXAMPLES to stay within a minute or two."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from cms.places import suggest_places

from .world import build_world

MAX_EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 2}
# per request; the communes lookup loads its offline data on first use (warmed up below)
TIMEOUT = 30

CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.response_headers_conformance,
]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_operation_answers_within_its_schema(live_server, settings):
    settings.AFFINITES_API = {"RATE_TOKEN": (10**6, 60), "RATE_ANONYMOUS": (10**6, 60)}
    world = build_world()
    suggest_places("Aubagne")  # loads the offline commune data once, before the clock runs
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {world.alice_write}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    tried = 0
    for operation in operations:
        for mode, examples in MAX_EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(
                    base_url=live_server.url, headers=headers, checks=CHECKS, timeout=TIMEOUT
                )

            try:
                run()
            except Unsatisfiable:
                # no invalid request exists for this operation (e.g. a free-text path
                # parameter): nothing to try in negative mode
                assert mode is GenerationMode.NEGATIVE, operation.label
                continue
            tried += 1
    assert tried >= len(operations)
