"""One appointment's page with arrived / did not come / completed, cancelling (with a
reason, confirmed) and moving (any time, doctor or location of the user's); booking
for a caller; the messages that could not be sent. The calendar is ``calendar``."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts.access import forbidden, staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.queries import patient_get
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
from mildpath.scheduling.forms.staff import CancelForm, MoveForm, StaffBookingForm
from mildpath.scheduling.models import Appointment, AppointmentType, OutboundMessage
from mildpath.scheduling.services import outbox
from mildpath.scheduling.services.booking import appointment_book
from mildpath.scheduling.services.changes import (
    appointment_cancel,
    appointment_mark,
    appointment_move,
    appointment_restore,
    appointment_unmark,
    mark_allowed,
    unmark_allowed,
)
from mildpath.scheduling.services.waitlist import waitlist_join
from mildpath.scheduling.slots import FreeTime

MESSAGE_KINDS = {
    "confirmation": gettext_lazy("Confirmation"),
    "cancellation": gettext_lazy("Cancellation"),
    "reminder": gettext_lazy("Reminder"),
    "offer": gettext_lazy("Earlier time offered"),
    "link": gettext_lazy("Link to their visit"),
    "questionnaire_invite": gettext_lazy("Questions to answer"),
    "questionnaire_remind": gettext_lazy("Questions: reminder"),
}


@staff_required(Capability.SCHEDULE_VIEW)
@require_http_methods(["GET", "HEAD"])
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = queries.appointment_get(Actor.of(request), appointment_id)
    now = clock.now()
    tz = appointment.location.tz
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
                "waiting": waiting,
                "sent": sent,
                "can_restore": appointment.start > now,
                "may": {
                    status: mark_allowed(appointment=appointment, status=status, now=now)
                    for status in MARKS
                },
                "may_unmark": unmark_allowed(appointment=appointment, now=now),
            },
        )


MARKS = {
    "arrived": gettext_lazy("%(name)s: arrived."),
    "noshow": gettext_lazy("%(name)s: did not come."),
    "fulfilled": gettext_lazy("%(name)s: visit completed."),
}
# Why a mark was refused, when it is a matter of time rather than of the visit's state.
TOO_SOON = {
    "arrived": gettext_lazy(
        "“Arrived” can be marked from the day of the visit until a day after it."
    ),
    "noshow": gettext_lazy("“Did not come” can be marked once the visit's time has begun."),
}


def _back(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """Where a change returns: the staff home for a tap there, else the visit's page
    (a fixed choice, never a URL from the form)."""
    if request.POST.get("next") == "home":
        return redirect("staff_home")
    return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)


@staff_required(Capability.SCHEDULE_MANAGE)
@require_POST
def appointment_action(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """The one-tap changes: arrived, did not come, completed, the waiting list, undoing
    a cancellation. Cancelling and moving have their own pages (a reason, a new time)."""
    actor = Actor.of(request)
    appointment = queries.appointment_for_change(actor, appointment_id)
    action = request.POST.get("action", "")
    now = clock.now()
    try:
        if action in MARKS:
            if action in TOO_SOON and appointment.status == Appointment.Status.BOOKED:
                if not mark_allowed(appointment=appointment, status=action, now=now):
                    messages.error(request, TOO_SOON[action])
                    return _back(request, appointment)
            appointment_mark(actor=actor, appointment=appointment, status=action, now=now)
            messages.success(request, MARKS[action] % {"name": appointment.patient})
        elif action == "unmark":
            appointment_unmark(actor=actor, appointment=appointment, now=now)
            messages.success(
                request, _("%(name)s: back to booked.") % {"name": appointment.patient}
            )
        elif action == "waitlist":
            try:
                waitlist_join(actor=actor, appointment=appointment, now=now)
                messages.success(
                    request,
                    _("On the waiting list: an earlier time will be offered if one frees up."),
                )
            except AlreadyWaiting:
                messages.error(request, _("This appointment is already on the waiting list."))
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
        else:
            messages.error(request, _("Choose one of the actions on this page."))
    except NotAllowedNow:
        messages.error(request, _("That change is not possible for this appointment now."))
    return _back(request, appointment)


@staff_required(Capability.SCHEDULE_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_cancel_page(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Cancelling by staff: a page that asks for the reason and is the confirmation."""
    actor = Actor.of(request)
    appointment = queries.appointment_for_change(actor, appointment_id)
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, _("That change is not possible for this appointment now."))
        return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        appointment_cancel(
            actor=actor,
            appointment=appointment,
            now=clock.now(),
            by_patient=False,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _(
                "Appointment cancelled. Its reminders will not be sent. If that was a "
                "mistake, undo it below while the time is still free."
            ),
        )
        return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)
    with timezone.override(appointment.location.tz):
        return render(
            request,
            "scheduling/appointment_cancel.html",
            {"appointment": appointment, "form": form},
        )


