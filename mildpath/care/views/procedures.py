"""The procedure record: written as a draft structured on the steps of the procedure,
signed (then final: the database refuses any change), amended only as a new version
with its reason; complications attached to the procedure whichever version is current;
and, once signed, the 1-week check the patient needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts.access import may, scoped_locations, staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import queries, services
from mildpath.care.errors import AlreadyAmended, AppointmentRecorded, NotSigned, RecordSigned
from mildpath.care.forms.procedure import (
    APPOINTMENT_TAKEN,
    ComplicationForm,
    ProcedureAmendForm,
    ProcedureForm,
    initial_of,
)
from mildpath.care.models import ProcedureRecord
from mildpath.care.views.chart import made_or_chart
from mildpath.core import clock
from mildpath.core.errors import AlreadySubmitted, already_saved
from mildpath.core.queries import submission_sent
from mildpath.patients.models import Patient
from mildpath.practice.models import Location, Practitioner
from mildpath.scheduling.models import Appointment, AppointmentType
from mildpath.scheduling.queries import practitioner_for_user
from mildpath.scheduling.record_queries import patient_visits

SECTION = "procedure"
# The wound and complication check: about a week after, counted if it falls on days
# 3 to 14 after the procedure.
CHECK_AFTER_DAYS = 7
CHECK_WINDOW_DAYS = (3, 14)
# A booked procedure visit is offered for a new record up to this many days after it.
RECENT_DAYS = 30
LINKABLE = (
    Appointment.Status.BOOKED,
    Appointment.Status.ARRIVED,
    Appointment.Status.FULFILLED,
)


def _record(patient: Patient, procedure_id: int) -> ProcedureRecord:
    procedure = queries.procedure_of(patient, procedure_id)
    if procedure is None:
        raise Http404
    return procedure


def _local_day(appointment: Appointment) -> date:
    return appointment.start.astimezone(appointment.location.tz).date()


@dataclass(frozen=True)
class Choices:
    """What the form offers: the patient's locations (that the user works at), the
    doctors there, and the patient's procedure visits that could be linked."""

    locations: QuerySet[Location]
    operators: QuerySet[Practitioner]
    appointments: list[Appointment]
    taken: frozenset[int]

    def form_kwargs(self) -> dict[str, Any]:
        return {
            "locations": self.locations,
            "operators": self.operators,
            "appointments": self.appointments,
            "taken": self.taken,
        }


def _choices(actor: Actor, patient: Patient, current: ProcedureRecord | None) -> Choices:
    mine = patient.locations.all()
    scope = scoped_locations(actor.user)
    if scope is not None:
        mine = mine.filter(pk__in=scope)
    keep = [current.location_id] if current is not None else []
    locations = Location.objects.filter(Q(pk__in=mine.values("pk")) | Q(pk__in=keep)).order_by(
        "sort_order", "name"
    )
    own = practitioner_for_user(actor.user)
    also = [p for p in (own.pk if own else None, current.operator_id if current else None) if p]
    operators = (
        Practitioner.objects.filter(
            Q(is_active=True, locations__in=locations.values("pk")) | Q(pk__in=also)
        )
        .distinct()
        .order_by("family_name", "given_name")
    )
    linked = current.appointment_id if current is not None else None
    appointments = [
        visit
        for visit in patient_visits(actor, patient)
        if visit.appointment_type.kind == AppointmentType.Kind.PROCEDURE
        and (visit.status in LINKABLE or visit.pk == linked)
    ]
    taken = queries.appointments_recorded(patient, besides=current)
    return Choices(locations, operators, appointments, taken)


def _initial_new(request: HttpRequest, patient: Patient, choices: Choices) -> dict[str, Any]:
    """A new record's starting values: the procedure visit (asked for, or the latest of
    the last weeks not yet recorded) with its date and place; the signed-in doctor; the
    study from the patient's consent; the levels and sides of their plan."""
    initial: dict[str, Any] = {"fluoroscopy": True, "epidurogram": True}
    locations = list(choices.locations)
    if len(locations) == 1:
        initial["location"] = locations[0].pk
    tz = locations[0].tz if locations else timezone.get_default_timezone()
    today = clock.now().astimezone(tz).date()
    initial["performed_on"] = today
    own = practitioner_for_user(request.user)
    if own is not None:
        initial["operator"] = own.pk
    free = [a for a in choices.appointments if a.pk not in choices.taken]
    asked = request.GET.get("appointment", "")
    visit = next((a for a in free if str(a.pk) == asked), None)
    if visit is None:
        recent = [a for a in free if today - timedelta(days=RECENT_DAYS) <= _local_day(a) <= today]
        visit = recent[0] if recent else None  # the latest first
    if visit is not None:
        initial.update(
            appointment=str(visit.pk), performed_on=_local_day(visit), location=visit.location_id
        )
    consent = queries.consent_of(patient)
    if consent is not None:
        initial["medicare_ced"] = consent.medicare and bool(consent.study_nct)
        initial["study_nct"] = consent.study_nct
    plan = queries.latest_plan(patient)
    if plan is not None and "mild" in plan.options:
        initial["levels"] = list(plan.mild_levels)
        if plan.mild_side:
            initial["side"] = plan.mild_side
    if plan is not None and plan.diagnosis:
        initial["diagnosis"] = plan.diagnosis
    return initial


