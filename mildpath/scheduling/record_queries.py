"""Reads for the staff patient record (``views.patient_record``): a patient's visits and
the messages sent to them, at the actor's locations.

Each takes a patient the caller has already read through ``patients.queries.
patient_get``, whose audit entry covers the look; a visit at a location the actor does
not cover stays out of their record, as on the match page."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from mildpath.accounts.access import may, scoped_locations
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.patients.models import Patient
from mildpath.scheduling.models import Appointment, OutboundMessage

VISITS_SHOWN = 100
MESSAGES_SHOWN = 50


def _visits_in_scope(actor: Actor, patient: Patient) -> QuerySet[Appointment]:
    if not may(actor.user, Capability.SCHEDULE_VIEW):
        return Appointment.objects.none()
    visits = Appointment.objects.filter(patient=patient)
    locations = scoped_locations(actor.user)
    return visits if locations is None else visits.filter(location__in=locations)


def patient_visits(actor: Actor, patient: Patient) -> list[Appointment]:
    """The patient's visits at the actor's locations, cancelled ones included, latest
    first (the newest ``VISITS_SHOWN``), in one query."""
    return list(
        _visits_in_scope(actor, patient)
        .select_related("location", "practitioner", "appointment_type")
        .order_by("-start", "-id")[:VISITS_SHOWN]
    )


def patient_visits_all(actor: Actor, patient: Patient) -> list[Appointment]:
    """Every visit of the patient at the actor's locations, cancelled ones included,
    the earliest first, in one query: a record that leaves the practice (the FHIR
    export) holds them all, not the newest ``VISITS_SHOWN``."""
    return list(
        _visits_in_scope(actor, patient)
        .select_related("location", "practitioner", "appointment_type")
        .order_by("start", "id")
    )


# Visits still ahead of the patient: booked, or arrived and not yet over.
AHEAD = (Appointment.Status.BOOKED, Appointment.Status.ARRIVED)


def patient_visits_split(
    actor: Actor, patient: Patient, *, now: datetime
) -> tuple[list[Appointment], list[Appointment]]:
    """The patient's visits (``patient_visits``) as the record and the chart show them:
    those still ahead, soonest first, and the rest (past or cancelled), latest first."""
    visits = patient_visits(actor, patient)
    upcoming = sorted(
        (visit for visit in visits if visit.status in AHEAD and visit.end > now),
        key=lambda visit: visit.start,
    )
    earlier = [visit for visit in visits if visit not in upcoming]
    return upcoming, earlier


def patient_messages(actor: Actor, patient: Patient) -> list[OutboundMessage]:
    """What was sent (or is waiting, or failed) to the patient about their visits at the
    actor's locations, newest first, in one query. Bodies are not for the page: a link
    message carries the patient's token."""
    visits = _visits_in_scope(actor, patient).values("pk")
    return list(
        OutboundMessage.objects.filter(appointment__in=visits)
        .select_related("appointment__location")
        .defer("body")
        .order_by("-created_at", "-id")[:MESSAGES_SHOWN]
    )
