"""Reads of patient data. Each takes the actor, enforces location scoping and writes
one audit entry. Views never query Patient themselves."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from mildpath.accounts.access import may, scoped_locations
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.patients.models import BreakGlassGrant, Patient, PatientLink


def patients_in_scope(actor: Actor) -> QuerySet[Patient]:
    """Patients this staff member may see: their locations, plus emergency grants."""
    if not may(actor.user, Capability.PATIENT_CONTACT):
        return Patient.objects.none()
    locations = scoped_locations(actor.user)
    if locations is None:
        return Patient.objects.all()
    granted = BreakGlassGrant.objects.filter(user=actor.user, expires_at__gt=clock.now()).values(
        "patient_id"
    )
    return Patient.objects.filter(Q(locations__in=locations) | Q(id__in=granted)).distinct()


def patient_list(actor: Actor, *, search: str = "") -> list[Patient]:
    patients = patients_in_scope(actor).prefetch_related("locations")
    if search:
        for term in search.split():
            patients = patients.filter(
                Q(given_name__icontains=term)
                | Q(family_name__icontains=term)
                | Q(phone__contains=term)
            )
    found = list(patients[:200])
    record(
        action="patient.list",
        actor=actor,
        now=clock.now(),
        detail={"search": search[:100], "count": len(found)},
    )
    return found


def patient_for_change(actor: Actor, patient_id: int) -> Patient:
    """A patient in scope, for a service that changes something and audits that change
    (one entry per action, so no separate read entry). Raises Http404 if there is no
    such patient and PermissionDenied if it is outside the staff member's locations."""
    patient = patients_in_scope(actor).filter(pk=patient_id).first()
    if patient is None:
        if Patient.objects.filter(pk=patient_id).exists():
            raise PermissionDenied
        raise Http404
    return patient


def patient_get(actor: Actor, patient_id: int) -> Patient:
    """One patient to look at, if in scope; the look is audited."""
    patient = patient_for_change(actor, patient_id)
    record(action="patient.read", actor=actor, now=clock.now(), obj=patient, patient_id=patient.pk)
    return patient


def patient_links(patient: Patient) -> list[PatientLink]:
    """Links of a patient already read (and audited) through ``patient_get``."""
    return list(patient.links.select_related("created_by", "revoked_by")[:50])
