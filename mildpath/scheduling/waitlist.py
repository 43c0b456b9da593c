"""The waiting list: freed times offered, one patient at a time, to those they bring forward.

Offers are made inside the transaction that frees the time (a cancellation or a
move), written to the outbox like every other message, and end when taken or when
they expire; an expired offer passes to the next patient in line.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mildpath.audit.services import record
from mildpath.patients.models import PatientLink
from mildpath.patients.tokens import make_token
from mildpath.scheduling.availability import available_slots
from mildpath.scheduling.models import Appointment, OutboundMessage, WaitlistEntry

OFFER_HOURS = 12


class AlreadyWaiting(Exception):
    pass


def waitlist_join(
    *, request: HttpRequest, appointment: Appointment, now: datetime
) -> WaitlistEntry:
    with transaction.atomic():
        if WaitlistEntry.objects.filter(
            appointment=appointment, status__in=["waiting", "offered"]
        ).exists():
            raise AlreadyWaiting
        entry = WaitlistEntry.objects.create(appointment=appointment, created_at=now)
        record(
            action="update",
            request=request,
            obj=appointment,
            patient_id=appointment.patient_id,
            detail={"waitlist": "joined"},
        )
    return entry


def waitlist_offer_freed(
    *, freed: Appointment, now: datetime, skip: set[int] | None = None
) -> None:
    """Offer the time ``freed`` held to the first waiting patient it would bring forward.

    Call inside the transaction that freed it."""
    kind = freed.appointment_type
    notice = timedelta(hours=kind.minimum_notice_hours)
    if freed.start < now + notice:
        return
    candidates = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("appointment__patient", "appointment__location")
        .filter(
            status=WaitlistEntry.Status.WAITING,
            appointment__status=Appointment.Status.BOOKED,
            appointment__appointment_type=kind,
            appointment__start__gt=freed.start,
        )
        .exclude(pk__in=skip or set())
        .order_by("created_at", "id")
    )
    entry = candidates.first()
    if entry is None:
        return
    local_day = freed.start.astimezone(kind.location.tz).date()
    still_free = any(
        slot.start == freed.start
        for slot in available_slots(
            appointment_type=kind,
            first_day=local_day,
            last_day=local_day,
            now=now,
            practitioner_id=freed.practitioner_id,
        )
    )
    if not still_free:
        return
    expires = min(now + timedelta(hours=OFFER_HOURS), freed.start - notice)
    entry.status = WaitlistEntry.Status.OFFERED
    entry.offered_start = freed.start
    entry.offered_practitioner = freed.practitioner
    entry.offer_expires_at = expires
    entry.save(
        update_fields=["status", "offered_start", "offered_practitioner", "offer_expires_at"]
    )
    _send_offer(entry, now=now)
    from mildpath.scheduling.tasks import waitlist_offer_expire

    transaction.on_commit(lambda: waitlist_offer_expire.using(run_after=expires).enqueue(entry.pk))


def _send_offer(entry: WaitlistEntry, *, now: datetime) -> None:
    appointment = entry.appointment
    patient = appointment.patient
    expires = entry.offer_expires_at
    if expires is None or entry.offered_start is None:
        return
    link = PatientLink.objects.create(
        patient=patient,
        purpose=PatientLink.Purpose.EARLIER_TIME,
        target_id=entry.pk,
        created_at=now,
        expires_at=expires,
    )
    # The system, not a person, makes the offer; it still touches this patient's record.
    record(
        action="link_issued",
        obj=link,
        patient_id=patient.pk,
        actor_label="waiting list",
        detail={"offered_start": entry.offered_start.isoformat()},
    )
    from django.conf import settings

    with (
        translation.override(patient.preferred_language),
        timezone.override(appointment.location.tz),
    ):
        path = reverse("patient_link", args=[link.purpose, make_token(link.pk, link.purpose)])
        url = f"{settings.MILDPATH_BASE_URL}{path}"
        when = timezone.localtime(entry.offered_start)
        text = _(
            "An earlier time is free at %(place)s: %(when)s. To take it instead of your "
            "current appointment, open this link before it expires: %(url)s"
        ) % {
            "place": appointment.location.name,
            "when": date_format(when, "DATETIME_FORMAT"),
            "url": url,
        }
        subject = _("An earlier appointment is free")
    channels = []
    if patient.email:
        channels.append(("email", patient.email))
    if appointment.remind_by_sms:
        channels.append(("sms", patient.phone))
    offer_id = uuid4().hex[:12]  # the same time may be offered again after a withdrawal
    for channel, to in channels:
        message = OutboundMessage.objects.create(
            key=f"offer:{entry.pk}:{entry.offered_start:%Y%m%dT%H%M}:{offer_id}:{channel}",
            kind="offer",
            channel=channel,
            appointment=appointment,
            to=to,
            subject=subject if channel == "email" else "",
            body=text,
            language=patient.preferred_language,
            send_after=now,
            created_at=now,
        )
        _deliver_after_commit(message.pk)


def _deliver_after_commit(message_id: int) -> None:
    from mildpath.scheduling.tasks import deliver

    transaction.on_commit(lambda: deliver.enqueue(message_id))


class OfferGone(Exception):
    pass


def waitlist_offers_withdraw(*, practitioner_id: int, start: datetime) -> int:
    """The time is taken back (a cancellation undone): whoever was offered it waits again,
    and their link says the offer is gone. Call inside the transaction that takes it."""
    return WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.OFFERED,
        offered_practitioner_id=practitioner_id,
        offered_start=start,
    ).update(
        status=WaitlistEntry.Status.WAITING,
        offered_start=None,
        offered_practitioner=None,
        offer_expires_at=None,
    )


def waitlist_offer_accept(
    *, request: HttpRequest, entry: WaitlistEntry, now: datetime
) -> Appointment:
    """Move the patient's appointment to the offered time, if it is still theirs to take."""
    from mildpath.scheduling.booking import PatientAlreadyBooked, SlotTaken
    from mildpath.scheduling.changes import appointment_move

    with transaction.atomic():
        locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
        if (
            locked.status != WaitlistEntry.Status.OFFERED
            or locked.offer_expires_at is None
            or locked.offer_expires_at <= now
            or locked.offered_start is None
            # The patient may have moved their visit meanwhile: only an earlier time is
            # an offer worth taking.
            or locked.offered_start >= locked.appointment.start
        ):
            raise OfferGone
        try:
            moved = appointment_move(
                request=request,
                appointment=locked.appointment,
                start=locked.offered_start,
                now=now,
                practitioner_id=locked.offered_practitioner_id,
            )
        except (SlotTaken, PatientAlreadyBooked) as exc:
            raise OfferGone from exc
        locked.status = WaitlistEntry.Status.ACCEPTED
        locked.save(update_fields=["status"])
    return moved


def waitlist_offer_lapse(*, entry_id: int, now: datetime) -> None:
    """An offer nobody took: back in line, and the time goes to the next patient."""
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("appointment")
            .filter(pk=entry_id, status=WaitlistEntry.Status.OFFERED)
            .first()
        )
        if entry is None or entry.offer_expires_at is None or entry.offer_expires_at > now:
            return
        freed_start, practitioner = entry.offered_start, entry.offered_practitioner
        entry.status = WaitlistEntry.Status.WAITING
        entry.offered_start = entry.offered_practitioner = entry.offer_expires_at = None
        entry.save(
            update_fields=["status", "offered_start", "offered_practitioner", "offer_expires_at"]
        )
        if freed_start is None or practitioner is None:
            return
        ghost = Appointment(
            location=entry.appointment.location,
            appointment_type=entry.appointment.appointment_type,
            practitioner=practitioner,
            start=freed_start,
        )
        waitlist_offer_freed(freed=ghost, now=now, skip={entry.pk})
