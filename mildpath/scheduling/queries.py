"""Reads of scheduling data that carries patient contact details: scoped by the actor's
locations and audited, like ``patients.queries``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from mildpath.accounts.access import active_locations_for, may, scoped_locations
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core import clock
from mildpath.core.phone import format_phone
from mildpath.patients.models import PatientLink
from mildpath.patients.queries import refuse
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.availability import HoursChange, visits_outside_changed_hours
from mildpath.scheduling.models import (
    Appointment,
    AppointmentType,
    ConsultationRequest,
    OutboundMessage,
    ScheduleOverride,
    TextOptOut,
    WaitlistEntry,
    WorkingHours,
)


def _audited_visits(actor: Actor, rows: list[Appointment], **detail: object) -> list[Appointment]:
    """A list of visits as staff saw it: one audit entry naming its patients."""
    record(
        action="appointment.list",
        actor=actor,
        now=clock.now(),
        detail={**detail, "count": len(rows), "patients": sorted({r.patient_id for r in rows})},
    )
    return rows


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
    if status == ConsultationRequest.Status.NEW:
        found = found.order_by("created_at", "id")  # to call back: the longest waiting first
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
    detail: dict[str, object] = {"location": location.slug}
    if practitioner_id is not None:
        detail["practitioner"] = practitioner_id
    return _audited_visits(actor, rows, **detail)


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
    """Failed messages about visits, or questions, at the actor's locations."""
    if not may(actor.user, Capability.SCHEDULE_MANAGE):
        return OutboundMessage.objects.none()
    failed = OutboundMessage.objects.filter(status=OutboundMessage.Status.FAILED)
    locations = scoped_locations(actor.user)
    if locations is None:
        return failed
    return failed.filter(
        Q(appointment__location__in=locations) | Q(time_point__location__in=locations)
    )


def failed_message_count(actor: Actor) -> int:
    """How many messages to patients at the actor's locations could not be sent and are
    still to be dealt with (no patient detail, so no audit entry)."""
    return _failed_in_scope(actor).filter(handled_at__isnull=True).count()


HANDLED_SHOWN_DAYS = 14  # failed messages marked done stay listed (to undo) this long


@dataclass(frozen=True)
class FailedMessages:
    waiting: list[OutboundMessage]  # still to call about, the most recent first
    handled: list[OutboundMessage]  # marked done in the last HANDLED_SHOWN_DAYS


def failed_messages(actor: Actor, *, now: datetime, limit: int = 200) -> FailedMessages:
    """Messages that could not be sent, with their patients, audited: those still to
    deal with, and those marked done lately (which can be put back)."""
    found = _failed_in_scope(actor).select_related(
        "appointment__patient",
        "appointment__location",
        "time_point__patient",
        "time_point__location",
        "handled_by",
    )
    waiting = list(found.filter(handled_at__isnull=True).order_by("-send_after", "-id")[:limit])
    handled = list(
        found.filter(handled_at__gte=now - timedelta(days=HANDLED_SHOWN_DAYS)).order_by(
            "-handled_at", "-id"
        )[:limit]
    )
    record(
        action="patient.list",
        actor=actor,
        now=now,
        detail={
            "list": "failed_messages",
            "count": len(waiting) + len(handled),
            "patients": sorted(
                {row.patient.pk for row in waiting + handled if row.patient is not None}
            ),
        },
    )
    return FailedMessages(waiting=waiting, handled=handled)


def failed_message_for_change(actor: Actor, message_id: int) -> OutboundMessage:
    """A failed message in scope, for a service that audits its own change."""
    found = _failed_in_scope(actor).filter(pk=message_id).first()
    if found is None:
        refuse(actor, OutboundMessage.objects.filter(pk=message_id).first())
    return found


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


# The front desk's day: the staff home's reads and the calendar's changes of hours.


