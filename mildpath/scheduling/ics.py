"""The .ics calendar file for an appointment: local time with its VTIMEZONE, address."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from mildpath.scheduling.models import Appointment


def appointment_ics(appointment: Appointment, *, now: datetime) -> bytes:
    location = appointment.location
    tz = location.tz
    calendar = Calendar()
    calendar.add("prodid", "-//mildpath//appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"appointment-{appointment.pk}@mildpath")
    event.add("dtstamp", now)
    # A calendar keeps the event with the highest sequence: a file made later, after a
    # move, must replace the one the patient saved first.
    event.add("sequence", max(0, int((now - appointment.created_at).total_seconds())))
    event.add("dtstart", appointment.start.astimezone(tz))
    event.add("dtend", appointment.end.astimezone(tz))
    event.add(
        "summary",
        _("%(visit)s at %(location)s")
        % {"visit": appointment.appointment_type.get_kind_display(), "location": location.name},
    )
    address = ", ".join(
        part
        for part in [
            location.address_line1,
            location.address_line2,
            f"{location.city}, {location.state} {location.zip_code}",
        ]
        if part
    )
    event.add("location", address)
    event.add(
        "description",
        _("Questions or changes: call %(phone)s.") % {"phone": location.phone_display},
    )
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