def _form_page(
    request: HttpRequest,
    template: str,
    patient: Patient,
    form: ProcedureForm,
    **context: Any,
) -> HttpResponse:
    return render(
        request,
        template,
        {"patient": patient, "form": form, "cpt": ProcedureRecord.CPT, **context},
        status=400 if form.errors else 200,
    )


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def procedure_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section=SECTION)
    choices = _choices(actor, patient, None)
    form = ProcedureForm(
        request.POST or None,
        initial=_initial_new(request, patient, choices),
        **choices.form_kwargs(),
    )
    if request.method == "POST":
        # Checked before the form: once the first send saved, its appointment counts as
        # taken, and a second send would be refused as though another record held it.
        sent = submission_sent(
            request.POST.get("submission"),
            services.sent_once_form(kind="procedure", patient_id=patient.pk),
        )
        if sent is not None:
            return already_saved(request, made_or_chart("care:procedure", patient, sent))
    if request.method == "POST" and form.is_valid():
        try:
            procedure = services.procedure_draft_save(
                actor=actor,
                patient=patient,
                fields=form.values(),
                now=clock.now(),
                submission=form.cleaned_data["submission"],
            )
        except AlreadySubmitted as sent:
            return already_saved(request, made_or_chart("care:procedure", patient, sent))
        except AppointmentRecorded:
            form.add_error("appointment", APPOINTMENT_TAKEN)
        else:
            messages.success(request, _("Draft saved. Check it, then sign it."))
            return redirect("care:procedure", patient_id=patient.pk, procedure_id=procedure.pk)
    return _form_page(
        request,
        "care/procedure_form.html",
        patient,
        form,
        procedure=None,
        title=_("New procedure record"),
    )


