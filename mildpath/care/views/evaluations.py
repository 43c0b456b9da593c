"""The candidacy evaluation: each criterion of the criteria version in force, judged from
the record where it can be and by the clinician otherwise, and the clinician's decision.
A stored evaluation is shown as it was judged, with the texts of its own version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.forms import BoundField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import criteria as criteria_data
from mildpath.care import queries, services
from mildpath.care.forms.evaluation import (
    PREFIX,
    EvaluationForm,
    criterion_text,
    facts_digest,
)
from mildpath.care.models import Evaluation
from mildpath.care.views.chart import made_or_chart
from mildpath.core import clock
from mildpath.core.errors import AlreadySubmitted, already_saved


def fact_text(fact: str, value: float | None) -> str:
    """A recorded fact as the clinician reads it: "3.4 mm", "ODI 40", "250 feet"."""
    if value is None:
        return ""
    number = floatformat(value, -1)
    units = {
        "flavum_max_mm": _("%(n)s mm"),
        "canal_area_min_mm2": _("%(n)s mm²"),
        "listhesis_max_mm": _("%(n)s mm"),
        "listhesis_grade_max": _("grade %(n)s"),
        "odi": _("ODI %(n)s"),
        "walking_feet": _("%(n)s feet"),
    }
    return units.get(fact, "%(n)s") % {"n": number}


def met_text(met: bool | None) -> str:
    if met is None:
        return _("not known")
    return _("met") if met else _("not met")


@dataclass(frozen=True)
class Row:
    criterion: criteria_data.Criterion | None
    code: str
    text: str
    source: str
    met: bool | None = None
    met_text: str = ""
    by: str = ""
    value: str = ""
    field: BoundField | None = None  # asked of the clinician

    @property
    def fails(self) -> bool:
        """Rules the patient out: an indication not met, an exclusion met."""
        if self.criterion is None:
            return False
        if self.criterion.kind == "indication":
            return self.met is False
        return self.met is True


@dataclass(frozen=True)
class Group:
    kind: str
    title: str
    hint: str
    rows: list[Row]


def _groups(rows: Sequence[Row]) -> list[Group]:
    groups = [
        Group(
            "indication",
            _("Indications"),
            _("Each must be met for a candidate."),
            [row for row in rows if row.criterion and row.criterion.kind == "indication"],
        ),
        Group(
            "exclusion",
            _("Exclusions"),
            _("None may be met for a candidate."),
            [row for row in rows if row.criterion and row.criterion.kind == "exclusion"],
        ),
    ]
    others = [row for row in rows if row.criterion is None]
    if others:
        groups.append(
            Group(
                "other",
                _("Criteria as stored"),
                _("Their text is not available in this version of the software."),
                others,
            )
        )
    return [group for group in groups if group.rows]


def _decision_label(code: str) -> str:
    try:
        return str(Evaluation.Decision(code).label)
    except ValueError:
        return code


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD", "POST"])
def evaluation_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Evaluate candidacy against the current criteria version."""
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section="evaluation")
    criteria = criteria_data.current()
    facts = queries.criteria_facts(patient)
    form = EvaluationForm(
        request.POST if request.method == "POST" else None, criteria=criteria, facts=facts
    )
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_record(
                actor=actor,
                patient=patient,
                criteria=criteria,
                judged=form.judged(),
                decision=form.cleaned_data["decision"],
                reasons=form.cleaned_data["reasons"],
                now=clock.now(),
                submission=form.cleaned_data["submission"],
            )
        except AlreadySubmitted as sent:
            return already_saved(request, made_or_chart("care:evaluation", patient, sent))
        messages.success(
            request,
            _("Evaluation saved: %(decision)s.")
            % {"decision": _decision_label(evaluation.decision)},
        )
        return redirect("care:evaluation", patient_id=patient.pk, evaluation_id=evaluation.pk)
    judged = form.judged()  # with the answers given so far, for the suggestion
    rows = []
    for criterion, judgement in zip(criteria.items, judged, strict=True):
        if judgement.by == "data" and criterion.rule is not None:
            rows.append(
                Row(
                    criterion=criterion,
                    code=criterion.code,
                    text=criterion_text(criterion),
                    source=criterion.source,
                    met=judgement.met,
                    met_text=met_text(judgement.met),
                    by="data",
                    value=fact_text(criterion.rule.fact, judgement.value),
                )
            )
        else:
            rows.append(
                Row(
                    criterion=criterion,
                    code=criterion.code,
                    text=criterion_text(criterion),
                    source=criterion.source,
                    field=form[PREFIX + criterion.code],
                )
            )
    return render(
        request,
        "care/evaluation_new.html",
        {
            "patient": patient,
            "criteria": criteria,
            "groups": _groups(rows),
            "form": form,
            "suggested": _decision_label(criteria_data.suggested(criteria, judged)),
            "facts_digest": facts_digest(facts),
        },
        status=400 if form.errors else 200,
    )


def _stored_rows(criteria: criteria_data.Criteria | None, findings: Mapping[str, Any]) -> list[Row]:
    """The stored findings in their version's order, with that version's texts."""
    rows = []
    items = list(criteria.items) if criteria is not None else []
    known = {criterion.code for criterion in items}
    for criterion in items:
        finding = findings.get(criterion.code)
        if not isinstance(finding, Mapping):
            continue
        met = finding.get("met")
        value = finding.get("value")
        rows.append(
            Row(
                criterion=criterion,
                code=criterion.code,
                text=criterion_text(criterion),
                source=criterion.source,
                met=met,
                met_text=met_text(met),
                by=str(finding.get("by") or ""),
                value=(
                    fact_text(criterion.rule.fact, value)
                    if criterion.rule is not None and isinstance(value, int | float)
                    else ""
                ),
            )
        )
    for code, finding in findings.items():  # codes the version no longer names
        if code in known or not isinstance(finding, Mapping):
            continue
        met = finding.get("met")
        rows.append(
            Row(
                criterion=None,
                code=code,
                text=code,
                source="",
                met=met,
                met_text=met_text(met),
                by=str(finding.get("by") or ""),
                value=floatformat(finding["value"], -1) if finding.get("value") is not None else "",
            )
        )
    return rows


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def evaluation(request: HttpRequest, patient_id: int, evaluation_id: int) -> HttpResponse:
    """A stored evaluation as it was judged, with the criteria texts of its version."""
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section="evaluation")
    stored = queries.evaluation_of(patient, evaluation_id)
    if stored is None:
        raise Http404
    try:
        criteria: criteria_data.Criteria | None = criteria_data.get(stored.criteria_version)
    except KeyError:
        criteria = None
    rows = _stored_rows(criteria, stored.findings)
    suggested = ""
    if criteria is not None:
        judged = [
            criteria_data.Judgement(row.code, row.met, row.by)
            for row in rows
            if row.criterion is not None
        ]
        suggested = _decision_label(criteria_data.suggested(criteria, judged))
    return render(
        request,
        "care/evaluation.html",
        {
            "patient": patient,
            "evaluation": stored,
            "criteria": criteria,
            "groups": _groups(rows),
            "suggested": suggested,
        },
    )
