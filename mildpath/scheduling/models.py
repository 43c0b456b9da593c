"""Scheduling. For now: consultation requests, the call-me-back path.

A request stays useful once online booking exists: some patients would rather be
called, and the front desk works the list of open requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mildpath.core.phone import format_phone
from mildpath.practice.models import Location, OpeningHours

if TYPE_CHECKING:
    from mildpath.patients.models import Patient
    from mildpath.questionnaires.models import TimePoint

OpeningHoursWeekday = OpeningHours.Weekday


class ConsultationRequest(models.Model):
    class BestTime(models.TextChoices):
        MORNING = "morning", _("Morning (8 a.m. to noon)")
        AFTERNOON = "afternoon", _("Afternoon (noon to 5 p.m.)")
        ANY = "any", _("Any time")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONTACTED = "contacted", _("Contacted")
        BOOKED = "booked", _("Booked")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=20)
    preferred_location = models.ForeignKey(
        Location,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultation_requests",
        verbose_name=_("preferred location"),
        help_text=_("Empty: any location."),
    )
    best_time = models.CharField(_("best time to call"), max_length=10, choices=BestTime.choices)
    consent_to_contact = models.BooleanField(_("agreed to be contacted"))
    language = models.CharField(_("language"), max_length=5, default="en")
    created_at = models.DateTimeField(_("received"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.NEW
    )
    staff_notes = models.TextField(_("staff notes"), blank=True)

    class Meta:
        verbose_name = _("consultation request")
        verbose_name_plural = _("consultation requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consent_to_contact=True),
                name="consultation_request_requires_consent",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.created_at:%Y-%m-%d})"

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)


class AppointmentType(models.Model):
    """What can be booked at a location, for how long, and by whom."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", _("New-patient consultation")
        FOLLOW_UP = "follow_up", _("Follow-up visit")
        PROCEDURE = "procedure", _("mild procedure")
        POST_PROCEDURE = "post_procedure", _("Post-procedure check")

    DEFAULT_MINUTES = {
        Kind.CONSULTATION: 45,
        Kind.FOLLOW_UP: 20,
        Kind.PROCEDURE: 60,
        Kind.POST_PROCEDURE: 15,
    }

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="appointment_types"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"))
    buffer_before_minutes = models.PositiveSmallIntegerField(_("buffer before"), default=0)
    buffer_after_minutes = models.PositiveSmallIntegerField(_("buffer after"), default=0)
    minimum_notice_hours = models.PositiveSmallIntegerField(_("minimum notice (hours)"), default=24)
    horizon_days = models.PositiveSmallIntegerField(_("bookable this many days ahead"), default=60)
    self_bookable = models.BooleanField(_("patients may book online"), default=False)
    practitioners = models.ManyToManyField(
        "practice.Practitioner", related_name="appointment_types", verbose_name=_("who sees it")
    )
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("appointment type")
        verbose_name_plural = _("appointment types")
        constraints = [
            models.UniqueConstraint(fields=["location", "kind"], name="appointment_type_once"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="appointment_type_sane_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.location}"


class WorkingHours(models.Model):
    """A practitioner's weekly hours at one location, on that location's wall clock."""

    practitioner = models.ForeignKey(
        "practice.Practitioner", on_delete=models.CASCADE, related_name="working_hours"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=OpeningHoursWeekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["practitioner", "weekday", "start"]
        # A booking reads one practitioner's hours at one location.
        indexes = [models.Index(fields=["location", "practitioner"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="working_hours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.practitioner} {self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"
        )


class ScheduleOverride(models.Model):
    """One date that differs from the weekly hours: leave, a holiday, an extra clinic.

    With no times the practitioner does not work that date at that location.
    """

    practitioner = models.ForeignKey(
        "practice.Practitioner", on_delete=models.CASCADE, related_name="overrides"
    )
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("schedule change")
        verbose_name_plural = _("schedule changes")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(start__isnull=True) & models.Q(end__isnull=True))
                | models.Q(end__gt=models.F("start")),
                name="schedule_override_times_make_sense",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} {self.date}"


class Appointment(models.Model):
    class Status(models.TextChoices):
        # FHIR R4 Appointment.status codes.
        BOOKED = "booked", _("Booked")
        ARRIVED = "arrived", _("Arrived")
        FULFILLED = "fulfilled", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        NOSHOW = "noshow", _("Did not come")

    # Statuses that hold the practitioner's (and the patient's) time.
    HOLDS_TIME = ("booked", "arrived", "fulfilled", "noshow")

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        "practice.Practitioner", on_delete=models.PROTECT, related_name="appointments"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    start = models.DateTimeField(_("starts"))
    end = models.DateTimeField(_("ends"))
    # The time held, buffers included; what overlaps are checked against.
    busy_start = models.DateTimeField()
    busy_end = models.DateTimeField()
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="booked")
    reason = models.CharField(_("reason for the visit"), max_length=300, blank=True)
    referring_physician = models.CharField(_("referring physician"), max_length=120, blank=True)
    source = models.CharField(_("booked through"), max_length=10, default="online")
    remind_by_email = models.BooleanField(_("email reminders"), default=False)
    remind_by_sms = models.BooleanField(_("text reminders"), default=False)
    created_at = models.DateTimeField(_("booked at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Optional for a patient, required of staff (the form asks); shown on the visit.
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    # Bumped on every change the patient's calendar must follow (move, cancel, restore):
    # the .ics event with the highest SEQUENCE replaces the ones saved before it.
    calendar_sequence = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["practitioner", "busy_start"]),
            models.Index(fields=["location", "start"]),
            models.Index(fields=["patient", "busy_start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start"))
                & models.Q(busy_start__lte=models.F("start"))
                & models.Q(busy_end__gte=models.F("end")),
                name="appointment_times_in_order",
            ),
        ]
        # No-overlap constraints per practitioner and per patient are database-specific
        # (an exclusion constraint on PostgreSQL, triggers on SQLite): migration 0003.

    def __str__(self) -> str:
        return f"{self.appointment_type} {self.start:%Y-%m-%d %H:%M}"


class OutboundMessage(models.Model):
    """The outbox: every email or text message to a patient, written in the same
    transaction as the change that causes it. The row is the queue: the worker claims
    due rows, sends, and marks them (``scheduling.services.outbox``). ``status`` moves
    pending -> sending -> sent; a failed send goes back to pending with a later
    ``send_after`` until ``attempts`` run out, then to failed for staff to see; a
    message left in sending by a worker that died is claimed again after a timeout."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Not needed any more")
        FAILED = "failed", _("Failed")

    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="messages", null=True, blank=True
    )
    # A questionnaire invitation or reminder: the time point it asks about (a message
    # whose time point was answered meanwhile is not sent).
    time_point = models.ForeignKey(
        "questionnaires.TimePoint",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    to = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    attach_ics = models.BooleanField(default=False)
    language = models.CharField(max_length=2, default="en")
    # The appointment start this message was written for; a moved appointment's
    # reminders no longer match and are not sent.
    for_start = models.DateTimeField(null=True, blank=True)
    send_after = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # Sends tried so far, and when the latest claim began (a claim older than the
    # timeout belongs to a worker that died).
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # A failed message the front desk has dealt with (called the patient): off their list.
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # The error of a text not sent because the number replied STOP (not a failure).
    TEXTS_STOPPED = "texts stopped by the patient (STOP)"

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["status", "send_after"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} -> {self.to} ({self.status})"

    @property
    def about(self) -> Appointment | TimePoint | None:
        """What it was about: its visit, or its questions (each has a patient and a
        location)."""
        return self.appointment if self.appointment is not None else self.time_point

    @property
    def patient(self) -> Patient | None:
        """Whom it was for: the patient of its visit, or of its questions."""
        return self.about.patient if self.about is not None else None

    @property
    def location(self) -> Location | None:
        """Where: its visit's location, or its questions'."""
        return self.about.location if self.about is not None else None

    @property
    def patient_id(self) -> int | None:
        patient = self.patient
        return patient.pk if patient is not None else None


class TextOptOut(models.Model):
    """A phone number that replied STOP: it gets no texts until it replies START.

    Written only by ``scheduling.services.texts`` (the inbound-text webhook); the
    outbox reads it before every text, and the front desk sees the stopped numbers."""

    phone = models.CharField(_("phone"), max_length=20, unique=True)  # E.164
    stopped = models.BooleanField(_("texts stopped"), default=True)
    changed_at = models.DateTimeField(_("changed"))

    class Meta:
        verbose_name = _("text opt-out")
        verbose_name_plural = _("text opt-outs")
        indexes = [models.Index(fields=["stopped", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.phone} ({'stopped' if self.stopped else 'started'})"


class WaitlistEntry(models.Model):
    """A booked patient who would take an earlier time if one frees up.

    When an appointment of the same type at the same location is cancelled or moved,
    the freed time is offered to the longest-waiting patient it would bring forward;
    one offer at a time, by a link, until it expires.
    """

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a time")
        ACCEPTED = "accepted", _("Took an earlier time")
        WITHDRAWN = "withdrawn", _("No longer waiting")

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField()
    offered_start = models.DateTimeField(null=True, blank=True)
    offered_practitioner = models.ForeignKey(
        "practice.Practitioner", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting list")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=models.Q(status__in=["waiting", "offered"]),
                name="waitlist_once_per_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment} ({self.status})"


class WorkerHeartbeat(models.Model):
    """What one worker process (``manage.py worker``) last managed: /healthz reads the
    newest successful round to tell a load balancer or monitor whether messages are
    going out. Written by the worker itself after every round (scheduling/tasks.py)."""

    worker = models.CharField(max_length=200, unique=True)  # host name and process id
    started_at = models.DateTimeField()
    last_round_at = models.DateTimeField()
    last_success_at = models.DateTimeField(null=True, blank=True)
    # The latest failure: exception class and first line, for the operator, and how
    # many rounds in a row have failed since the last success.
    last_error = models.CharField(max_length=300, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.worker} (last success {self.last_success_at})"
