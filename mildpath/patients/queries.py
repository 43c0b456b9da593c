"""Reads of patient data. Each takes the acting request, enforces location scoping and
writes one audit entry. Views never query Patient themselves."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest

from mildpath.accounts.access import acting_user, role_of, scoped_locations
from mildpath.accounts.roles import Capability, can
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.patients.models import BreakGlassGrant, Patient, PatientLink


def patients_in_scope(request: HttpRequest) -> QuerySet[Patient]:
    """Patients this staff member may see: their locations, plus emergency grants."""
    if not can(role_of(request.user), Capability.PATIENT_CONTACT):
        return Patient.objects.none()
    locations = scoped_locations(request)
    if locations is None:
        return Patient.objects.all()
    granted = BreakGlassGrant.objects.filter(
        user=acting_user(request), expires_at__gt=clock.now()
    ).values("patient_id")
    return Patient.objects.filter(Q(locations__in=locations) | Q(id__in=granted)).distinct()


def patient_list(request: HttpRequest, *, search: str = "") -> list[Patient]:
    patients = patients_in_scope(request).prefetch_related("locations")
    if search:
        terms = search.split()
        for term in terms:
            patients = patients.filter(
                Q(given_name__icontains=term)
                | Q(family_name__icontains=term)
                | Q(phone__contains=term)
            )
    found = list(patients[:200])
    record(
        action="read",
        request=request,
        detail={"list": "patients", "search": search[:100], "count": len(found)},
    )
    return found


def patient_for_change(request: HttpRequest, patient_id: int) -> Patient:
    """A patient in scope, for a service that changes something and audits that change
    (one entry per action, so no separate read entry). Raises Http404 if there is no
    such patient and PermissionDenied if it is outside the staff member's locations."""
    patient = patients_in_scope(request).filter(pk=patient_id).first()
    if patient is None:
        if Patient.objects.filter(pk=patient_id).exists():
            raise PermissionDenied
        raise Http404
    return patient


def patient_get(request: HttpRequest, patient_id: int, *, purpose: str = "") -> Patient:
    """One patient to look at, if in scope; the look is audited."""
    patient = patient_for_change(request, patient_id)
    record(action="read", request=request, obj=patient, patient_id=patient.pk, purpose=purpose)
    return patient


def patient_links(patient: Patient) -> list[PatientLink]:
    """Links of a patient already read (and audited) through ``patient_get``."""
    return list(patient.links.select_related("created_by", "revoked_by")[:50])
