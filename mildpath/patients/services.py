"""Every write of patient data: atomic, audited, taking the actor and the time.

Patients and their links are created here and nowhere else: booking finds or adds its
patient through ``patient_for_booking`` and its messages' links through
``patient_link_issue``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.audit.queries import actions_from_address
from mildpath.audit.services import record
from mildpath.patients.models import BreakGlassGrant, Patient, PatientLink, PatientMatch
from mildpath.patients.tokens import make_token, read_token
from mildpath.practice.models import Location

BREAK_GLASS_MINUTES = 60
LINK_LIFETIME = {
    PatientLink.Purpose.MANAGE_APPOINTMENT: timedelta(days=30),
    PatientLink.Purpose.QUESTIONNAIRE: timedelta(days=14),
    PatientLink.Purpose.PROGRESS: timedelta(days=90),
    PatientLink.Purpose.EARLIER_TIME: timedelta(hours=12),
}
SINGLE_USE = {PatientLink.Purpose.QUESTIONNAIRE}
# A browser that presents this many bad links in the window is refused for a while.
LINK_FAILURES_ALLOWED = 10
LINK_FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class PatientDetails:
    """Who a booking is for, as the person (or the front desk) gave it."""

    given_name: str
    family_name: str
    date_of_birth: date
    phone: str
    email: str
    preferred_language: str


@transaction.atomic
def patient_create(
    *,
    actor: Actor,
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
    record(action="patient.create", actor=actor, now=now, obj=patient, patient_id=patient.pk)
    return patient


# The details a patient is reached by, and their home's ZIP code, which the front desk
# may correct.
CONTACT_FIELDS = ("phone", "email", "postal_code", "preferred_language")


@transaction.atomic
def patient_contact_change(
    *,
    actor: Actor,
    patient: Patient,
    phone: str,
    email: str,
    postal_code: str,
    preferred_language: str,
    now: datetime,
) -> list[str]:
    """Correct how a patient is reached, and their ZIP code; returns the names of the
    fields that changed (none: nothing written, nothing recorded). The audit entry names
    the fields, not their old or new values, so the trail does not become a second copy
    of the record. Call ``scheduling.services.patient_record.patient_contact_update``
    instead when messages already waiting should follow the change."""
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    wanted = {
        "phone": phone,
        "email": email,
        "postal_code": postal_code,
        "preferred_language": preferred_language,
    }
    changed = [name for name in CONTACT_FIELDS if getattr(locked, name) != wanted[name]]
    if not changed:
        return []
    for name in changed:
        setattr(locked, name, wanted[name])
        setattr(patient, name, wanted[name])
    locked.save(update_fields=changed)
    record(
        action="patient.contact",
        actor=actor,
        now=now,
        obj=locked,
        patient_id=locked.pk,
        detail={"fields": changed},
    )
    return changed


def patient_known(*, details: PatientDetails) -> Patient | None:
    """The patient these details name, if we know them: phone and date of birth narrow
    it through an index, names compare case-blind. Call it under the person lock
    (``scheduling.services.locks.person_lock``) when what follows depends on it."""
    for candidate in Patient.objects.filter(
        phone=details.phone, date_of_birth=details.date_of_birth, merged_into__isnull=True
    ).order_by("id"):
        if (
            candidate.given_name.casefold() == details.given_name.casefold()
            and candidate.family_name.casefold() == details.family_name.casefold()
        ):
            return candidate
    return None


def patient_location_add(
    *, actor: Actor, patient: Patient, location: Location, now: datetime
) -> bool:
    """The patient is seen at ``location`` from now on (its front desk sees them), with
    an audit entry when that is new. Call inside the transaction of the change that
    brings them there (a booking, a visit moved there). True when it was new."""
    if patient.locations.filter(pk=location.pk).exists():
        return False
    patient.locations.add(location)
    record(
        action="patient.location",
        actor=actor,
        now=now,
        obj=patient,
        patient_id=patient.pk,
        detail={"location": location.slug},
    )
    return True


def patient_for_booking(
    *,
    actor: Actor,
    details: PatientDetails,
    known: Patient | None,
    location: Location,
    now: datetime,
    public: bool = False,
) -> Patient:
    """The patient a booking is for, seen at ``location`` from now on (its front desk
    sees them). Call inside the booking's transaction.

    The front desk (``public`` False) books a person it is talking to: ``known`` (from
    ``patient_known``) is that person. A booking made online (``public``) never attaches
    to an existing record: it gets a record of its own, and if the details match a known
    patient, the match waits for the front desk to confirm (``PatientMatch``)."""
    if known is not None and not public:
        patient_location_add(actor=actor, patient=known, location=location, now=now)
        return known
    patient = Patient.objects.create(
        given_name=details.given_name,
        family_name=details.family_name,
        date_of_birth=details.date_of_birth,
        phone=details.phone,
        email=details.email,
        preferred_language=details.preferred_language,
        created_at=now,
    )
    patient.locations.add(location)
    record(
        action="patient.create",
        actor=actor,
        now=now,
        obj=patient,
        patient_id=patient.pk,
        detail={"location": location.slug},
    )
    if known is not None:
        match = PatientMatch.objects.create(
            new_patient=patient, existing_patient=known, created_at=now
        )
        record(
            action="patient.match",
            actor=actor,
            now=now,
            obj=match,
            patient_id=patient.pk,
            detail={"existing": known.pk},
        )
    return patient


class MatchDecided(Exception):
    """Somebody decided this match already."""


def patient_match_decide(
    *,
    actor: Actor,
    match: PatientMatch,
    same_person: bool,
    now: datetime,
    moved_visits: list[int] | None = None,
) -> PatientMatch:
    """The front desk's answer to a possible match. Same person: the new record's links
    and locations join the existing record, and the new record is marked merged into it
    (its visits are moved first by the scheduling service that owns them). Different
    people: both records stay. Call inside the deciding transaction."""
    locked = PatientMatch.objects.select_for_update().get(pk=match.pk)
    if locked.status != PatientMatch.Status.PENDING:
        raise MatchDecided
    new, existing = locked.new_patient, locked.existing_patient
    if same_person:
        PatientLink.objects.filter(patient=new).update(patient=existing)
        existing.locations.add(*new.locations.all())
        if new.email and not existing.email:
            # Their visit booked online promised its reminders to this address.
            existing.email = new.email
            existing.save(update_fields=["email"])
        new.merged_into = existing
        new.save(update_fields=["merged_into"])
        # Matches still waiting on the joined record now wait on the one it joined.
        PatientMatch.objects.filter(
            existing_patient=new, status=PatientMatch.Status.PENDING
        ).update(existing_patient=existing)
    locked.status = (
        PatientMatch.Status.SAME_PERSON if same_person else PatientMatch.Status.DIFFERENT
    )
    locked.decided_at = now
    locked.decided_by = actor.user
    locked.save(update_fields=["status", "decided_at", "decided_by"])
    record(
        action="patient.merge" if same_person else "patient.keep_apart",
        actor=actor,
        now=now,
        obj=locked,
        patient_id=existing.pk,
        detail={"new": new.pk, "existing": existing.pk, "visits": moved_visits or []},
    )
    return locked


@transaction.atomic
def break_glass_grant(*, actor: Actor, patient_id: int, now: datetime) -> BreakGlassGrant | None:
    """Emergency access to one patient for an hour, with the reason (``actor.reason``)
    on record."""
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None or actor.user is None:
        return None
    grant = BreakGlassGrant.objects.create(
        user=actor.user,
        patient=patient,
        reason=actor.reason,
        granted_at=now,
        expires_at=now + timedelta(minutes=BREAK_GLASS_MINUTES),
    )
    record(
        action="emergency.grant",
        actor=actor,
        now=now,
        obj=grant,
        patient_id=patient.pk,
        detail={"minutes": BREAK_GLASS_MINUTES},
    )
    return grant


@dataclass(frozen=True)
class IssuedLink:
    link: PatientLink
    token: str


# No savepoint of its own: called inside a booking's or a message's transaction, it
# commits or rolls back with it (and alone, it is a transaction of its own).
@transaction.atomic(savepoint=False)
def patient_link_issue(
    *,
    actor: Actor,
    patient: Patient,
    purpose: str,
    now: datetime,
    target_id: int | None = None,
    expires_at: datetime | None = None,
    sent_by: str = "",
) -> IssuedLink:
    """A signed link for the patient to act without a password: about ``target_id``
    (the appointment to manage, the waiting-list entry offered), until ``expires_at``
    (default: the purpose's usual lifetime); ``sent_by`` names the channel ("sms",
    "email") when staff send it from the patient's record."""
    kind = PatientLink.Purpose(purpose)
    link = PatientLink.objects.create(
        patient=patient,
        purpose=kind,
        single_use=kind in SINGLE_USE,
        target_id=target_id,
        created_at=now,
        created_by=actor.user,
        expires_at=expires_at or now + LINK_LIFETIME[kind],
    )
    record(
        action="link.issue",
        actor=actor,
        now=now,
        obj=link,
        patient_id=patient.pk,
        detail={
            "purpose": kind.value,
            **({"target": target_id} if target_id else {}),
            **({"sent_by": sent_by} if sent_by else {}),
        },
    )
    return IssuedLink(link=link, token=make_token(link.pk, kind.value))


