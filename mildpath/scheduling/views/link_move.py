"""A patient moves their visit from the link in their messages, in two steps that work
without JavaScript: pick a day and a time (with their own doctor unless they choose
another, or any doctor), then confirm "from ... with Dr X to ... with Dr Y"."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.practice.models import Practitioner
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import (
    NotAllowedNow,
    PatientAlreadyBooked,
    SlotTaken,
    TooLateToChange,
)
from mildpath.scheduling.forms.links import MoveForm, slot_value
from mildpath.scheduling.models import Appointment
from mildpath.scheduling.services.changes import appointment_move
from mildpath.scheduling.views.links import (
    CONFIRMED,
    changeable,
    opened_appointment,
    private,
    visit_context,
)

MOVE_DAYS = 7  # a week of days to pick from, then "Later days"
ANY = "any"
AFTERNOON = 12  # local hour from which a time counts as afternoon


def _doctors(appointment: Appointment) -> list[Practitioner]:
    return list(
        appointment.appointment_type.practitioners.filter(is_active=True).order_by(
            "family_name", "given_name"
        )
    )


def _doctor_asked(raw: str, doctors: list[Practitioner], current: int) -> Practitioner | None:
    """The doctor whose times to show: the one asked for, else the patient's own while
    they still see patients of this kind; None means any doctor."""
    by_key = {str(doctor.pk): doctor for doctor in doctors}
    if raw == ANY:
        return None
    return by_key.get(raw) or by_key.get(str(current))


def _is_free(
    appointment: Appointment, practitioner_id: int, start: datetime, now: datetime
) -> bool:
    day = start.astimezone(appointment.location.tz).date()
    return any(
        slot.start == start and practitioner_id in slot.practitioner_ids
        for slot in available_slots(
            appointment_type=appointment.appointment_type,
            first_day=day,
            last_day=day,
            now=now,
            practitioner_id=practitioner_id,
        )
    )


def _day_asked(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


@require_http_methods(["GET", "HEAD", "POST"])
def move(request: HttpRequest, token: str) -> HttpResponse:
    found = opened_appointment(request, token)
    if isinstance(found, HttpResponse):
        return found
    link, appointment = found
    now = clock.now()
    manage_url = request.path.rsplit("/move/", 1)[0] + "/"
    if appointment.status == Appointment.Status.CANCELLED:
        return redirect(f"{manage_url}?was_cancelled=1")
    if not changeable(appointment, now):
        late = appointment.status == Appointment.Status.BOOKED and appointment.start > now
        return redirect(f"{manage_url}?too_late=1" if late else manage_url)
    if not appointment.appointment_type.self_bookable:
        return redirect(manage_url)

    data = request.POST if request.method == "POST" else request.GET
    doctors = _doctors(appointment)
    doctor = _doctor_asked(data.get("doctor", ""), doctors, appointment.practitioner_id)
    tz = appointment.location.tz
    today = now.astimezone(tz).date()
    first = clock.day_from_query(data.get("from", ""), today=today, default=today, earliest=today)
    keep = {"doctor": str(doctor.pk) if doctor else ANY, "from": first.isoformat()}

    def picker_url(**extra: str) -> str:
        return f"{request.path}?{urlencode({**keep, **extra})}"

    form = MoveForm(data) if (request.method == "POST" or "slot" in data) else None
    if form is not None and form.is_valid():
        practitioner_id, start = form.cleaned_data["slot"]
        if request.method == "POST" and (practitioner_id, start) == (
            appointment.practitioner_id,
            appointment.start,
        ):
            # A second press of "Yes, move": the visit is already there.
            return redirect(f"{manage_url}?moved=1")
        new_doctor = next((d for d in doctors if d.pk == practitioner_id), None)
        if new_doctor is None or not _is_free(appointment, practitioner_id, start, now):
            return redirect(picker_url(taken="1"))
        if request.method == "POST" and request.POST.get("confirm") == CONFIRMED:
            try:
                appointment_move(
                    actor=Actor.of(request, label="patient link"),
                    appointment=appointment,
                    start=start,
                    now=now,
                    practitioner_id=practitioner_id,
                    by_patient=True,
                )
            except TooLateToChange:
                return redirect(f"{manage_url}?too_late=1")
            except NotAllowedNow:  # cancelled or marked by the practice meanwhile
                return redirect(manage_url)
            except SlotTaken:
                return redirect(picker_url(taken="1"))
            except PatientAlreadyBooked:
                return redirect(picker_url(clash="1"))
            return redirect(f"{manage_url}?moved=1")
        context = {
            "patient": link.patient,
            "token": token,
            "manage_url": manage_url,
            "back_url": picker_url(day=start.astimezone(tz).date().isoformat()),
            "new_start": start,
            "new_doctor": new_doctor,
            "slot": form.data["slot"],
            "keep": keep,
            **visit_context(appointment, now),
        }
        with timezone.override(tz):
            return private(render(request, "patients/link_move_confirm.html", context))

    last = first + timedelta(days=MOVE_DAYS - 1)
    by_day: dict[date, list[tuple[datetime, Practitioner, str]]] = defaultdict(list)
    names = {d.pk: d for d in doctors}
    for slot in available_slots(
        appointment_type=appointment.appointment_type,
        first_day=first,
        last_day=last,
        now=now,
        practitioner_id=doctor.pk if doctor else None,
    ):
        free = [pk for pk in slot.practitioner_ids if pk in names]
        if doctor is None and appointment.practitioner_id in free:
            free = [appointment.practitioner_id]  # "any doctor" still prefers their own
        free = [
            pk
            for pk in free
            if (pk, slot.start) != (appointment.practitioner_id, appointment.start)
        ]
        if not free:
            continue
        by_day[slot.start.astimezone(tz).date()].append(
            (slot.start, names[free[0]], slot_value(free[0], slot.start))
        )
    days = sorted(by_day)
    day = _day_asked(data.get("day", ""))
    if day not in by_day:
        day = days[0] if days else None
    times = by_day.get(day, []) if day else []
    # One doctor free all day: named once over the times, not on every one.
    everyone = {who for _, who, _ in times}
    named = doctor or (everyone.pop() if len(everyone) == 1 else None)
    groups = [
        (label, [t for t in times if (t[0].astimezone(tz).hour >= AFTERNOON) == afternoon])
        for label, afternoon in (("morning", False), ("afternoon", True))
    ]
    context = {
        "patient": link.patient,
        "token": token,
        "manage_url": manage_url,
        "form": form,
        "doctors": doctors,
        "doctor": doctor,
        "doctor_urls": [
            (d, f"{request.path}?{urlencode({'doctor': d.pk, 'from': first.isoformat()})}")
            for d in doctors
        ],
        "any_url": f"{request.path}?{urlencode({'doctor': ANY, 'from': first.isoformat()})}",
        "days": [(d, picker_url(day=d.isoformat())) for d in days],
        "day": day,
        "groups": [(label, items) for label, items in groups if items],
        "named": named,
        "keep": keep,
        "first": first,
        "last": last,
        "next_url": picker_url(**{"from": (last + timedelta(days=1)).isoformat()}),
        "previous_url": (
            picker_url(**{"from": max(today, first - timedelta(days=MOVE_DAYS)).isoformat()})
            if first > today
            else ""
        ),
        **visit_context(appointment, now),
    }
    with timezone.override(tz):
        return private(render(request, "patients/link_move.html", context))
