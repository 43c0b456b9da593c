"""The candidacy evaluation form: a yes / no / not known answer for each criterion the
record cannot judge, and the clinician's decision with its reasons.

The form is built for one criteria version and one set of recorded facts; the page
carries both (the version, and a digest of the facts), so answers given while the
record or the criteria changed underneath are not stored against the new ones."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mildpath.care import criteria as criteria_data
from mildpath.care.models import Evaluation
from mildpath.core.forms import SentOnceForm

YES, NO, UNKNOWN = "yes", "no", "unknown"
ANSWERS = [(YES, _("Yes")), (NO, _("No")), (UNKNOWN, _("Not known"))]
ANSWER_VALUES: dict[str, bool | None] = {YES: True, NO: False, UNKNOWN: None, "": None}
PREFIX = "criterion_"


def language() -> str:
    return "es" if (translation.get_language() or "en").startswith("es") else "en"


def criterion_text(criterion: criteria_data.Criterion) -> str:
    return criterion.text.get(language()) or criterion.text["en"]


def facts_digest(facts: Mapping[str, float | None]) -> str:
    """A short fingerprint of the recorded facts the page showed."""
    canonical = json.dumps(dict(facts), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def failing(
    criteria: criteria_data.Criteria, judged: Sequence[criteria_data.Judgement]
) -> list[criteria_data.Criterion]:
    """The criteria that rule a patient out: an indication not met, an exclusion met."""
    out = []
    for judgement in judged:
        criterion = criteria.get(judgement.code)
        if (criterion.kind == "indication" and judgement.met is False) or (
            criterion.kind == "exclusion" and judgement.met is True
        ):
            out.append(criterion)
    return out


class EvaluationForm(SentOnceForm):
    criteria_version = forms.CharField(required=False, widget=forms.HiddenInput)
    facts_digest = forms.CharField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Your decision"),
        choices=Evaluation.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a decision."),
            "invalid_choice": _("Choose one of the three decisions."),
        },
    )
    reasons = forms.CharField(
        label=_("Reasons for the decision"),
        help_text=_("What you weighed, and what is still needed if information is missing."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Give the reasons for the decision."),
            "max_length": _("Keep the reasons to %(limit_value)d characters."),
        },
    )

    def __init__(
        self,
        *args: Any,
        criteria: criteria_data.Criteria,
        facts: Mapping[str, float | None],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        self.facts = dict(facts)
        by_data = {
            judgement.code
            for judgement in criteria_data.evaluate(criteria, facts=self.facts, answers={})
            if judgement.by == "data"
        }
        self.asked = [criterion for criterion in criteria.items if criterion.code not in by_data]
        for criterion in self.asked:
            self.fields[PREFIX + criterion.code] = forms.ChoiceField(
                label=criterion_text(criterion),
                choices=ANSWERS,
                widget=forms.RadioSelect,
                required=False,
                initial=UNKNOWN,
                help_text=_("Source: %(source)s") % {"source": criterion.source},
                error_messages={"invalid_choice": _("Choose yes, no or not known.")},
            )
        # The answers first, then the decision they lead to.
        self.order_fields([PREFIX + criterion.code for criterion in self.asked])

    def answers(self) -> dict[str, bool | None]:
        """The clinician's answers so far, by criterion code (valid ones only)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            criterion.code: ANSWER_VALUES.get(cleaned.get(PREFIX + criterion.code) or "")
            for criterion in self.asked
        }

    def judged(self) -> list[criteria_data.Judgement]:
        return criteria_data.evaluate(self.criteria, facts=self.facts, answers=self.answers())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("criteria_version") != self.criteria.version or cleaned.get(
            "facts_digest"
        ) != facts_digest(self.facts):
            raise forms.ValidationError(
                _(
                    "The record or the criteria changed while you were answering (new "
                    "imaging, new questionnaire scores or a new version of the criteria). "
                    "Nothing was saved: check the criteria below again."
                ),
                code="stale",
            )
        if cleaned.get("decision") == Evaluation.Decision.CANDIDATE:
            ruled_out = failing(self.criteria, self.judged())
            if ruled_out:
                self.add_error(
                    "decision",
                    forms.ValidationError(
                        _(
                            "“Candidate” is not possible while the criteria rule it out: "
                            "%(criteria)s. Choose “Not a candidate”, or “Needs more "
                            "information” and give your reasons."
                        ),
                        code="ruled_out",
                        params={
                            "criteria": "; ".join(
                                criterion_text(criterion) for criterion in ruled_out
                            )
                        },
                    ),
                )
        return cleaned
