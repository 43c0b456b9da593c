"""Questionnaire invitations: the intake set with a first consultation's confirmation,
and each follow-up time point's invitation and reminder, written into the outbox.

Invitations go out exactly once per time point: the worker marks the time point
invited in the transaction that writes its messages, claims time points the way it
claims messages (``skip_locked`` on PostgreSQL, one writer at a time on SQLite), and
each message's key names the time point, so a worker killed mid-round and started
again neither loses an invitation nor sends one twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

from django.db import connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_noop

from mildpath.audit.actor import Actor
from mildpath.patients.models import Patient, PatientLink
from mildpath.questionnaires.models import TimePoint
from mildpath.questionnaires.services import follow_up_plan_start, time_point_invited
from mildpath.scheduling.models import Appointment, AppointmentType, OutboundMessage
from mildpath.scheduling.services.locks import questions_again_lock
from mildpath.scheduling.services.messages import (
    link_url_issue,
    message_write,
    render_for_patient,
    subject_in,
)

PLANNER = Actor.system("follow-up plan")
PROGRESS_LINK_LIFETIME = timedelta(days=90)
# A patient's own "send me the link again" sends at most once in this long per time
# point; a press within it is told when the last one went.
QUESTIONS_AGAIN_GAP = timedelta(minutes=10)
SUBJECTS = {
    "invite": gettext_noop("A few questions about your back and legs"),
    "remind": gettext_noop("Reminder: a few questions about your back and legs"),
}


def _texts_wanted(patient: Patient) -> bool:
    """A patient is texted when they gave no email address or asked for texts."""
    if not patient.email:
        return True
    return Appointment.objects.filter(patient=patient, remind_by_sms=True).exists()


def questionnaire_url_issue(*, actor: Actor, time_point: TimePoint, now: datetime) -> str:
    url, _link = link_url_issue(
        actor=actor,
        patient=time_point.patient,
        purpose=PatientLink.Purpose.QUESTIONNAIRE,
        target_id=time_point.pk,
        expires_at=time_point.closes_at,
        now=now,
    )
    return url


# One transaction with its link, its messages and the time point's mark (the worker's
# round already holds one; the front desk's "send again" does not).
@transaction.atomic(savepoint=False)
def questionnaire_messages_queue(
    *,
    actor: Actor,
    time_point: TimePoint,
    now: datetime,
    reminder: bool = False,
    again: bool = False,
) -> list[str]:
    """Ask the patient for this time point's answers (or remind them; ``again``: the
    front desk asks once more), by email when they gave an address and by text when
    they asked for texts or gave no address. A follow-up's message also carries a link
    to the patient's progress so far. Returns the channels a message will go by (a
    phone that replied STOP gets none)."""
    patient = time_point.patient
    url = questionnaire_url_issue(actor=actor, time_point=time_point, now=now)
    progress_url = ""
    if time_point.code != "baseline":
        progress_url, _link = link_url_issue(
            actor=actor,
            patient=patient,
            purpose=PatientLink.Purpose.PROGRESS,
            target_id=time_point.pk,
            expires_at=now + PROGRESS_LINK_LIFETIME,
            now=now,
        )
    kind = "remind" if reminder or again else "invite"
    context = {
        "patient": patient,
        "time_point": time_point,
        "questionnaire_url": url,
        "progress_url": progress_url,
        "reminder": reminder or again,
        "closes": time_point.closes_at,
    }
    language, tz = patient.preferred_language, time_point.location.tz
    channels = []
    if patient.email:
        body = render_for_patient(
            template="scheduling/email/questionnaire.txt", language=language, tz=tz, context=context
        )
        channels.append(
            ("email", patient.email, subject_in(text=SUBJECTS[kind], language=language), body)
        )
    if _texts_wanted(patient):
        body = render_for_patient(
            template="scheduling/email/questionnaire_sms.txt",
            language=language,
            tz=tz,
            context=context,
        )
        channels.append(("sms", patient.phone, "", body))
    # The worker's messages are keyed by the time point alone, so a round run twice
    # writes them once; the front desk's "send again" is a new message each time.
    suffix = f":{uuid4().hex[:12]}" if again else ""
    going = []
    for channel, to, subject, body in channels:
        message = message_write(
            appointment=None,
            time_point=time_point,
            key=f"questionnaire:{kind}:{time_point.pk}:{channel}{suffix}",
            kind=f"questionnaire_{kind}",
            channel=channel,
            to=to,
            subject=subject,
            body=body,
            send_after=now,
            now=now,
        )
        if message.status != OutboundMessage.Status.CANCELLED:
            going.append(channel)
    if not again:
        time_point_invited(time_point=time_point, now=now, reminder=reminder)
    return going


@dataclass(frozen=True)
class LinkResent:
    channels: list[str]  # where the link went now; empty: nowhere (see ``last_sent``)
    last_sent: datetime | None  # a link asked for within the gap: nothing more was sent


def questionnaire_link_resend(*, actor: Actor, time_point: TimePoint, now: datetime) -> LinkResent:
    """The patient asks, from the page about their visit, for the questionnaire link
    again: a new link goes to their own email address or phone, as the front desk's
    "send again" sends it, never to the page. At most once per QUESTIONS_AGAIN_GAP
    per time point, counting the worker's reminders too, so that a second press or a
    second tab sends nothing more."""
    with transaction.atomic():
        questions_again_lock(time_point_id=time_point.pk)
        last_sent = (
            OutboundMessage.objects.filter(
                time_point=time_point,
                kind__startswith="questionnaire_",
                created_at__gt=now - QUESTIONS_AGAIN_GAP,
            )
            .exclude(status=OutboundMessage.Status.CANCELLED)  # a stopped phone's text
            .order_by("-created_at")
            .values_list("created_at", flat=True)
            .first()
        )
        if last_sent is not None:
            return LinkResent(channels=[], last_sent=last_sent)
        channels = questionnaire_messages_queue(
            actor=actor, time_point=time_point, now=now, again=True
        )
    return LinkResent(channels=channels, last_sent=None)


def intake_start(*, actor: Actor, appointment: Appointment, now: datetime) -> str:
    """For a first consultation: the patient's follow-up plan (if they have none yet)
    and a link to its baseline questionnaires, due before the visit, for the booking
    confirmation to carry; "" for any other visit, or when the baseline is answered."""
    if appointment.appointment_type.kind != AppointmentType.Kind.CONSULTATION:
        return ""
    baseline = follow_up_plan_start(
        actor=actor,
        patient=appointment.patient,
        location=appointment.location,
        anchor_date=appointment.start.astimezone(appointment.location.tz).date(),
        due_at=appointment.start,
        now=now,
        invited=True,
    )
    if baseline.state(now) not in ("open", "overdue"):
        return ""  # answered already, or missed before a procedure was counted
    if baseline.invited_at is None:
        time_point_invited(time_point=baseline, now=now)
    return questionnaire_url_issue(actor=actor, time_point=baseline, now=now)


def _claim(points: Q, *, limit: int) -> list[TimePoint]:
    due = (
        TimePoint.objects.filter(points, completed_at__isnull=True, superseded_at__isnull=True)
        .select_related("patient", "location")
        .order_by("opens_at", "id")
    )
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    else:
        due = due.select_for_update()
    return list(due[:limit])


def _reminder_due(point: TimePoint) -> datetime:
    """Halfway through the window; for the intake set, halfway between the booking (when
    its window opened) and the visit it is due by."""
    middle = point.opens_at + (point.closes_at - point.opens_at) / 2
    if point.code == "baseline" and point.due_at is not None:
        return min(middle, point.due_at - (point.due_at - point.opens_at) / 2)
    return middle


def questionnaire_invitations_queue(*, now: datetime, limit: int = 50) -> dict[str, int]:
    """One round of the worker: invite the patients whose time point's window has
    opened, and remind those halfway through it who have not answered."""
    done = {"invited": 0, "reminded": 0}
    with transaction.atomic():
        opened = Q(opens_at__lte=now, closes_at__gt=now)
        for point in _claim(opened & Q(invited_at__isnull=True), limit=limit):
            questionnaire_messages_queue(actor=PLANNER, time_point=point, now=now)
            done["invited"] += 1
    with transaction.atomic():
        waiting = Q(
            opens_at__lte=now, closes_at__gt=now, invited_at__isnull=False, reminded_at__isnull=True
        )
        # Which reminders are due is read first, over every waiting time point: claiming
        # the first few by opening time would let long windows whose reminder is weeks
        # off crowd out a short one's that is due now.
        candidates = TimePoint.objects.filter(
            waiting, completed_at__isnull=True, superseded_at__isnull=True
        ).only("pk", "code", "opens_at", "closes_at", "due_at")
        due = [point.pk for point in candidates if now >= _reminder_due(point)][:limit]
        for point in _claim(waiting & Q(pk__in=due), limit=limit):
            questionnaire_messages_queue(actor=PLANNER, time_point=point, now=now, reminder=True)
            done["reminded"] += 1
    return {name: count for name, count in done.items() if count}