@staff_required(Capability.SCHEDULE_MANAGE)
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_move_page(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Move a visit to any free time, doctor or location of the user's: a week of free
    times at a time, with earlier and later weeks a link away."""
    actor = Actor.of(request)
    appointment = queries.appointment_for_change(actor, appointment_id)
    if appointment.status != Appointment.Status.BOOKED:
        messages.error(request, _("That change is not possible for this appointment now."))
        return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)
    kinds = queries.same_kind_at_my_locations(actor, appointment.appointment_type)
    own = next((k for k in kinds if k.pk == appointment.appointment_type_id), None)
    kind = next((k for k in kinds if k.location.slug == request.GET.get("location")), own)
    if kind is None:
        # This kind of visit is no longer offered where it is: say so, move nothing.
        messages.error(
            request,
            _("This kind of visit is not offered at this location any more: call the "
              "patient and book the visit they need."),
        )  # fmt: skip
        return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)
    location = kind.location
    doctors = queries.practitioners_for(kind)
    asked = request.GET.get("doctor")
    if asked is None:
        asked = str(appointment.practitioner_id)  # the same doctor unless another is chosen
    doctor = next((d for d in doctors if str(d.pk) == asked), None)
    now = clock.now()
    tz = location.tz
    today = now.astimezone(tz).date()
    first = clock.day_from_query(
        request.GET.get("from", ""), today=today, default=today, earliest=today
    )
    slots = available_slots(
        appointment_type=kind,
        first_day=first,
        last_day=first + timedelta(days=6),
        now=now,
        practitioner_id=doctor.pk if doctor else None,
    )
    choices, days = slot_days(slots, tz, prefer=appointment.practitioner_id)
    form = MoveForm(request.POST or None, choices=choices)
    if request.method == "POST" and form.is_valid():
        practitioner_id, start = form.chosen()
        try:
            moved = appointment_move(
                actor=actor,
                appointment=appointment,
                start=start,
                now=now,
                practitioner_id=practitioner_id,
                location=location,
            )
        except (SlotTaken, TimeNotOffered):
            messages.error(request, _("New time: that time was just taken. Choose another."))
            return redirect(request.get_full_path())
        except PatientAlreadyBooked:
            messages.error(request, _("The patient already has an appointment at that time."))
            return redirect(request.get_full_path())
        except NotAllowedNow:
            messages.error(request, _("That change is not possible for this appointment now."))
            return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)
        messages.success(
            request,
            _("Appointment moved to %(doctor)s. The patient is told the new time and place.")
            % {"doctor": moved.practitioner.display_name},
        )
        return redirect("scheduling_staff:appointment", appointment_id=appointment.pk)
    with timezone.override(tz):
        return render(
            request,
            "scheduling/appointment_move.html",
            {
                "appointment": appointment,
                "form": form,
                "kinds": kinds,
                "location": location,
                "doctors": doctors,
                "doctor": doctor,
                "days": _named(days, doctors),
                "first": first,
                "earlier": first - timedelta(days=7) if first > today else None,
                "later": first + timedelta(days=7),
                "query": urlencode(
                    {
                        "location": location.slug,
                        "doctor": doctor.pk if doctor else "any",
                    }
                ),
            },
        )


def _named(
    days: list[tuple[date, list[tuple[FreeTime, str]]]], doctors: list[Practitioner]
) -> list[tuple[date, list[tuple[FreeTime, str, str]]]]:
    """Each free time with the name of the doctor its choice books."""
    names = {d.pk: d.display_name for d in doctors}
    return [
        (day, [(slot, value, names.get(int(value.split("|")[0]), "")) for slot, value in items])
        for day, items in days
    ]


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
    # "Book for this patient" from the patient's record: their details come along, if
    # the patient is one of the user's (404 otherwise, and the refusal is audited).
    known = request.GET.get("patient") or request.POST.get("patient") or ""
    patient = (
        patient_get(actor, int(known))
        if known.isascii() and known.isdigit() and len(known) < 19
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
    asked = request.GET.get("doctor", "")
    kind = next(
        (k for k in kinds if k.kind == request.GET.get("kind")),
        # From a doctor's column of the calendar no visit is named: the first kind that
        # doctor sees, so the times shown are theirs.
        queries.first_kind_seen_by(kinds, asked) or (kinds[0] if kinds else None),
    )
    if kind is None:
        return forbidden(request)
    now = clock.now()
    tz = location.tz
    today = now.astimezone(tz).date()
    first = clock.day_from_query(
        request.GET.get("from", ""), today=today, default=today, earliest=today
    )
    doctors = queries.practitioners_for(kind)
    doctor = next((d for d in doctors if str(d.pk) == asked), None)
    slots = available_slots(
        appointment_type=kind,
        first_day=first,
        last_day=first + timedelta(days=6),
        now=now,
        practitioner_id=doctor.pk if doctor else None,
    )
    choices, days = slot_days(slots, tz)
    initial: dict[str, object] = {}
    if consultation is not None:
        initial["given_name"], initial["family_name"] = _split_name(consultation.name)
        initial["phone"] = consultation.phone_display
        initial["preferred_language"] = consultation.language[:2]
    if patient is not None:
        initial.update(
            given_name=patient.given_name,
            family_name=patient.family_name,
            date_of_birth=patient.date_of_birth,
            phone=patient.phone_display,
            email=patient.email,
            preferred_language=patient.preferred_language,
        )
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
                    preferred_language=details["preferred_language"],
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
                "days": _named(days, doctors),
                "doctors": doctors,
                "doctor": doctor,
                "first": first,
                "next_from": first + timedelta(days=7),
                "consultation": consultation,
                "source": source,
                "patient": patient,
            },
        )


@staff_required(Capability.SCHEDULE_MANAGE)
@require_http_methods(["GET", "HEAD"])
def failed_messages(request: HttpRequest) -> HttpResponse:
    """Messages to patients that could not be sent after every retry: the front desk
    calls these patients instead."""
    found = queries.failed_messages(Actor.of(request), now=clock.now())

    def rows(messages: list[OutboundMessage]) -> list[tuple[object, OutboundMessage, object]]:
        """Each message with its kind in words and the clock of its location (None:
        the practice's), on which its visit's time is read."""
        return [
            (MESSAGE_KINDS.get(row.kind, row.kind), row, row.location.tz if row.location else None)
            for row in messages
        ]

    return render(
        request,
        "scheduling/failed_messages.html",
        {
            "rows": rows(found.waiting),
            "handled": rows(found.handled),
            "handled_days": queries.HANDLED_SHOWN_DAYS,
        },
    )


@staff_required(Capability.SCHEDULE_MANAGE)
@require_POST
def failed_message_done(request: HttpRequest, message_id: int) -> HttpResponse:
    """ "Done": the patient has been called about a message that could not be sent; or
    "Put back" on the list (undo)."""
    actor = Actor.of(request)
    message = queries.failed_message_for_change(actor, message_id)
    handled = request.POST.get("handled") != "0"
    changed = outbox.failed_message_mark(
        actor=actor, message=message, handled=handled, now=clock.now()
    )
    who = message.patient
    name = str(who) if who is not None else _("the patient")
    if changed and handled:
        messages.success(
            request,
            _("Done: %(name)s. It is listed below for %(days)s days, to put back if need be.")
            % {"name": name, "days": queries.HANDLED_SHOWN_DAYS},
        )
    elif changed:
        messages.success(request, _("Back on the list: %(name)s.") % {"name": name})
    return redirect("scheduling_staff:failed_messages")
