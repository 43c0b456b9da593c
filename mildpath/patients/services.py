"""Every write of patient data: atomic, audited, taking the acting request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.http import HttpRequest

from mildpath.accounts.access import acting_user
from mildpath.audit.models import AuditEvent
from mildpath.audit.services import record
from mildpath.core.net import client_ip
from mildpath.patients.models import BreakGlassGrant, Patient, PatientLink
from mildpath.patients.tokens import make_token, read_token
from mildpath.practice.models import Location

BREAK_GLASS_MINUTES = 60
LINK_LIFETIME = {
    PatientLink.Purpose.MANAGE_APPOINTMENT: timedelta(days=30),
    PatientLink.Purpose.QUESTIONNAIRE: timedelta(days=14),
    PatientLink.Purpose.PROGRESS: timedelta(days=90),
}
SINGLE_USE = {PatientLink.Purpose.QUESTIONNAIRE}
# A browser that presents this many bad links in the window is refused for a while.
LINK_FAILURES_ALLOWED = 10
LINK_FAILURE_WINDOW = timedelta(minutes=15)


@transaction.atomic
def patient_create(
    *,
    request: HttpRequest,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    phone: str,
    email: str,
    preferred_language: str,
    locations: list[Location],
    now: datetime,
) -> Patient:
    patient = Patient.objects.create(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        phone=phone,
        email=email,
        preferred_language=preferred_language,
        created_at=now,
    )
    patient.locations.set(locations)
    record(action="create", request=request, obj=patient, patient_id=patient.pk)
    return patient


@transaction.atomic
def break_glass_grant(
    *, request: HttpRequest, patient_id: int, reason: str, now: datetime
) -> BreakGlassGrant | None:
    """Emergency access to one patient for an hour, with the reason on record."""
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        return None
    grant = BreakGlassGrant.objects.create(
        user=acting_user(request),
        patient=patient,
        reason=reason,
        granted_at=now,
        expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    record(
        action="break_glass",
        request=request,
        obj=grant,
        patient_id=patient.pk,
        purpose=reason,
        detail={"minutes": BREAK_GLASS_MINUTES},
    )
    return grant


@dataclass(frozen=True)
class IssuedLink:
    link: PatientLink
    token: str


@transaction.atomic
def patient_link_issue(
    *, request: HttpRequest, patient: Patient, purpose: str, now: datetime
) -> IssuedLink:
    kind = PatientLink.Purpose(purpose)
    link = PatientLink.objects.create(
        patient=patient,
        purpose=kind,
        single_use=kind in SINGLE_USE,
        created_at=now,
        created_by=acting_user(request),
        expires_at=now + LINK_LIFETIME[kind],
    )
    record(
        action="link_issued",
        request=request,
        obj=link,
        patient_id=patient.pk,
        detail={"purpose": kind.value},
    )
    return IssuedLink(link=link, token=make_token(link.pk, kind.value))


@transaction.atomic
def patient_link_revoke(*, request: HttpRequest, link: PatientLink, now: datetime) -> None:
    if link.revoked_at is not None:
        return
    link.revoked_at = now
    link.revoked_by = acting_user(request)
    link.save(update_fields=["revoked_at", "revoked_by"])
    record(action="link_revoked", request=request, obj=link, patient_id=link.patient_id)


@dataclass(frozen=True)
class LinkCheck:
    """What opening a link found: the link when it may be used, else why not."""

    state: str  # active, used, expired, revoked, invalid, wrong_purpose, throttled
    link: PatientLink | None = None


def link_throttled(request: HttpRequest, now: datetime) -> bool:
    ip = client_ip(request)
    if not ip:
        return False
    recent = AuditEvent.objects.filter(
        action="link_rejected", client_ip=ip, at__gte=now - LINK_FAILURE_WINDOW
    ).count()
    return recent >= LINK_FAILURES_ALLOWED


def patient_link_check(*, token: str, purpose: str, now: datetime) -> LinkCheck:
    """What a link is worth right now, without recording anything (the caller's own
    action records the use)."""
    parsed = read_token(token)
    link = None
    if parsed is None:
        state = "invalid"
    else:
        link_id, token_purpose = parsed
        link = PatientLink.objects.select_related("patient").filter(pk=link_id).first()
        if link is None:
            state = "invalid"
        elif token_purpose != purpose or link.purpose != purpose:
            state = "wrong_purpose"
        else:
            state = link.state(now)
    return LinkCheck(state, link)


@transaction.atomic
def patient_link_open(
    *, request: HttpRequest, token: str, purpose: str, now: datetime
) -> LinkCheck:
    """Check a link a patient opened, and record the attempt either way."""
    if link_throttled(request, now):
        return LinkCheck("throttled")
    check = patient_link_check(token=token, purpose=purpose, now=now)
    state, link = check.state, check.link
    if state == "active" and link is not None:
        record(action="link_opened", request=request, obj=link, patient_id=link.patient_id)
        return LinkCheck(state, link)
    record(
        action="link_rejected",
        request=request,
        obj=link,
        patient_id=link.patient_id if link else None,
        detail={"state": state},
    )
    return LinkCheck(state, link)


@transaction.atomic
def patient_link_consume(*, request: HttpRequest, link: PatientLink, now: datetime) -> None:
    """Mark a single-use link used once the patient has finished what it was for."""
    PatientLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    record(
        action="update",
        request=request,
        obj=link,
        patient_id=link.patient_id,
        detail={"used": True},
    )
