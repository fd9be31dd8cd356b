"""schemathesis against the API's own OpenAPI schema, in process (WSGI).

Every operation is called with generated requests (valid and invalid) and a
live token; each answer must not be a 5xx and must conform to the schema:
a documented status code, the documented content type, and a body valid
against the documented schema (problem details for errors). A few examples
per operation keep it well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 30  # per operation, valid and invalid requests mixed


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep the test's database connection open across WSGI requests, as
    Django's test client does (a request's end would close it otherwise)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_answers_within_its_schema_and_never_5xx(
    issued, make_person, wsgi_in_test_transaction
):
    from anpi.wsgi import application

    make_person("はなこ")
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    headers = {"Authorization": f"Bearer {issued.token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    statuses: dict[int, int] = {}

    for operation in operations:
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @given(case=strategy)
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            response = case.call(headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        call()
    # The run reached real answers as well as refusals.
    assert statuses.get(200, 0) > 0 and statuses.get(422, 0) > 0, statuses
