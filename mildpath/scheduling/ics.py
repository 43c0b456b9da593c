"""The .ics calendar file for an appointment: local time with its VTIMEZONE, address.

One event per appointment (its UID never changes) whose SEQUENCE is the appointment's
``calendar_sequence``, bumped by every move, cancellation and restore: a calendar
replaces the event it holds with one of a higher sequence, so the patient's calendar
follows each change.

- ``PUBLISH``: the file the patient downloads from the confirmation page;
- ``REQUEST``: the file an email carries (booked, moved, booked again), with the
  practice as organizer and the patient as attendee, so mail clients offer to add or
  update the event;
- ``CANCEL``: the file a cancellation email carries: the same event, cancelled.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from typing import Literal

from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress

from mildpath.scheduling.models import Appointment

Method = Literal["PUBLISH", "REQUEST", "CANCEL"]


def appointment_uid(appointment: Appointment) -> str:
    return f"appointment-{appointment.pk}@mildpath"


def appointment_ics(
    appointment: Appointment,
    *,
    now: datetime,
    method: Method = "PUBLISH",
    organizer: str = "",
    attendee: str = "",
) -> bytes:
    """The appointment as a calendar file; ``method="CANCEL"`` makes it the
    cancellation of the event, whatever the appointment's state (a cancellation email
    sent after a quick undo still says what it said when it was written).
    ``organizer``: the practice as mail shows it ("Name <address>"); ``attendee``: the
    patient's email address."""
    location = appointment.location
    tz = location.tz
    calendar = Calendar()
    calendar.add("prodid", "-//mildpath//appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", now)
    event.add("sequence", appointment.calendar_sequence)
    event.add("dtstart", appointment.start.astimezone(tz))
    event.add("dtend", appointment.end.astimezone(tz))
    event.add(
        "summary",
        _("%(visit)s at %(location)s")
        % {"visit": appointment.appointment_type.get_kind_display(), "location": location.name},
    )
    event.add("location", f"{location.name}, {location.address_one_line}")
    event.add(
        "description",
        _("With %(doctor)s. Questions or changes: call %(phone)s.")
        % {"doctor": appointment.practitioner.display_name, "phone": location.phone_display},
    )
    cancelled = method == "CANCEL" or appointment.status == Appointment.Status.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if method != "PUBLISH" and organizer:
        # iTIP (RFC 5546) wants an organizer on a request and on a cancellation.
        name, address_from = parseaddr(organizer)
        host = vCalAddress(f"mailto:{address_from}")
        if name:
            host.params["CN"] = name
        event.add("organizer", host)
        if attendee:
            guest = vCalAddress(f"mailto:{attendee}")
            guest.params["CN"] = str(appointment.patient)
            guest.params["ROLE"] = "REQ-PARTICIPANT"
            guest.params["PARTSTAT"] = "ACCEPTED"
            guest.params["RSVP"] = "FALSE"
            event.add("attendee", guest)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