def patient_links_extend(*, purpose: str, target_id: int, expires_at: datetime) -> int:
    """Links about something whose time changed (a moved appointment) keep working until
    ``expires_at``. Call inside the transaction of that change, which records it."""
    return PatientLink.objects.filter(
        purpose=purpose, target_id=target_id, revoked_at__isnull=True
    ).update(expires_at=expires_at)


@transaction.atomic
def patient_link_revoke(*, actor: Actor, link: PatientLink, now: datetime) -> None:
    if link.revoked_at is not None:
        return
    link.revoked_at = now
    link.revoked_by = actor.user
    link.save(update_fields=["revoked_at", "revoked_by"])
    record(action="link.revoke", actor=actor, now=now, obj=link, patient_id=link.patient_id)


@dataclass(frozen=True)
class LinkCheck:
    """What opening a link found: the link when it may be used, else why not."""

    state: str  # active, used, expired, revoked, invalid, wrong_purpose, throttled
    link: PatientLink | None = None


def link_throttled(*, actor: Actor, now: datetime) -> bool:
    """Whether this address has presented too many bad links lately."""
    recent = actions_from_address(
        ip=actor.client_ip,
        actions=["link.reject"],
        since=now - LINK_FAILURE_WINDOW,
        limit=LINK_FAILURES_ALLOWED,
    )
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
def patient_link_open(*, actor: Actor, token: str, purpose: str, now: datetime) -> LinkCheck:
    """Check a link a patient opened or acted through, and record the attempt either way.

    An address that has presented too many bad links is refused further guesses, but
    a genuine link still works from it: the patient whose phone shares an address with
    a guesser is not locked out of their own appointment."""
    check = patient_link_check(token=token, purpose=purpose, now=now)
    state, link = check.state, check.link
    if state == "active" and link is not None:
        record(action="link.open", actor=actor, now=now, obj=link, patient_id=link.patient_id)
        return LinkCheck(state, link)
    if link_throttled(actor=actor, now=now):
        return LinkCheck("throttled")
    record(
        action="link.reject",
        actor=actor,
        now=now,
        obj=link,
        patient_id=link.patient_id if link else None,
        detail={"state": state},
    )
    return LinkCheck(state, link)


@transaction.atomic
def patient_link_consume(*, actor: Actor, link: PatientLink, now: datetime) -> None:
    """Mark a single-use link used once the patient has finished what it was for."""
    PatientLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    record(action="link.use", actor=actor, now=now, obj=link, patient_id=link.patient_id)
