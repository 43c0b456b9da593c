"""The staff home: what each role's day starts with, gathered from the apps below.

The front desk sees today's visits at its locations with one tap for arrived / did not
come / completed, the call-backs waiting, the messages that failed and the patients
who stopped texts; both the front desk and a clinician the questionnaires past due; a
clinician their own day; the practice manager the week in numbers
per location; the others the links their work starts from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import role_of, staff_required
from mildpath.accounts.roles import Capability, Role, can
from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.patients.queries import patient_match_count
from mildpath.practice.models import Practitioner
from mildpath.questionnaires.queries import Overdue, overdue
from mildpath.scheduling import queries as scheduling
from mildpath.scheduling.models import Appointment, ConsultationRequest
from mildpath.scheduling.queries import LocationWeek
from mildpath.scheduling.services.changes import mark_allowed, unmark_allowed


@dataclass(frozen=True)
class TodayRow:
    """A visit today, with the marks the desk may tap now (``scheduling.services.changes``)."""

    visit: Appointment
    may_noshow: bool  # its time has begun
    may_unmark: bool  # arrived or did not come, to undo


@dataclass
class Dashboard:
    role: str
    capabilities: set[str] = field(default_factory=set)
    today: list[TodayRow] | None = None
    today_counts: dict[str, int] = field(default_factory=dict)
    me: Practitioner | None = None
    waiting_count: int = 0
    waiting: list[ConsultationRequest] | None = None
    failed_messages: int | None = None
    stopped_count: int = 0
    stopped: list[Appointment] | None = None
    matches_to_check: int | None = None
    week: list[LocationWeek] | None = None
    week_first: date | None = None
    week_last: date | None = None
    overdue: Overdue | None = None


def _today_bounds(actor: Actor) -> tuple[datetime, datetime, tzinfo]:
    """Today on the wall clock of the user's first location (the practice's own time
    zone when they have none): the practice works in one zone."""
    locations = list(scheduling.locations_for_schedule(actor)[:1])
    tz = locations[0].tz if locations else timezone.get_default_timezone()
    today = clock.now().astimezone(tz).date()
    start = datetime.combine(today, time.min, tzinfo=tz)
    return start, start + timedelta(days=1), tz


@staff_required(Capability.STAFF_HOME)
@require_http_methods(["GET", "HEAD"])
def staff_home(request: HttpRequest) -> HttpResponse:
    actor = Actor.of(request)
    role = role_of(request.user)
    assert role is not None  # noqa: S101 - staff_required let only staff through
    board = Dashboard(role=role.value, capabilities={c.value for c in Capability if can(role, c)})
    now = clock.now()
    start, end, tz = _today_bounds(actor)
    visits: list[Appointment] | None = None
    if role == Role.FRONT_DESK:
        visits = scheduling.appointments_in_scope_between(actor, start=start, end=end)
    elif role == Role.CLINICIAN:
        board.me = scheduling.practitioner_for_user(request.user)
        visits = scheduling.appointments_in_scope_between(
            actor,
            start=start,
            end=end,
            practitioner_ids=[board.me.pk] if board.me else None,
        )
    if visits is not None:
        board.today = [
            TodayRow(
                visit=visit,
                may_noshow=mark_allowed(appointment=visit, status="noshow", now=now),
                may_unmark=unmark_allowed(appointment=visit, now=now),
            )
            for visit in visits
        ]
        for visit in visits:
            board.today_counts[visit.status] = board.today_counts.get(visit.status, 0) + 1
    if role in (Role.FRONT_DESK, Role.MANAGER):
        board.waiting_count, board.waiting = scheduling.consultation_requests_waiting(actor)
        board.failed_messages = scheduling.failed_message_count(actor)
        board.stopped_count, board.stopped = scheduling.visits_with_texts_stopped(actor, now=now)
        board.matches_to_check = patient_match_count(actor)
    if role in (Role.FRONT_DESK, Role.CLINICIAN):
        # Questionnaires past due: the front desk chases them, the clinician sees who
        # will come without them.
        board.overdue = overdue(actor, now=now)
    if role == Role.MANAGER:
        today = start.date()
        week_first = today - timedelta(days=today.weekday())
        asked = clock.day_from_query(request.GET.get("week", ""), today=today, default=week_first)
        first = asked - timedelta(days=asked.weekday())
        board.week_first, board.week_last = first, first + timedelta(days=6)
        board.week = scheduling.week_summary(actor, first_day=first)
    with timezone.override(tz):
        return render(
            request,
            "staff/home.html",
            {
                "dashboard": board,
                "today": start.date(),
                "previous_week": board.week_first - timedelta(days=7) if board.week_first else None,
                "next_week": board.week_first + timedelta(days=7) if board.week_first else None,
            },
        )
