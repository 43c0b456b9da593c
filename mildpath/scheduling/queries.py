"""Reads of scheduling data that carries patient contact details: scoped by the actor's
locations and audited, like ``patients.queries``."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from mildpath.accounts.access import active_locations_for, may, scoped_locations
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.queries import refuse
from mildpath.practice.models import Location
from mildpath.scheduling.models import (
    Appointment,
    ConsultationRequest,
    OutboundMessage,
    WaitlistEntry,
)


def _requests_in_scope(actor: Actor) -> QuerySet[ConsultationRequest]:
    if not may(actor.user, Capability.CONSULTATION_REQUESTS):
        return ConsultationRequest.objects.none()
    requests = ConsultationRequest.objects.select_related("preferred_location")
    locations = scoped_locations(actor.user)
    if locations is None:
        return requests
    # A request for "any location" is everyone's to answer.
    return requests.filter(Q(preferred_location__in=locations) | Q(preferred_location__isnull=True))


def consultation_requests(
    actor: Actor, *, status: str = "", limit: int = 200
) -> list[ConsultationRequest]:
    found = _requests_in_scope(actor)
    if status:
        found = found.filter(status=status)
    rows = list(found[:limit])
    record(
        action="callback.list",
        actor=actor,
        now=clock.now(),
        detail={"status": status, "count": len(rows), "requests": [row.pk for row in rows]},
    )
    return rows


def consultation_request_for_change(actor: Actor, request_id: int) -> ConsultationRequest:
    """A request in scope, for a service that audits its own change (one entry per action)."""
    found = _requests_in_scope(actor).filter(pk=request_id).first()
    if found is None:
        refuse(actor, ConsultationRequest.objects.filter(pk=request_id).first())
    return found


def consultation_request_get(actor: Actor, request_id: int) -> ConsultationRequest:
    found = consultation_request_for_change(actor, request_id)
    record(action="callback.read", actor=actor, now=clock.now(), obj=found)
    return found


def _appointments_in_scope(actor: Actor) -> QuerySet[Appointment]:
    if not may(actor.user, Capability.SCHEDULE_VIEW):
        return Appointment.objects.none()
    found = Appointment.objects.select_related(
        "patient", "practitioner", "location", "appointment_type__location"
    )
    locations = scoped_locations(actor.user)
    return found if locations is None else found.filter(location__in=locations)


def locations_for_schedule(actor: Actor) -> QuerySet[Location]:
    return active_locations_for(actor.user)


def appointments_between(
    actor: Actor,
    *,
    location: Location,
    start: datetime,
    end: datetime,
    practitioner_id: int | None = None,
) -> list[Appointment]:
    """One location's appointments in [start, end), cancelled ones included, for one
    practitioner or all, audited."""
    found = _appointments_in_scope(actor).filter(location=location, start__gte=start, start__lt=end)
    if practitioner_id is not None:
        found = found.filter(practitioner_id=practitioner_id)
    rows = list(found.order_by("start", "practitioner__family_name"))
    detail: dict[str, object] = {
        "location": location.slug,
        "count": len(rows),
        "patients": sorted({row.patient_id for row in rows}),
    }
    if practitioner_id is not None:
        detail["practitioner"] = practitioner_id
    record(action="appointment.list", actor=actor, now=clock.now(), detail=detail)
    return rows


def appointment_for_change(actor: Actor, appointment_id: int) -> Appointment:
    found = _appointments_in_scope(actor).filter(pk=appointment_id).first()
    if found is None:
        refuse(actor, Appointment.objects.filter(pk=appointment_id).first())
    return found


def appointment_get(actor: Actor, appointment_id: int) -> Appointment:
    found = appointment_for_change(actor, appointment_id)
    record(
        action="appointment.read",
        actor=actor,
        now=clock.now(),
        obj=found,
        patient_id=found.patient_id,
    )
    return found


def messages_for(appointment: Appointment) -> list[OutboundMessage]:
    """What went to the patient about an appointment already read through
    ``appointment_get`` (whose audit entry covers this), oldest first."""
    return list(appointment.messages.order_by("send_after", "id"))


def _failed_in_scope(actor: Actor) -> QuerySet[OutboundMessage]:
    if not may(actor.user, Capability.SCHEDULE_MANAGE):
        return OutboundMessage.objects.none()
    failed = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED)
    locations = scoped_locations(actor.user)
    return failed if locations is None else failed.filter(appointment__location__in=locations)


def failed_message_count(actor: Actor) -> int:
    """How many messages to patients at the actor's locations could not be sent (no
    patient detail, so no audit entry)."""
    return _failed_in_scope(actor).count()


def failed_messages(actor: Actor, *, limit: int = 200) -> list[OutboundMessage]:
    """Messages that could not be sent, newest first, with their patients, audited."""
    rows = list(
        _failed_in_scope(actor)
        .select_related("appointment__patient", "appointment__location")
        .order_by("-send_after", "-id")[:limit]
    )
    record(
        action="patient.list",
        actor=actor,
        now=clock.now(),
        detail={
            "list": "failed_messages",
            "count": len(rows),
            "patients": sorted({row.appointment.patient_id for row in rows if row.appointment}),
        },
    )
    return rows


# Reads for the patient's own pages: what their link, or this browser's just-made
# booking, is about. The link's opening is audited where it is opened; a booking or
# request made in this browser shows the person what they have just typed.


def appointment_for_link(link: PatientLink) -> Appointment | None:
    """The appointment a patient's link is about, if it is still theirs."""
    if link.target_id is None:
        return None
    return (
        Appointment.objects.select_related("location", "practitioner", "appointment_type")
        .filter(pk=link.target_id, patient_id=link.patient_id)
        .first()
    )


def waitlist_entry_for_link(link: PatientLink) -> WaitlistEntry | None:
    """The waiting-list entry an earlier-time offer link is about, if it is theirs."""
    if link.target_id is None:
        return None
    return (
        WaitlistEntry.objects.select_related(
            "appointment__location", "appointment__practitioner", "offered_practitioner"
        )
        .filter(pk=link.target_id, appointment__patient_id=link.patient_id)
        .first()
    )


def appointment_just_booked(appointment_id: int) -> Appointment | None:
    """The appointment this browser's session has just booked (its id is kept only in
    the session, so a guessed URL shows nobody's booking)."""
    return (
        Appointment.objects.select_related(
            "location", "practitioner", "appointment_type", "patient"
        )
        .filter(pk=appointment_id)
        .first()
    )


def consultation_request_just_sent(request_id: int) -> ConsultationRequest | None:
    """The call-back request this browser's session has just sent."""
    return (
        ConsultationRequest.objects.select_related("preferred_location")
        .filter(pk=request_id)
        .first()
    )


def upcoming_visits_of(
    actor: Actor, patient_ids: list[int], *, now: datetime
) -> dict[int, list[Appointment]]:
    """The booked visits from ``now`` on, at the actor's locations, of patients the
    caller has already read (and audited), by patient, earliest first: one query."""
    found: dict[int, list[Appointment]] = {}
    for visit in (
        _appointments_in_scope(actor)
        .filter(patient_id__in=patient_ids, status=Appointment.Status.BOOKED, start__gte=now)
        .select_related("location", "practitioner")
        .order_by("start")
    ):
        found.setdefault(visit.patient_id, []).append(visit)
    return found