def appointments_in_scope_between(
    actor: Actor, *, start: datetime, end: datetime, practitioner_ids: list[int] | None = None
) -> list[Appointment]:
    """Visits in [start, end) at every location of the actor's, not cancelled, for the
    given practitioners or everyone, earliest first, audited (one query)."""
    found = (
        _appointments_in_scope(actor)
        .filter(start__gte=start, start__lt=end)
        .exclude(status=Appointment.Status.CANCELLED)
    )
    if practitioner_ids is not None:
        found = found.filter(practitioner_id__in=practitioner_ids)
    rows = list(found.order_by("start", "location__sort_order", "practitioner__family_name"))
    return _audited_visits(actor, rows, list="day")


def consultation_requests_waiting(
    actor: Actor, *, limit: int = 3
) -> tuple[int, list[ConsultationRequest]]:
    """How many call-back requests are still new, and the oldest few (audited)."""
    waiting = _requests_in_scope(actor).filter(status=ConsultationRequest.Status.NEW)
    count = waiting.count()
    rows = list(waiting.order_by("created_at", "id")[:limit])
    record(
        action="callback.list",
        actor=actor,
        now=clock.now(),
        detail={"status": "new", "count": len(rows), "requests": [row.pk for row in rows]},
    )
    return count, rows


def visits_with_texts_stopped(
    actor: Actor, *, now: datetime, days: int = 30, limit: int = 10
) -> tuple[int, list[Appointment]]:
    """Booked visits in the next ``days`` at the actor's locations whose patient's phone
    replied STOP: those patients hear from us by email or by a call. Counted once per
    patient (their next visit), the first ``limit`` returned, audited. One query: the
    stopped numbers are a subquery."""
    upcoming = _appointments_in_scope(actor).filter(
        status=Appointment.Status.BOOKED, start__gte=now, start__lt=now + timedelta(days=days)
    )
    stopped = TextOptOut.objects.filter(stopped=True).values("phone")
    first: dict[int, Appointment] = {}
    for visit in upcoming.filter(patient__phone__in=stopped).order_by("start"):
        first.setdefault(visit.patient_id, visit)
    rows = list(first.values())
    record(
        action="patient.list",
        actor=actor,
        now=clock.now(),
        detail={
            "list": "texts_stopped",
            "count": len(rows),
            "patients": sorted(row.patient_id for row in rows[:limit]),
        },
    )
    return len(rows), rows[:limit]


@dataclass
class LocationWeek:
    """One location's week, in numbers (no patient is named, so nothing is audited)."""

    location: Location | None
    bookings: int = 0
    visits: int = 0
    no_shows: int = 0
    call_backs: int = 0
    call_backs_booked: int = 0

    @property
    def booked_share(self) -> int | None:
        """Percent of this week's call-back requests now marked booked."""
        if not self.call_backs:
            return None
        return round(100 * self.call_backs_booked / self.call_backs)


def week_summary(actor: Actor, *, first_day: date) -> list[LocationWeek]:
    """For each of the actor's locations, the seven days from ``first_day`` (on its own
    calendar): bookings made, visits held, no-shows, call-back requests received and how
    many of those are now booked; requests for "any location" in a row of their own."""
    weeks: list[LocationWeek] = []
    any_location = LocationWeek(location=None)
    for location in active_locations_for(actor.user):
        tz = location.tz
        start = datetime.combine(first_day, time.min, tzinfo=tz)
        end = start + timedelta(days=7)
        made = Q(created_at__gte=start, created_at__lt=end)
        held = Q(start__gte=start, start__lt=end)
        counts = Appointment.objects.filter(location=location).aggregate(
            bookings=Count("pk", filter=made),
            visits=Count("pk", filter=held & Q(status__in=["arrived", "fulfilled"])),
            no_shows=Count("pk", filter=held & Q(status="noshow")),
        )
        requests = ConsultationRequest.objects.filter(
            created_at__gte=start, created_at__lt=end
        ).aggregate(
            here=Count("pk", filter=Q(preferred_location=location)),
            here_booked=Count("pk", filter=Q(preferred_location=location, status="booked")),
            anywhere=Count("pk", filter=Q(preferred_location__isnull=True)),
            anywhere_booked=Count("pk", filter=Q(preferred_location__isnull=True, status="booked")),
        )
        weeks.append(
            LocationWeek(
                location=location,
                bookings=counts["bookings"],
                visits=counts["visits"],
                no_shows=counts["no_shows"],
                call_backs=requests["here"],
                call_backs_booked=requests["here_booked"],
            )
        )
        # Every location's week holds the same days: count "any location" once.
        any_location.call_backs = requests["anywhere"]
        any_location.call_backs_booked = requests["anywhere_booked"]
    if any_location.call_backs:
        weeks.append(any_location)
    return weeks


