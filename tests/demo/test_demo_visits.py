"""`load_demo --visits` (make run) gives the front desk and the calendar a week to show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.demo.visits import demo_visits_load
from mildpath.scheduling.models import Appointment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_visits_fill_the_coming_working_days_at_every_location_once(demo_practice):
    demo_schedule_load()
    booked = demo_visits_load(now=clock.now())
    visits = Appointment.objects.filter(source="demo")
    assert booked == visits.count() > 0
    assert set(visits.values_list("location__slug", flat=True)) == {
        "santa-monica",
        "pasadena",
        "long-beach",
    }
    # Only ahead of now, within the next five days, each at a time the location is open.
    for visit in visits.select_related("location"):
        assert clock.now() < visit.start < clock.now() + timedelta(days=5)
        local = visit.start.astimezone(visit.location.tz)
        hours = visit.location.opening_hours.filter(weekday=local.weekday())
        assert any(h.opens <= local.time() and local.time() < h.closes for h in hours)
    # Loading again books nothing more.
    assert demo_visits_load(now=clock.now()) == 0
    assert Appointment.objects.filter(source="demo").count() == booked


def test_plain_load_demo_books_no_visits(db):
    call_command("load_demo", stdout=None)
    assert not Appointment.objects.exists()
