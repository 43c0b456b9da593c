"""Words for the follow-up plan on staff pages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mildpath.questionnaires import answers, instruments
from mildpath.questionnaires.models import Response, TimePoint
from mildpath.questionnaires.progress import time_point_name as name_of

register = template.Library()

STATES = {
    "complete": _("Complete"),
    "upcoming": _("Not open yet"),
    "open": _("Open"),
    "overdue": _("Overdue"),
    "missed": _("Missed"),
    "replaced": _("Replaced"),
}


@register.simple_tag
def point_state(point: TimePoint, now: datetime) -> str:
    return point.state(now)


@register.simple_tag
def state_label(state: str) -> str:
    return str(STATES.get(state, state))


@register.simple_tag
def time_point_name(code: str) -> str:
    return name_of(code)


@register.simple_tag
def instrument_title(code: str) -> str:
    title = instruments.latest(code).title
    return title.get(translation.get_language() or "en", title["en"])


@register.filter
def asked(point: TimePoint) -> tuple[str, ...]:
    return answers.instruments_for(point.code)


@register.filter
def answered(point: TimePoint) -> set[str]:
    """The questionnaires complete at this time point (its responses prefetched)."""
    return {
        response.instrument
        for response in point.responses.all()
        if response.status == Response.Status.COMPLETE
    }
