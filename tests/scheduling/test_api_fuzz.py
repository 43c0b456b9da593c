"""The booking API against its own OpenAPI description, with inputs schemathesis makes
up: valid ones, and ones that break the schema in every way it can think of. Whatever
arrives, the answer is a documented status with a documented body, never a 5xx, and a
request the schema forbids is refused.

One check is left out: that every request the schema allows is accepted. Some rules
cannot be written in OpenAPI (a search's end not before its start, a time that is
free, a location that offers the visit), and those requests rightly get a 422 or 409.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mildpath.demo.loader import demo_practice_load, demo_schedule_load

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.yaml", get_wsgi_application())


@pytest.fixture
def practice(settings):
    settings.MILDPATH_PUBLIC_CREATIONS_PER_HOUR = 1_000_000
    demo_practice_load()
    demo_schedule_load()
    # The app is called straight through WSGI, whose request signals would close the
    # test's database connection; Django's own test client unhooks them the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Requests generated for each of the API's two operations (slots, appointments): more
# than a thousand in all, every run the same (derandomised).
EXAMPLES = 550


@pytest.fixture
def answered(request) -> Iterator[list[int]]:
    """The status of every request made; at the end, proof that the run was big enough."""
    statuses: list[int] = []
    yield statuses
    assert len(statuses) >= 500, f"only {len(statuses)} requests for {request.node.name}"
    assert not [status for status in statuses if status >= 500]


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen")
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_every_input_as_documented(case, practice, answered):
    response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
    answered.append(response.status_code)
