"""The patient's record for the front desk: the next visit and how to reach the patient
at the top, then every visit, the messages sent, and the links the patient holds; with
"book for this patient", corrected contact details, and a link sent by text or email.

These pages read and write scheduling data, which the patients app may not import, so
they live here and are routed in the ``patients`` namespace (``scheduling.patient_urls``).
"""

from __future__ import annotations

from datetime import date, datetime

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts.access import may, staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.core.phone import format_phone
from mildpath.patients import queries as patient_queries
from mildpath.patients.forms import ContactForm, LinkSendForm
from mildpath.patients.models import Patient
from mildpath.questionnaires import queries as questionnaire_queries
from mildpath.scheduling import record_queries
from mildpath.scheduling.errors import NotAllowedNow
from mildpath.scheduling.models import Appointment, OutboundMessage
from mildpath.scheduling.queries import text_stopped_phones
from mildpath.scheduling.services.invitations import questionnaire_messages_queue
from mildpath.scheduling.services.patient_record import (
    NoAddress,
    TextsStopped,
    patient_contact_update,
    patient_link_send,
)
from mildpath.scheduling.views.staff import MESSAGE_KINDS

# Visits still ahead of the patient (arrived: in the building now).


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _visit_label(visit: Appointment) -> str:
    """A visit as the link form offers it, on its location's clock: "December 7, 2026
    at 9 a.m., Santa Monica, with Elena Marquez, MD"."""
    local = timezone.localtime(visit.start, visit.location.tz)
    return _("%(date)s at %(time)s, %(place)s, with %(doctor)s") % {
        "date": date_format(local, "DATE_FORMAT"),
        "time": time_format(local, "TIME_FORMAT"),
        "place": visit.location.name,
        "doctor": visit.practitioner.display_name,
    }


def _bookable_visits(visits: list[Appointment], now: datetime) -> list[Appointment]:
    """Booked visits not yet begun, earliest first: what a link may be about."""
    return sorted(
        (v for v in visits if v.status == Appointment.Status.BOOKED and v.start > now),
        key=lambda v: v.start,
    )


def _channels(patient: Patient, *, stopped: bool) -> list[tuple[str, str]]:
    channels = []
    if not stopped:
        channels.append(("sms", _("Text to %(phone)s") % {"phone": patient.phone_display}))
    if patient.email:
        channels.append(("email", _("Email to %(email)s") % {"email": patient.email}))
    return channels


def _link_form(patient: Patient, visits: list[Appointment], *, stopped: bool) -> LinkSendForm:
    return LinkSendForm(
        visits=[(visit.pk, _visit_label(visit)) for visit in visits],
        channels=_channels(patient, stopped=stopped),
    )


