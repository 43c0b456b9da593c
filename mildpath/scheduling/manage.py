"""What a patient sees from the link in their confirmation: the appointment, and a
way to cancel it up to the cut-off."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.services import patient_link_check
from mildpath.scheduling.booking import TooLateToCancel, appointment_cancel
from mildpath.scheduling.models import Appointment, WaitlistEntry
from mildpath.scheduling.waitlist import OfferGone, waitlist_offer_accept

PURPOSE = PatientLink.Purpose.MANAGE_APPOINTMENT.value


def _appointment(link: PatientLink) -> Appointment | None:
    if link.target_id is None:
        return None
    return (
        Appointment.objects.select_related("location", "practitioner", "appointment_type")
        .filter(pk=link.target_id, patient_id=link.patient_id)
        .first()
    )


def manage_page(request: HttpRequest, link: PatientLink, token: str) -> HttpResponse:
    appointment = _appointment(link)
    now = clock.now()
    context = {
        "link": link,
        "patient": link.patient,
        "appointment": appointment,
        "token": token,
        "can_cancel": appointment is not None
        and appointment.status == Appointment.Status.BOOKED
        and now <= appointment.start - timedelta(hours=settings.MILDPATH_CANCEL_CUTOFF_HOURS),
        "cutoff_hours": settings.MILDPATH_CANCEL_CUTOFF_HOURS,
    }
    tz = appointment.location.tz if appointment else timezone.get_default_timezone()
    with timezone.override(tz):
        response = render(request, "patients/link_appointment.html", context)
    # The token must not leak to other sites, but our own forms need the Origin header
    # (with no-referrer the browser sends "Origin: null" and CSRF refuses the cancel).
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    now = clock.now()
    check = patient_link_check(token=token, purpose=PURPOSE, now=now)
    appointment = _appointment(check.link) if check.link and check.state == "active" else None
    if appointment is None:
        return render(request, "patients/link_problem.html", {"state": check.state}, status=410)
    try:
        appointment_cancel(request=request, appointment=appointment, now=now, by_patient=True)
    except TooLateToCancel:
        return redirect(f"{request.path.rsplit('/cancel/', 1)[0]}/?too_late=1")
    return redirect(f"{request.path.rsplit('/cancel/', 1)[0]}/?cancelled=1")


OFFER = PatientLink.Purpose.EARLIER_TIME.value


def _entry(link: PatientLink) -> WaitlistEntry | None:
    if link.target_id is None:
        return None
    return (
        WaitlistEntry.objects.select_related(
            "appointment__location", "appointment__practitioner", "offered_practitioner"
        )
        .filter(pk=link.target_id, appointment__patient_id=link.patient_id)
        .first()
    )


def offer_page(request: HttpRequest, link: PatientLink, token: str) -> HttpResponse:
    entry = _entry(link)
    now = clock.now()
    open_offer = (
        entry is not None
        and entry.status == WaitlistEntry.Status.OFFERED
        and entry.offer_expires_at is not None
        and entry.offer_expires_at > now
    )
    tz = entry.appointment.location.tz if entry else timezone.get_default_timezone()
    with timezone.override(tz):
        response = render(
            request,
            "scheduling/offer.html",
            {"entry": entry, "patient": link.patient, "open_offer": open_offer, "token": token},
        )
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def offer_take(request: HttpRequest, token: str) -> HttpResponse:
    now = clock.now()
    check = patient_link_check(token=token, purpose=OFFER, now=now)
    entry = _entry(check.link) if check.link and check.state == "active" else None
    if entry is None or check.link is None:
        return render(request, "patients/link_problem.html", {"state": check.state}, status=410)
    base = request.path.rsplit("/take/", 1)[0]
    if entry.status == WaitlistEntry.Status.ACCEPTED:
        return redirect(f"{base}/")  # a second press: the page says it is done
    try:
        waitlist_offer_accept(request=request, entry=entry, now=now)
    except OfferGone:
        return redirect(f"{base}/?gone=1")
    return redirect(f"{base}/")