def _refuse_signed(request: HttpRequest, procedure: ProcedureRecord) -> HttpResponse:
    messages.error(request, _("A signed record cannot be edited: amend it."))
    return redirect("care:procedure", patient_id=procedure.patient_id, procedure_id=procedure.pk)


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def procedure_edit(request: HttpRequest, patient_id: int, procedure_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section=SECTION)
    procedure = _record(patient, procedure_id)
    if procedure.signed_at is not None:
        return _refuse_signed(request, procedure)
    choices = _choices(actor, patient, procedure)
    form = ProcedureForm(
        request.POST or None, initial=initial_of(procedure), **choices.form_kwargs()
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.procedure_draft_save(
                actor=actor,
                patient=patient,
                fields=form.values(),
                now=clock.now(),
                draft=procedure,
            )
        except RecordSigned:
            return _refuse_signed(request, procedure)
        except AppointmentRecorded:
            form.add_error("appointment", APPOINTMENT_TAKEN)
        else:
            messages.success(request, _("Draft saved. Check it, then sign it."))
            return redirect("care:procedure", patient_id=patient.pk, procedure_id=procedure.pk)
    return _form_page(
        request,
        "care/procedure_form.html",
        patient,
        form,
        procedure=procedure,
        title=_("Procedure record, version %(version)s: edit the draft")
        % {"version": procedure.version},
    )


@dataclass(frozen=True)
class Check:
    """The 1-week check after a signed procedure: the visit booked for it, if any, and
    where to book one."""

    due: date
    earliest: date
    latest: date
    booked: list[Appointment]
    book_url: str
    calendar_url: str
    passed: bool  # the window is over (in the location's days): too late to book one


def _check(actor: Actor, patient: Patient, procedure: ProcedureRecord) -> Check:
    earliest = procedure.performed_on + timedelta(days=CHECK_WINDOW_DAYS[0])
    latest = procedure.performed_on + timedelta(days=CHECK_WINDOW_DAYS[1])
    due = procedure.performed_on + timedelta(days=CHECK_AFTER_DAYS)
    booked = [
        visit
        for visit in patient_visits(actor, patient)
        if visit.appointment_type.kind == AppointmentType.Kind.POST_PROCEDURE
        and visit.status != Appointment.Status.CANCELLED
        and earliest <= _local_day(visit) <= latest
    ]
    booked.reverse()  # the earliest first
    book_url = ""
    if may(actor.user, Capability.SCHEDULE_MANAGE):
        book_url = "{}?{}".format(
            reverse("scheduling_staff:book"),
            urlencode(
                {
                    "patient": str(patient.pk),
                    "location": procedure.location.slug,
                    "kind": str(AppointmentType.Kind.POST_PROCEDURE),
                    "from": due.isoformat(),
                }
            ),
        )
    calendar_url = "{}?{}".format(
        reverse("scheduling_staff:calendar"),
        urlencode({"location": procedure.location.slug, "date": due.isoformat()}),
    )
    passed = clock.now().astimezone(procedure.location.tz).date() > latest
    return Check(due, earliest, latest, booked, book_url, calendar_url, passed)


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def procedure(request: HttpRequest, patient_id: int, procedure_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section=SECTION)
    record = _record(patient, procedure_id)
    versions = queries.procedure_versions(record)
    newest = versions[-1]
    signed = [version for version in versions if version.signed_at is not None]
    duration = (
        int((record.closed_at - record.started_at).total_seconds() // 60)
        if record.started_at and record.closed_at
        else None
    )
    with timezone.override(record.location.tz):
        return render(
            request,
            "care/procedure.html",
            {
                "patient": patient,
                "record": record,
                "versions": versions,
                "newest": newest,
                "is_newest": newest.pk == record.pk,
                "can_amend": record.signed_at is not None and newest.pk == record.pk,
                "complications": queries.procedure_complications(record),
                "duration": duration,
                "codes": ProcedureRecord,
                "check": _check(actor, patient, signed[-1]) if signed else None,
            },
        )


@staff_required(Capability.PATIENT_CLINICAL)
@require_POST
def procedure_sign(request: HttpRequest, patient_id: int, procedure_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section=SECTION)
    record = _record(patient, procedure_id)
    back = redirect("care:procedure", patient_id=patient.pk, procedure_id=record.pk)
    if request.POST.get("confirm") != "yes":
        messages.error(
            request,
            _("Sign: tick “I have checked this record and it is complete” to sign it."),
        )
        return back
    try:
        signed = services.procedure_sign(actor=actor, procedure=record, now=clock.now())
    except RecordSigned:
        messages.info(request, _("This record was signed already. Nothing changed."))
        return back
    if signed.version == 1:
        messages.success(
            request,
            _(
                "Signed. The record is final now; amend it if something needs correcting. "
                "The follow-up questionnaires are counted from the procedure date."
            ),
        )
    else:
        messages.success(
            request,
            _("Signed. The record is final now; amend it if something needs correcting."),
        )
    return back


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def procedure_amend(request: HttpRequest, patient_id: int, procedure_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section=SECTION)
    record = _record(patient, procedure_id)
    if record.signed_at is None:
        messages.error(request, _("A draft is not amended: edit it, then sign it."))
        return redirect("care:procedure_edit", patient_id=patient.pk, procedure_id=record.pk)
    newer = queries.procedure_amendment(record)
    if newer is not None:
        messages.error(request, _("This version was amended already: amend the newest version."))
        return redirect("care:procedure", patient_id=patient.pk, procedure_id=newer.pk)
    choices = _choices(actor, patient, record)
    form = ProcedureAmendForm(
        request.POST or None, initial=initial_of(record), **choices.form_kwargs()
    )
    if request.method == "POST" and form.is_valid():
        try:
            amended = services.procedure_amend(
                actor=actor,
                procedure=record,
                reason=form.cleaned_data["reason"],
                fields=form.values(),
                now=clock.now(),
            )
        except AlreadyAmended:
            messages.error(
                request, _("This version was amended already: amend the newest version.")
            )
            return redirect("care:procedure", patient_id=patient.pk, procedure_id=record.pk)
        except NotSigned:  # pragma: no cover - checked above, kept for a race
            return redirect("care:procedure_edit", patient_id=patient.pk, procedure_id=record.pk)
        messages.success(
            request,
            _("Amendment saved as version %(version)s, a draft: check it, then sign it.")
            % {"version": amended.version},
        )
        return redirect("care:procedure", patient_id=patient.pk, procedure_id=amended.pk)
    with timezone.override(record.location.tz):
        return _form_page(
            request,
            "care/procedure_amend.html",
            patient,
            form,
            procedure=record,
            title=_("Amend the procedure record, version %(version)s")
            % {"version": record.version},
        )


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def complication_new(request: HttpRequest, patient_id: int, procedure_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section=SECTION)
    record = _record(patient, procedure_id)
    form = ComplicationForm(request.POST or None, procedure=record)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        back = reverse("care:procedure", args=[patient.pk, record.pk])
        try:
            services.complication_record(
                actor=actor,
                procedure=record,
                phase=data["phase"],
                grade=data["grade"],
                description=data["description"],
                occurred_on=data["occurred_on"],
                now=clock.now(),
                submission=data["submission"],
            )
        except AlreadySubmitted:
            return already_saved(request, back)
        messages.success(request, _("Complication recorded with the procedure."))
        return redirect(back)
    return render(
        request,
        "care/complication_new.html",
        {"patient": patient, "record": record, "form": form},
        status=400 if form.errors else 200,
    )
