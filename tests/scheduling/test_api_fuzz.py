"""The booking API against its own OpenAPI description, with inputs schemathesis makes
up: valid ones, and ones that break the schema in every way it can think of. Whatever
arrives, the answer is a documented status with a documented body, never a 5xx, and a
request the schema forbids is refused.

One check is left out: that every request the schema allows is accepted. Some rules
cannot be written in OpenAPI (a search's end not before its start, a time that is
free, a location that offers the visit), and those requests rightly get a 422 or 409.
"""

from __future__ import annotations

import pytest
import schemathesis
import time_machine
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


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@time_machine.travel("2026-11-24T17:00:00+00:00", tick=False)
def test_the_api_answers_every_input_as_documented(case, practice):
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