def visits_in_changed_hours(actor: Actor, change: HoursChange) -> list[Appointment]:
    """Booked visits that would fall outside their practitioner's hours after
    ``change`` (``availability.visits_outside_changed_hours``), at one of the actor's
    locations. Audited: the page lists them by patient."""
    if not may(actor.user, Capability.SCHEDULE_VIEW) or change.location.pk not in {
        place.pk for place in locations_for_hours(actor)
    }:
        return []
    return _audited_visits(actor, visits_outside_changed_hours(change), list="in_changed_hours")


def schedule_overrides_for(
    actor: Actor, *, location: Location, first_day: date, last_day: date
) -> list[ScheduleOverride]:
    """The changes of hours at one of the actor's locations between two dates (no
    patient data)."""
    if location.pk not in {place.pk for place in locations_for_hours(actor)}:
        return []
    return list(
        ScheduleOverride.objects.filter(location=location, date__gte=first_day, date__lte=last_day)
        .select_related("practitioner", "location")
        .order_by("date", "practitioner__family_name", "start")
    )


def hours_at(
    *, location: Location, first_day: date, last_day: date
) -> tuple[list[WorkingHours], list[ScheduleOverride]]:
    """The weekly hours of the active practitioners at a location the caller has
    already checked is the actor's, and its changes between two dates (two queries;
    no patient data)."""
    weekly = list(
        WorkingHours.objects.filter(location=location, practitioner__is_active=True)
        .select_related("practitioner")
        .order_by("practitioner__family_name", "weekday", "start")
    )
    changes = list(
        ScheduleOverride.objects.filter(location=location, date__gte=first_day, date__lte=last_day)
        .select_related("practitioner", "location")
        .order_by("date", "practitioner__family_name", "start")
    )
    return weekly, changes


def locations_for_hours(actor: Actor) -> list[Location]:
    """Where the actor may change practitioners' hours: their locations, or every
    location for whoever keeps the system's settings (already able to in the admin)."""
    if not may(actor.user, Capability.SCHEDULE_HOURS):
        return []
    if may(actor.user, Capability.SYSTEM_SETTINGS):
        return list(Location.objects.filter(is_active=True))
    return list(active_locations_for(actor.user))


def practitioners_at(locations: list[Location]) -> list[Practitioner]:
    """Active practitioners working at any of these locations, with their locations."""
    return list(
        Practitioner.objects.filter(locations__in=locations, is_active=True)
        .prefetch_related("locations")
        .distinct()
        .order_by("family_name", "given_name")
    )


def schedule_override_for_change(actor: Actor, override_id: int) -> ScheduleOverride:
    """A change of hours at one of the actor's locations (404 otherwise)."""
    found = (
        ScheduleOverride.objects.select_related("practitioner", "location")
        .filter(pk=override_id, location__in=locations_for_hours(actor))
        .first()
    )
    if found is None:
        raise Http404
    return found


def same_kind_at_my_locations(actor: Actor, kind: AppointmentType) -> list[AppointmentType]:
    """The same kind of visit at each of the actor's active locations that offers it
    (where a visit may be moved to), in the locations' order."""
    return list(
        AppointmentType.objects.filter(
            kind=kind.kind, is_active=True, location__in=active_locations_for(actor.user)
        )
        .select_related("location")
        .order_by("location__sort_order", "location__name")
    )


def practitioners_for(kind: AppointmentType) -> list[Practitioner]:
    """The active practitioners who see this kind of visit at its location."""
    return list(kind.practitioners.filter(is_active=True).order_by("family_name", "given_name"))


