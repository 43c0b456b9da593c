"""The front desk's calendar: a day or week per location, and one appointment's page
with arrived / did not come / completed, cancel, and move."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import groupby

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts.access import forbidden, staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.services import PatientDetails
from mildpath.practice.models import Practitioner
from mildpath.scheduling import queries
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.errors import (
    AlreadyWaiting,
    NotAllowedNow,
    PatientAlreadyBooked,
    SlotTaken,
    TimeNotOffered,
)
from mildpath.scheduling.forms.public import slot_days
from mildpath.scheduling.forms.staff import StaffBookingForm
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import (
    appointment_cancel,
    appointment_mark,
    appointment_move,
    appointment_restore,
)
from mildpath.scheduling.services.waitlist import waitlist_join


@staff_required(Capability.SCHEDULE_VIEW)
@require_http_methods(["GET", "HEAD"])
def calendar(request: HttpRequest) -> HttpResponse:
    actor = Actor.of(request)
    locations = list(queries.locations_for_schedule(actor))
    if not locations:
        return forbidden(request)
    location = next(
        (loc for loc in locations if loc.slug == request.GET.get("location")), locations[0]
    )
    tz = location.tz
    today = clock.now().astimezone(tz).date()
    day = clock.day_from_query(request.GET.get("date", ""), today=today, default=today)
    week = request.GET.get("view") == "week"
    first = day - timedelta(days=day.weekday()) if week else day
    days = 7 if week else 1
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(first + timedelta(days=days), time.min, tzinfo=tz)
    # Whoever works at this location, weekly or on a date: the doctor filter's choices.
    doctors = list(
        Practitioner.objects.filter(
            Q(working_hours__location=location) | Q(overrides__location=location),
            is_active=True,
        )
        .distinct()
        .order_by("family_name", "given_name")
    )
    doctor = next((d for d in doctors if str(d.pk) == request.GET.get("doctor")), None)
    rows = queries.appointments_between(
        actor,
        location=location,
        start=start,
        end=end,
        practitioner_id=doctor.pk if doctor else None,
    )
    grouped = [
        (when, list(items))
        for when, items in groupby(rows, key=lambda a: a.start.astimezone(tz).date())
    ]
    step = timedelta(days=days)
    with timezone.override(tz):
        return render(
            request,
            "scheduling/calendar.html",
            {
                "locations": locations,
                "location": location,
                "doctors": doctors,
                "doctor": doctor,
                "first": first,
                "last": first + step - timedelta(days=1),
                "week": week,
                "grouped": grouped,
                "previous": first - step,
                "next": first + step,
                "today": today,
            },
        )


MESSAGE_KINDS = {
    "confirmation": gettext_lazy("Confirmation"),
    "reminder": gettext_lazy("Reminder"),
    "offer": gettext_lazy("Earlier time offered"),
}


@staff_required(Capability.SCHEDULE_VIEW)
@require_http_methods(["GET", "HEAD"])
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = queries.appointment_get(Actor.of(request), appointment_id)
    now = clock.now()
    tz = appointment.location.tz
    free = []
    if appointment.status == Appointment.Status.BOOKED:
        first = max(now.astimezone(tz).date(), appointment.start.astimezone(tz).date())
        free = available_slots(
            appointment_type=appointment.appointment_type,
            first_day=first,
            last_day=first + timedelta(days=6),
            now=now,
            practitioner_id=appointment.practitioner_id,
        )[:40]
    waiting = appointment.waitlist_entries.filter(status__in=["waiting", "offered"]).first()
    # What went to the patient, or failed to: the front desk calls if a text bounced.
    sent = [
        (MESSAGE_KINDS.get(message.kind, message.kind), message)
        for message in queries.messages_for(appointment)
    ]
    with timezone.override(tz):
        return render(
            request,
            "scheduling/appointment_detail.html",
            {
                "appointment": appointment,
                "free": free,
                "waiting": waiting,
                "sent": sent,
                "can_restore": appointment.start > now,
            },
        )


@staff_required(Capability.SCHEDULE_MANAGE)
@require_POST
def appointment_action(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = Actor.of(request)
    appointment = queries.appointment_for_change(actor, appointment_id)
    action = request.POST.get("action", "")
    now = clock.now()
    try:
        if action in {"arrived", "noshow", "fulfilled"}:
            appointment_mark(actor=actor, appointment=appointment, status=action, now=now)
            messages.success(request, _("Saved."))
        elif action == "waitlist":
            try:
                waitlist_join(actor=actor, appointment=appointment, now=now)
                messages.success(
                    request,
                    _("On the waiting list: an earlier time will be offered if one frees up."),
                )
            except AlreadyWaiting:
                messages.error(request, _("This appointment is already on the waiting list."))
        elif action == "cancel":
            appointment_cancel(actor=actor, appointment=appointment, now=now, by_patient=False)
            messages.success(
                request,
                _(
                    "Appointment cancelled. Its reminders will not be sent. If that was a "
                    "mistake, undo it below while the time is still free."
                ),
            )
        elif action == "restore":
            try:
                appointment_restore(actor=actor, appointment=appointment, now=now)
                messages.success(
                    request, _("Cancellation undone: the appointment is booked again.")
                )
            except SlotTaken:
                messages.error(
                    request, _("Someone else has that time now, so the cancellation stays.")
                )
        elif action == "move":
            try:
                start = datetime.fromisoformat(request.POST.get("start", ""))
            except ValueError:
                start = None
            if start is None or start.tzinfo is None:
                messages.error(request, _("New time: choose one of the free times listed."))
            else:
                appointment_move(actor=actor, appointment=appointment, start=start, now=now)
                messages.success(request, _("Appointment moved. The patient is told the new time."))
        else:
            messages.error(request, _("Choose one of the actions on this page."))
    except NotAllowedNow:
        messages.error(request, _("That change is not possible for this appointment now."))
    except SlotTaken:
        messages.error(request, _("New time: that time was just taken. Choose another."))
    except PatientAlreadyBooked:
        messages.error(request, _("The patient already has an appointment at that time."))
    return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)


def _split_name(full: str) -> tuple[str, str]:
    given, _, family = full.strip().rpartition(" ")
    return (given, family) if given else (family, "")


@staff_required(Capability.SCHEDULE_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def book_for_caller(request: HttpRequest) -> HttpResponse:
    """Book on a caller's behalf; from a consultation request, its name and phone come along
    and the request is closed as booked."""
    actor = Actor.of(request)
    locations = list(queries.locations_for_schedule(actor))
    source = request.GET.get("from_request") or request.POST.get("from_request") or ""
    consultation = (
        queries.consultation_request_for_change(actor, int(source))
        # Only ASCII digits: "²".isdigit() is true, and int() refuses it.
        if source.isascii() and source.isdigit() and len(source) < 19
        else None
    )
    wanted = request.GET.get("location") or (
        consultation.preferred_location.slug
        if consultation and consultation.preferred_location
        else ""
    )
    location = next(
        (loc for loc in locations if loc.slug == wanted), locations[0] if locations else None
    )
    if location is None:
        return forbidden(request)
    kinds = list(AppointmentType.objects.filter(location=location, is_active=True).order_by("kind"))
    kind = next(
        (k for k in kinds if k.kind == request.GET.get("kind")), kinds[0] if kinds else None
    )
    if kind is None:
        return forbidden(request)
    now = clock.now()
    tz = location.tz
    today = now.astimezone(tz).date()
    first = clock.day_from_query(
        request.GET.get("from", ""), today=today, default=today, earliest=today
    )
    slots = available_slots(
        appointment_type=kind, first_day=first, last_day=first + timedelta(days=6), now=now
    )
    choices, days = slot_days(slots, tz)
    initial: dict[str, str] = {}
    if consultation is not None:
        initial["given_name"], initial["family_name"] = _split_name(consultation.name)
        initial["phone"] = consultation.phone_display
    form = StaffBookingForm(request.POST or None, initial=initial, choices=choices)
    if request.method == "POST" and form.is_valid():
        practitioner_id, start = form.chosen()
        details = form.cleaned_data
        try:
            appointment = appointment_book(
                actor=actor,
                appointment_type=kind,
                start=start,
                practitioner_id=practitioner_id,
                patient=PatientDetails(
                    given_name=details["given_name"],
                    family_name=details["family_name"],
                    date_of_birth=details["date_of_birth"],
                    phone=details["phone"],
                    email=details["email"],
                    preferred_language=consultation.language[:2] if consultation else "en",
                ),
                now=now,
                reason=details["reason"],
                referring_physician=details["referring_physician"],
                source="staff",
                email_ok=details["consent_email"],
                sms_ok=details["consent_sms"],
                call_back=consultation,
            )
        except (SlotTaken, TimeNotOffered):
            messages.error(request, _("Time: that time was just taken. Choose another."))
            return redirect(request.get_full_path())
        except PatientAlreadyBooked:
            messages.error(request, _("The patient already has an appointment at that time."))
            return redirect(request.get_full_path())
        messages.success(request, _("Booked."))
        return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)
    with timezone.override(tz):
        return render(
            request,
            "scheduling/book_for_caller.html",
            {
                "form": form,
                "locations": locations,
                "location": location,
                "kinds": kinds,
                "kind": kind,
                "days": days,
                "first": first,
                "next_from": first + timedelta(days=7),
                "consultation": consultation,
                "source": source,
            },
        )


@staff_required(Capability.SCHEDULE_MANAGE)
@require_http_methods(["GET", "HEAD"])
def failed_messages(request: HttpRequest) -> HttpResponse:
    """Messages to patients that could not be sent after every retry: the front desk
    calls these patients instead."""
    rows = queries.failed_messages(Actor.of(request))
    return render(
        request,
        "scheduling/failed_messages.html",
        {"rows": [(MESSAGE_KINDS.get(row.kind, row.kind), row) for row in rows]},
    )
