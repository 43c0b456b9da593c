"""The staff's questionnaire pages: a patient's progress (clinicians), entering a paper
form on a patient's behalf, and handing the clinic tablet to a patient in the waiting
room."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts import services as accounts_services
from mildpath.accounts.access import may, staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.queries import patient_for_change, patient_get, tablet_link
from mildpath.patients.search import search_text
from mildpath.patients.services import patient_link_issue, patient_link_revoke
from mildpath.questionnaires import answers as rules
from mildpath.questionnaires import progress as charts
from mildpath.questionnaires import queries, services
from mildpath.questionnaires.errors import AlreadyAnswered, AnswersIncomplete, QuestionnaireClosed
from mildpath.questionnaires.forms import ScreenForm
from mildpath.questionnaires.views.patient import TABLET


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def progress(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's scores over time, a table and a chart per measure, and the plan."""
    actor = Actor.of(request)
    patient = patient_get(actor, patient_id)
    return render(
        request,
        "questionnaires/staff_progress.html",
        {
            "patient": patient,
            "measures": charts.progress(queries.progress_of(patient), for_staff=True),
            "plan": queries.plan_of(patient),
            "now": clock.now(),
            "names": charts.TIME_POINT_NAMES,
            "may_enter": may(actor.user, Capability.QUESTIONNAIRE_ENTRY),
            "show_answers": True,
        },
    )


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def answers(request: HttpRequest, patient_id: int, time_point_id: int) -> HttpResponse:
    """What the patient answered at one time point, question by question, for a
    clinician to see where the scores come from."""
    time_point = queries.answers_time_point(Actor.of(request), patient_id, time_point_id)
    patient = time_point.patient
    language = translation.get_language() or "en"
    sheets = queries.answer_sheets(time_point, language=language)
    sent = {sheet.instrument.code for sheet in sheets}
    return render(
        request,
        "questionnaires/staff_answers.html",
        {
            "patient": patient,
            "point": time_point,
            "sheets": [
                {
                    "sheet": sheet,
                    "title": sheet.instrument.title.get(language, sheet.instrument.title["en"]),
                    "scores": [
                        (measure.title, sheet.response.scores[measure.key], measure.decimals)
                        for measure in charts.MEASURES
                        if sheet.response.scores.get(measure.key) is not None
                    ],
                }
                for sheet in sheets
            ],
            "waiting": [
                code for code in rules.instruments_for(time_point.code) if code not in sent
            ],
        },
    )


@staff_required(Capability.QUESTIONNAIRE_ENTRY)
@require_http_methods(["GET", "HEAD", "POST"])
def paper_entry(
    request: HttpRequest, patient_id: int, time_point_id: int, instrument: str
) -> HttpResponse:
    """A paper questionnaire typed in on the patient's behalf: every question on one
    page, in the order of the form, stored as entered from paper by this staff member."""
    actor = Actor.of(request)
    patient = patient_for_change(actor, patient_id)
    time_point = queries.time_point_of(patient, time_point_id)
    if time_point is None or instrument not in rules.instruments_for(time_point.code):
        raise Http404
    language = translation.get_language() or "en"
    shipped = queries.instrument_for(instrument, language=language)
    items = rules.items_asked(shipped, treated=rules.after_treatment(time_point.code))
    form = ScreenForm(request.POST or None, items=items, language=language)
    problem = ""
    if request.method == "POST" and form.is_valid():
        try:
            services.paper_response_enter(
                actor=actor,
                time_point=time_point,
                instrument=instrument,
                answers=form.answers(),
                now=clock.now(),
            )
        except AnswersIncomplete:
            problem = _(
                "At least 8 of the 10 sections need an answer for the score to count. "
                "If the patient left more blank, keep the paper form and ask them at the "
                "next visit."
            )
        except AlreadyAnswered:
            problem = _("This questionnaire was already completed for this time point.")
        except QuestionnaireClosed:
            problem = _("This time point was replaced or completed; nothing was saved.")
        else:
            messages.success(
                request,
                _("%(questionnaire)s entered from paper for %(time_point)s.")
                % {
                    "questionnaire": shipped.title[language],
                    "time_point": charts.time_point_name(time_point.code),
                },
            )
            return redirect("patients:detail", patient_id=patient.pk)
    # The page shows the patient (a saved entry is audited as its own action): audit
    # the look, on the first visit and on every answer refused.
    patient = patient_get(actor, patient.pk)
    return render(
        request,
        "questionnaires/paper.html",
        {
            "patient": patient,
            "time_point": time_point,
            "time_point_name": charts.time_point_name(time_point.code),
            "instrument": shipped,
            "title": shipped.title[language],
            "form": form,
            "problem": problem,
        },
        status=400 if form.errors or problem else 200,
    )


def _end_last_handover(request: HttpRequest, actor: Actor) -> None:
    """A staff member is back at the tablet: the link the last patient held on it ends
    (if they walked away without sending), so the next person cannot reopen their
    answers from the browser's history."""
    link = tablet_link(request.session.pop(TABLET, None))
    if link is not None:
        patient_link_revoke(actor=actor, link=link, now=clock.now())


@staff_required(Capability.QUESTIONNAIRE_ENTRY)
@require_http_methods(["GET", "HEAD"])
def tablet(request: HttpRequest) -> HttpResponse:
    """The waiting-room tablet: today's patients with questions to answer (or any
    patient, found by name), each with a button to hand the tablet over."""
    actor = Actor.of(request)
    _end_last_handover(request, actor)
    search = search_text(request.GET.get("q", ""))
    points = queries.tablet_list(actor, now=clock.now(), search=search)
    return render(
        request,
        "questionnaires/tablet.html",
        {"points": points, "search": search, "names": charts.TIME_POINT_NAMES},
    )


@staff_required(Capability.QUESTIONNAIRE_ENTRY)
@require_POST
def tablet_start(request: HttpRequest, time_point_id: int) -> HttpResponse:
    """Hand the tablet to the patient: a link for this time point opens on it, and the
    staff member is signed out, so nothing but the questionnaire is within reach."""
    actor = Actor.of(request)
    now = clock.now()
    point = queries.tablet_point(actor, time_point_id, now=now)
    if point is None:
        raise Http404
    _end_last_handover(request, actor)
    issued = patient_link_issue(
        actor=actor,
        patient=point.patient,
        purpose=PatientLink.Purpose.QUESTIONNAIRE,
        now=now,
        target_id=point.pk,
        expires_at=min(point.closes_at, now + services.TABLET_LINK_LIFETIME),
        sent_by="tablet",
    )
    accounts_services.staff_sign_out(actor=actor, reason="tablet", now=now)
    logout(request)
    request.session[TABLET] = issued.link.pk  # the handover, to end it when staff are back
    with translation.override(point.patient.preferred_language):
        return redirect("questionnaires:start", token=issued.token)