def first_kind_seen_by(kinds: list[AppointmentType], doctor: str) -> AppointmentType | None:
    """The first of ``kinds`` that the active practitioner with the id ``doctor`` (as a
    query string gives it) sees; None when none does, or ``doctor`` is no id."""
    if not (doctor.isascii() and doctor.isdigit() and len(doctor) < 19):
        return None
    seen = set(
        AppointmentType.objects.filter(
            pk__in=[kind.pk for kind in kinds],
            practitioners__pk=int(doctor),
            practitioners__is_active=True,
        ).values_list("pk", flat=True)
    )
    return next((kind for kind in kinds if kind.pk in seen), None)


def text_stopped_phones(phones: Iterable[str]) -> set[str]:
    """Which of these numbers (E.164, as patients' records keep them) replied STOP and
    have not replied START since: they get no texts. One query, for a whole list."""
    wanted = {phone for phone in phones if phone}
    if not wanted:
        return set()
    return set(
        TextOptOut.objects.filter(stopped=True, phone__in=wanted).values_list("phone", flat=True)
    )


@dataclass(frozen=True)
class ConfirmationsSent:
    """Where an appointment's confirmation went: a phone number (national format) and
    an email address, each "" when nothing went there; ``texts_stopped``, the number
    that gets no texts because it replied STOP. Then the reminders still to come: by
    which channels and from when (None: none will come), and whether the patient asked
    for any (a visit booked too close to its time gets none even so)."""

    by_text: str
    by_email: str
    texts_stopped: str
    reminders_by: tuple[str, ...] = ()  # "sms", "email"
    first_reminder: datetime | None = None
    reminders_asked: bool = False


def confirmations_sent(appointment: Appointment) -> ConfirmationsSent:
    """What the outbox holds for this appointment's confirmation and reminders, for the
    page the session that booked it sees: the rows themselves, not a guess from the form."""
    rows = list(appointment.messages.filter(kind__in=("confirmation", "reminder")).order_by("id"))
    confirmations = [row for row in rows if row.kind == "confirmation"]
    going = [
        row
        for row in confirmations
        if row.status not in (OutboundMessage.Status.CANCELLED, OutboundMessage.Status.FAILED)
    ]
    texts_stopped = next(
        (
            format_phone(row.to)
            for row in confirmations
            if row.channel == "sms" and row.error == OutboundMessage.TEXTS_STOPPED
        ),
        "",
    )
    # Still to come; a stopped phone's text reminders are withdrawn when they fall due.
    reminders = [
        row
        for row in rows
        if row.kind == "reminder"
        and row.status == OutboundMessage.Status.PENDING
        and not (row.channel == "sms" and texts_stopped)
    ]
    return ConfirmationsSent(
        by_text=next((format_phone(row.to) for row in going if row.channel == "sms"), ""),
        by_email=next((row.to for row in going if row.channel == "email"), ""),
        texts_stopped=texts_stopped,
        reminders_by=tuple(sorted({row.channel for row in reminders}, reverse=True)),
        first_reminder=min((row.send_after for row in reminders), default=None),
        reminders_asked=appointment.remind_by_sms or appointment.remind_by_email,
    )


def practitioner_for_user(user: object) -> Practitioner | None:
    """The doctor a clinician's account is, as the administrator linked them when
    creating the account (``StaffProfile.practitioner``); None when not linked."""
    profile = getattr(user, "staff_profile", None)
    practitioner: Practitioner | None = getattr(profile, "practitioner", None)
    return practitioner if practitioner is not None and practitioner.is_active else None


def cancellation_sent_by(appointment: Appointment) -> list[str]:
    """The channels the cancellation's own message went out on (or is about to): what
    the cancelled page may honestly say was sent. A text queued to a number that has
    since replied STOP will not go."""
    if appointment.cancelled_at is None:
        return []
    channels = set(
        appointment.messages.filter(created_at__gte=appointment.cancelled_at)
        .exclude(kind="reminder")
        .exclude(status__in=[OutboundMessage.Status.CANCELLED, OutboundMessage.Status.FAILED])
        .values_list("channel", flat=True)
    )
    if "sms" in channels and text_stopped_phones([appointment.patient.phone]):
        channels.discard("sms")
    return [channel for channel in ("email", "sms") if channel in channels]
