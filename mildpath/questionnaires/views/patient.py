"""What a patient sees from a questionnaire link: where they are in the set, one screen
at a time ("Question 3 of 10", and a bar for the whole set that never starts over),
saved as they go, and a page to send it all. Each questionnaire is headed with its
plain title ("How far you can walk"), its official name in small print beneath. The same
pages serve the clinic's waiting-room tablet (``tablet``), which shows no name and
keeps nothing on screen once the answers are sent.

A question that may be left blank (an Oswestry section) is left blank only with "Skip
this question", never by an empty "Save and continue"; the send page counts what was
skipped, with a way back to each. Through the link (at home) the standing and walking
screens ask for the patient's own estimate, not about the clinic's timed test.

Every request goes through the link (throttled, audited); a link whose answers are in
shows the thank-you page, so the back button after sending reveals nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.http import require_http_methods

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.models import PatientLink
from mildpath.patients.services import patient_link_check, patient_link_open
from mildpath.patients.views import private
from mildpath.questionnaires import answers as rules
from mildpath.questionnaires import progress as charts
from mildpath.questionnaires import queries, services
from mildpath.questionnaires.errors import AlreadyAnswered, AnswersIncomplete, QuestionnaireClosed
from mildpath.questionnaires.forms import SKIP, ScreenForm, stored_initial
from mildpath.questionnaires.instruments import Instrument, Item
from mildpath.questionnaires.models import Response, TimePoint

PURPOSE = PatientLink.Purpose.QUESTIONNAIRE.value
TABLET = "tablet"  # session key: this browser is the clinic's waiting-room tablet


def on_tablet(request: HttpRequest) -> bool:
    return bool(request.session.get(TABLET))


@dataclass(frozen=True)
class Part:
    """One questionnaire of the set as the patient meets it."""

    number: int
    instrument: Instrument
    title: str  # the plain title, in the reader's language: the heading a patient reads
    official_name: str  # the instrument's own name, shown quietly under the heading
    intro: str
    screens: int
    response: Response | None
    next_screen: int | None  # the first screen not yet seen; None when all are
    skipped: tuple[int, ...] = ()  # the screens whose question was skipped on purpose
    skips_allowed: int | None = None  # how many may be skipped for a score; None: any

    @property
    def must_answer(self) -> int:
        """How many of the skipped questions need an answer before the set can be sent
        (the Oswestry questionnaire is scored with up to 2 sections blank)."""
        if self.skips_allowed is None or self.next_screen is not None:
            return 0
        return max(0, len(self.skipped) - self.skips_allowed)

    @property
    def state(self) -> str:
        if self.response is None:
            return "todo"
        if self.next_screen is not None:
            return "started"
        if self.must_answer:
            return "short"
        return "done"


def _skipped(screens: list[tuple[Item, ...]], stored: dict[str, rules.Answer]) -> tuple[int, ...]:
    """The screens (numbered from 1) with a question seen and left blank: skipped."""
    return tuple(
        number
        for number, items in enumerate(screens, start=1)
        if any(
            item.kind != "flag" and item.code in stored and stored[item.code] is None
            for item in items
        )
    )


def _parts(time_point: TimePoint, language: str) -> list[Part]:
    treated = rules.after_treatment(time_point.code)
    responses = queries.responses_of(time_point)
    parts = []
    for number, code in enumerate(rules.instruments_for(time_point.code), start=1):
        response = responses.get(code)
        instrument = queries.instrument_for(
            code, version=response.version if response else None, language=language
        )
        stored = response.answers if response else {}
        screens = rules.screens_asked(instrument, treated=treated)
        parts.append(
            Part(
                number=number,
                instrument=instrument,
                title=instrument.plain_title[language],
                official_name=instrument.title[language],
                intro=instrument.intro[language],
                screens=len(screens),
                response=response,
                next_screen=rules.first_screen_waiting(instrument, stored, treated=treated),
                skipped=_skipped(screens, stored),
                skips_allowed=(
                    rules.ODI_SKIPS_ALLOWED if instrument.scoring == "odi_percent" else None
                ),
            )
        )
    return parts


def _opened(request: HttpRequest, token: str) -> tuple[PatientLink, TimePoint] | HttpResponse:
    if patient_link_check(token=token, purpose=PURPOSE, now=clock.now()).state == "used":
        # A genuine link whose answers are sent (the back button, the message opened
        # again): the thank-you page, not counted as a guess toward the throttle.
        return redirect("questionnaires:done")
    check = patient_link_open(
        actor=Actor.of(request, label="patient link"), token=token, purpose=PURPOSE, now=clock.now()
    )
    if check.state == "used":
        # Sent already: the thank-you page, whichever page of the set was asked for.
        return redirect("questionnaires:done")
    if check.link is None or check.state != "active":
        status = 429 if check.state == "throttled" else 410
        return private(
            render(request, "patients/link_problem.html", {"state": check.state}, status=status)
        )
    link = check.link
    time_point = queries.time_point_for_link(link)
    if time_point is None:
        return private(
            render(request, "patients/link_problem.html", {"state": "invalid"}, status=410)
        )
    state = time_point.state(clock.now())
    if state == "complete":
        return redirect("questionnaires:done")
    if state not in ("open", "overdue"):
        return private(
            render(
                request,
                "questionnaires/closed.html",
                {"state": state, "time_point": time_point, "tablet": on_tablet(request)},
                status=410,
            )
        )
    return link, time_point


def _page(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    context.setdefault("tablet", on_tablet(request))
    return private(render(request, template, context, status=status))


@require_http_methods(["GET", "HEAD"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    """The set at a glance: how many questionnaires, how long, where the patient left off."""
    opened = _opened(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    link, time_point = opened
    parts = _parts(time_point, translation.get_language() or "en")
    waiting = next((part for part in parts if part.next_screen is not None), None)
    return _page(
        request,
        "questionnaires/start.html",
        {
            "token": token,
            "time_point": time_point,
            "patient": time_point.patient,
            "parts": parts,
            "resume": waiting,
            "begun": any(part.response is not None for part in parts),
        },
    )


def _after(parts: list[Part], part: Part, screen: int, token: str) -> str:
    """Where "Next" goes: the next screen, the next questionnaire, or the send page."""
    if screen < part.screens:
        return reverse("questionnaires:screen", args=[token, part.instrument.code, screen + 1])
    for later in parts[part.number :]:
        return reverse("questionnaires:screen", args=[token, later.instrument.code, 1])
    return reverse("questionnaires:send", args=[token])


def _before(parts: list[Part], part: Part, screen: int, token: str) -> str:
    if screen > 1:
        return reverse("questionnaires:screen", args=[token, part.instrument.code, screen - 1])
    if part.number > 1:
        earlier = parts[part.number - 2]
        return reverse(
            "questionnaires:screen", args=[token, earlier.instrument.code, earlier.screens]
        )
    return reverse("questionnaires:start", args=[token])


@require_http_methods(["GET", "HEAD", "POST"])
def screen(request: HttpRequest, token: str, instrument: str, number: int) -> HttpResponse:
    """One screen of one questionnaire: its answers saved on "Next"."""
    opened = _opened(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    link, time_point = opened
    language = translation.get_language() or "en"
    parts = _parts(time_point, language)
    part = next((part for part in parts if part.instrument.code == instrument), None)
    if part is None or not 1 <= number <= part.screens:
        raise Http404
    treated = rules.after_treatment(time_point.code)
    items = rules.screens_asked(part.instrument, treated=treated)[number - 1]
    # Across the whole set, so the bar does not start over with each questionnaire.
    overall = sum(earlier.screens for earlier in parts[: part.number - 1]) + number
    stored = part.response.answers if part.response else {}
    form = ScreenForm(
        request.POST if request.method == "POST" else None,
        items=items,
        language=language,
        initial=stored_initial(items, stored),
        patient=True,
        # The clinic tablet is in the clinic, where a timed test can have been done; a
        # patient answering through their link at home has done none.
        clinic_test=on_tablet(request),
    )
    # "Skip this question" is the one way to leave a question blank: an empty "Save and
    # continue" is refused with a message offering it.
    skip = request.method == "POST" and SKIP in request.POST and form.skippable
    if skip or (request.method == "POST" and form.is_valid()):
        mode = Response.Mode.TABLET if on_tablet(request) else Response.Mode.LINK
        try:
            services.response_save(
                actor=Actor.of(request, label="patient link"),
                time_point=time_point,
                instrument=instrument,
                answers=form.skipped() if skip else form.answers(),
                mode=mode,
                language=language,
                now=clock.now(),
            )
        except (QuestionnaireClosed, AlreadyAnswered):
            return redirect("questionnaires:start", token=token)
        return redirect(_after(parts, part, number, token))
    return _page(
        request,
        "questionnaires/screen.html",
        {
            "token": token,
            "form": form,
            "part": part,
            "parts": parts,
            "number": number,
            "overall": overall,
            "overall_total": sum(each.screens for each in parts),
            "back_url": _before(parts, part, number, token),
            "time_point": time_point,
            "skipped_before": number in part.skipped,
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def send(request: HttpRequest, token: str) -> HttpResponse:
    """The last page: what is answered, what is not, and the button that sends it all."""
    opened = _opened(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    link, time_point = opened
    parts = _parts(time_point, translation.get_language() or "en")
    missing: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.time_point_submit(
                actor=Actor.of(request, label="patient link"),
                time_point=time_point,
                now=clock.now(),
                link=link,
            )
        except AnswersIncomplete as incomplete:
            missing = incomplete.missing
        except QuestionnaireClosed:
            return redirect("questionnaires:done")
        else:
            return redirect("questionnaires:done")
    gaps = _gaps(time_point, parts, missing, token) if missing else []
    return _page(
        request,
        "questionnaires/send.html",
        {
            "token": token,
            "parts": parts,
            "gaps": gaps,
            "time_point": time_point,
            "ready": all(part.state == "done" for part in parts),
            "unfinished": next((part for part in parts if part.next_screen is not None), None),
        },
        status=400 if missing else 200,
    )


def _gaps(
    time_point: TimePoint, parts: list[Part], missing: dict[str, list[str]], token: str
) -> list[tuple[Part, list[tuple[int, str]]]]:
    """For each questionnaire with questions waiting: the screens to go back to."""
    treated = rules.after_treatment(time_point.code)
    gaps = []
    for part in parts:
        codes = set(missing.get(part.instrument.code, ()))
        if not codes:
            continue
        screens = [
            (number, reverse("questionnaires:screen", args=[token, part.instrument.code, number]))
            for number, items in enumerate(
                rules.screens_asked(part.instrument, treated=treated), start=1
            )
            if codes & {item.code for item in items}
        ]
        gaps.append((part, screens))
    return gaps


@require_http_methods(["GET", "HEAD"])
def done(request: HttpRequest) -> HttpResponse:
    """Thank you: no name, no answers, nothing the next person at the tablet could read."""
    return _page(request, "questionnaires/done.html", {})


@require_http_methods(["GET", "HEAD"])
def progress(request: HttpRequest, token: str) -> HttpResponse:
    """A patient's own progress, in plain words: a chart per measure and the same
    numbers as a table."""
    check = patient_link_open(
        actor=Actor.of(request, label="patient link"),
        token=token,
        purpose=PatientLink.Purpose.PROGRESS.value,
        now=clock.now(),
    )
    if check.link is None or check.state != "active":
        status = 429 if check.state == "throttled" else 410
        return private(
            render(request, "patients/link_problem.html", {"state": check.state}, status=status)
        )
    patient = check.link.patient
    readings = queries.progress_of(patient)
    # In words first: where each measure started and where it is now.
    summary = [score for score in charts.latest_scores(readings) if score.change is not None]
    return _page(
        request,
        "questionnaires/patient_progress.html",
        {
            "patient": patient,
            "measures": charts.progress(readings),
            "summary": summary,
            "any_about_the_same": any(
                score.better is None and not score.at_a_limit for score in summary
            ),
        },
    )
