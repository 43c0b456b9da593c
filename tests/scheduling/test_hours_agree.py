"""The opening hours a location's page advertises are the hours it offers times in."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import time, timedelta

import pytest
from django.urls import reverse

from mildpath.core import clock
from mildpath.demo.loader import demo_schedule_load
from mildpath.practice.models import Location
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import AppointmentType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# Each advertised day on the page: <dt data-weekday="5">…</dt><dd><time datetime="09:00">…
HOURS = re.compile(
    r'data-weekday="(\d)".*?datetime="(\d\d:\d\d)".*?datetime="(\d\d:\d\d)"', re.DOTALL
)


def _displayed_hours(client, slug: str) -> dict[int, list[tuple[time, time]]]:
    page = client.get(reverse("site:location_detail", args=[slug]))
    assert page.status_code == 200
    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, opens, closes in HOURS.findall(page.text):
        hours[int(weekday)].append((time.fromisoformat(opens), time.fromisoformat(closes)))
    return hours


@pytest.mark.parametrize("slug", ["santa-monica", "pasadena", "long-beach"])
def test_every_location_offers_times_on_its_open_days_and_only_inside_its_hours(
    client, demo_practice, slug
):
    demo_schedule_load()
    location = Location.objects.get(slug=slug)
    shown = _displayed_hours(client, slug)
    assert shown, "the page shows no opening hours"
    now = clock.now()
    today = now.astimezone(location.tz).date()
    # From the day after tomorrow: every type needs at least 24 hours' notice.
    first, last = today + timedelta(days=2), today + timedelta(days=29)
    kinds = AppointmentType.objects.filter(location=location, is_active=True)
    assert kinds.exists()
    for kind in kinds:
        offered = defaultdict(list)
        for slot in available_slots(appointment_type=kind, first_day=first, last_day=last, now=now):
            offered[slot.start.astimezone(location.tz).date()].append(slot)
        day = first
        while day <= last:
            spans = shown.get(day.weekday(), [])
            times = offered.get(day, [])
            if not spans:
                assert times == [], f"{kind}: times on {day:%A %Y-%m-%d}, a closed day"
            else:
                assert times, f"{kind}: no time on {day:%A %Y-%m-%d}, an open day"
            for slot in times:
                begins = slot.start.astimezone(location.tz).time()
                ends = slot.end.astimezone(location.tz).time()
                assert any(opens <= begins and ends <= closes for opens, closes in spans), (
                    f"{kind}: {begins}-{ends} on {day:%A %Y-%m-%d} is outside {spans}"
                )
            day += timedelta(days=1)


def test_pasadena_is_open_and_bookable_on_saturday_mornings(client, demo_practice):
    demo_schedule_load()
    assert _displayed_hours(client, "pasadena")[5] == [(time(9), time(13))]
    kind = AppointmentType.objects.get(location__slug="pasadena", kind="consultation")
    saturday = clock.now().date() + timedelta(days=4)  # Saturday 28 November 2026
    slots = available_slots(
        appointment_type=kind, first_day=saturday, last_day=saturday, now=clock.now()
    )
    local = [slot.start.astimezone(kind.location.tz) for slot in slots]
    assert local[0].time() == time(9)
    assert local[-1].time() == time(12, 15)  # 45 minutes: the last ends at 1 p.m.