@staff_required(Capability.PATIENT_CONTACT)
@require_http_methods(["GET", "HEAD"])
def record(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = patient_queries.patient_get(actor, patient_id)  # the one audited read
    now = clock.now()
    upcoming, earlier = record_queries.patient_visits_split(actor, patient, now=now)
    sent = [
        (
            MESSAGE_KINDS.get(message.kind, message.kind),
            message,
            format_phone(message.to)
            if message.channel == OutboundMessage.Channel.SMS
            else message.to,
        )
        for message in record_queries.patient_messages(actor, patient)
    ]
    stopped = patient.phone in text_stopped_phones([patient.phone])
    links = [(link, link.state(now)) for link in patient_queries.patient_links(patient)]
    bookable = _bookable_visits(upcoming, now)
    return render(
        request,
        "patients/detail.html",
        {
            "patient": patient,
            "age": _age(patient.date_of_birth, timezone.localdate(now)),
            "next_visit": upcoming[0] if upcoming else None,
            "upcoming": upcoming,
            "earlier": earlier,
            "sent": sent,
            "failed": sum(
                1 for _kind, message, _to in sent if message.status == OutboundMessage.Status.FAILED
            ),
            "texts_stopped": stopped,
            "links": links,
            "link_form": _link_form(patient, bookable, stopped=stopped) if bookable else None,
            "plan": questionnaire_queries.plan_of(patient),
            "now": now,
            "may_enter": may(actor.user, Capability.QUESTIONNAIRE_ENTRY),
        },
    )


@staff_required(Capability.PATIENT_CREATE)  # whoever may add a patient may correct one
@require_http_methods(["GET", "HEAD", "POST"])
def contact_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    if request.method == "POST":
        # The change is the audited action; a refused record answers 404, recorded.
        patient = patient_queries.patient_for_change(actor, patient_id)
        form = ContactForm(request.POST)
        if form.is_valid():
            changed = patient_contact_update(
                actor=actor, patient=patient, **form.cleaned_data, now=clock.now()
            )
            if changed:
                names = ", ".join(str(form.fields[name].label) for name in changed)
                messages.success(
                    request, _("Contact details saved: %(fields)s.") % {"fields": names}
                )
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("patients:detail", patient_id=patient.pk)
    else:
        patient = patient_queries.patient_get(actor, patient_id)
        form = ContactForm(
            initial={
                "phone": patient.phone_display,
                "email": patient.email,
                "postal_code": patient.postal_code,
                "preferred_language": patient.preferred_language,
            }
        )
    return render(request, "patients/contact.html", {"patient": patient, "form": form})


@staff_required(Capability.PATIENT_LINKS)
@require_POST
def link_send(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Send the patient a link to one of their upcoming visits; staff never see it."""
    actor = Actor.of(request)
    patient = patient_queries.patient_for_change(actor, patient_id)
    now = clock.now()
    visits = _bookable_visits(record_queries.patient_visits(actor, patient), now)
    back = reverse("patients:detail", args=[patient.pk]) + "#send-link"
    form = LinkSendForm(
        request.POST,
        visits=[(visit.pk, "") for visit in visits],
        channels=[("sms", ""), ("email", "")],
    )
    if not form.is_valid():
        field = next(iter(form.errors))
        messages.error(request, f"{form.fields[field].label}: {form.errors[field][0]}")
        return redirect(back)
    visit = next(v for v in visits if v.pk == form.cleaned_data["appointment"])
    channel = form.cleaned_data["channel"]
    try:
        message = patient_link_send(actor=actor, appointment=visit, channel=channel, now=now)
    except TextsStopped:
        messages.error(
            request,
            _("Send it by: this phone replied STOP and gets no texts. Send it by email or call."),
        )
        return redirect(back)
    except NoAddress:
        messages.error(request, _("Send it by: the patient has no email address on file."))
        return redirect(back)
    except NotAllowedNow:
        messages.error(request, _("Visit: that visit can no longer be changed. Choose another."))
        return redirect(back)
    if channel == "sms":
        text = _("Link sent to %(to)s by text.") % {"to": format_phone(message.to)}
    else:
        text = _("Link sent to %(to)s by email.") % {"to": message.to}
    messages.success(request, text)
    return redirect(back)


@staff_required(Capability.PATIENT_LINKS)
@require_POST
def questionnaire_send(request: HttpRequest, patient_id: int, time_point_id: int) -> HttpResponse:
    """Ask the patient again for a time point's answers (a new link, by the channels
    they gave); staff never see the link."""
    actor = Actor.of(request)
    patient = patient_queries.patient_for_change(actor, patient_id)
    now = clock.now()
    point = questionnaire_queries.time_point_of(patient, time_point_id)
    if point is None:
        raise Http404
    back = reverse("patients:detail", args=[patient.pk]) + "#plan-title"
    if point.state(now) not in ("open", "overdue"):
        messages.error(request, _("These questions are not open now: nothing was sent."))
        return redirect(back)
    sent = questionnaire_messages_queue(actor=actor, time_point=point, now=now, again=True)
    if sent:
        channels = ", ".join(str(OutboundMessage.Channel(channel).label) for channel in sent)
        messages.success(request, _("Sent again: %(channels)s.") % {"channels": channels})
    else:
        messages.error(
            request,
            _(
                "Nothing could be sent: this phone replied STOP and there is no email "
                "address. Please call."
            ),
        )
    return redirect(back)
