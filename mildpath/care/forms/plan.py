"""The treatment plan form: the options chosen with the patient, the levels and sides
when mild is one of them, the shared decision, and the patient's summary in English and
in Spanish (prefilled with a plain draft the clinician edits)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mildpath.care.models import LEVELS, Diagnosis, Evaluation, Side, TreatmentPlan
from mildpath.core.forms import SentOnceForm

Option = TreatmentPlan.Option
TEXT_LIMIT = 5000


class EvaluationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Evaluation) -> str:
        when = date_format(timezone.localtime(obj.created_at), "DATE_FORMAT")
        return f"{when}: {obj.get_decision_display()}"


def _text(label: Any, *, lang: str = "", rows: int = 5, help_text: Any = "") -> forms.CharField:
    attrs: dict[str, Any] = {"rows": rows}
    if lang:
        attrs["lang"] = lang
    return forms.CharField(
        label=label,
        max_length=TEXT_LIMIT,
        help_text=help_text,
        widget=forms.Textarea(attrs=attrs),
        error_messages={
            "max_length": _(
                "Keep this to %(limit_value)d characters or fewer (now %(show_value)d)."
            )
        },
    )


class PlanForm(SentOnceForm):
    diagnosis = forms.ChoiceField(
        label=_("Diagnosis (ICD-10-CM)"),
        choices=Diagnosis.choices,
        widget=forms.RadioSelect,
        help_text=_("What the plan treats; a procedure record for it starts from this."),
        error_messages={
            "required": _("Choose the diagnosis."),
            "invalid_choice": _("Choose one of the two diagnoses listed."),
        },
    )
    options = forms.MultipleChoiceField(
        label=_("Options chosen"),
        choices=Option.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one option."),
            "invalid_choice": _("Choose from the options listed."),
        },
    )
    other = forms.CharField(
        label=_("Other option"),
        max_length=200,
        required=False,
        help_text=_("Needed when “Other” is chosen: say what it is."),
    )
    mild_levels = forms.MultipleChoiceField(
        label=_("Levels for mild"),
        choices=LEVELS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only when mild is chosen."),
        error_messages={"invalid_choice": _("Choose from the levels listed.")},
    )
    mild_side = forms.ChoiceField(
        label=_("Sides for mild"),
        choices=Side.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("Only when mild is chosen."),
        error_messages={"invalid_choice": _("Choose left, right or both sides.")},
    )
    evaluation = EvaluationChoiceField(
        label=_("Candidacy evaluation this plan follows"),
        queryset=Evaluation.objects.none(),
        required=False,
        empty_label=_("None"),
        error_messages={"invalid_choice": _("Choose one of this patient's evaluations.")},
    )
    discussion = _text(
        _("Shared decision: what was discussed and decided"),
        help_text=_("The options, their benefits and risks, what the patient chose and why."),
        rows=6,
    )
    summary_en = _text(
        _("Summary for the patient, in English"),
        lang="en",
        help_text=_("In plain words: the patient takes this home, on paper or as a PDF."),
    )
    summary_es = _text(
        _("Summary for the patient, in Spanish"),
        lang="es",
        help_text=_("The same, in Spanish."),
    )

    def __init__(
        self, *args: Any, evaluations: QuerySet[Evaluation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if evaluations is not None:
            self.fields["evaluation"].queryset = evaluations  # type: ignore[attr-defined]
        for name in ("discussion", "summary_en", "summary_es"):
            self.fields[name].error_messages["required"] = {
                "discussion": _("Write down what was discussed and decided."),
                "summary_en": _("Write the patient's summary in English."),
                "summary_es": _("Write the patient's summary in Spanish."),
            }[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        options = data.get("options")
        if options is None:  # the options field has its own error already
            return data
        mild = Option.MILD in options
        if mild and not data.get("mild_levels") and "mild_levels" not in self.errors:
            self.add_error("mild_levels", _("Choose at least one level for mild."))
        if mild and not data.get("mild_side") and "mild_side" not in self.errors:
            self.add_error("mild_side", _("Choose the side or sides for mild."))
        if not mild and data.get("mild_levels"):
            self.add_error(
                "mild_levels", _("Levels are only for mild: choose mild too, or clear the levels.")
            )
        if not mild and data.get("mild_side"):
            self.add_error(
                "mild_side", _("Sides are only for mild: choose mild too, or clear the side.")
            )
        other = Option.OTHER in options
        if other and not data.get("other") and "other" not in self.errors:
            self.add_error("other", _("Say what the other option is."))
        if not other and data.get("other"):
            self.add_error(
                "other", _("This is only for “Other”: choose “Other” too, or clear this text.")
            )
        return data

    def plan_fields(self) -> dict[str, Any]:
        """The cleaned data as ``services.plan_record`` takes it, options and levels in
        their fixed order."""
        data = self.cleaned_data
        return {
            "diagnosis": data["diagnosis"],
            "evaluation": data["evaluation"],
            "options": in_order(data["options"], Option.values),
            "mild_levels": in_order(data["mild_levels"], [code for code, _label in LEVELS]),
            "mild_side": data["mild_side"],
            "other": data["other"],
            "discussion": data["discussion"],
            "summary_en": data["summary_en"],
            "summary_es": data["summary_es"],
        }


def in_order(chosen: Iterable[str], order: list[str]) -> list[str]:
    picked = set(chosen)
    return [value for value in order if value in picked]


def valid_options(values: Iterable[str]) -> list[str]:
    """The known options among ``values`` (from a query string), in their fixed order."""
    return in_order(values, Option.values)


def summary_draft(
    language: str, options: list[str], *, levels: Iterable[str] = (), side: str = ""
) -> str:
    """A neutral first sentence in ``language`` for the clinician to edit, naming the
    options chosen (as the labels read in that language once translated) and, for mild,
    its levels and sides when known."""
    with translation.override(language):
        named = []
        for option in options:
            if option == Option.OTHER:
                continue
            label = str(Option(option).label)
            known = in_order(levels, [code for code, _label in LEVELS])
            if option == Option.MILD and known:
                where = ", ".join(known)
                if side in Side.values:
                    where = f"{where}; {str(Side(side).label).lower()}"
                label = f"{label} ({where})"
            named.append(label)
        if not named:
            return gettext(
                "Today we talked about your lumbar spinal stenosis and the ways to treat it. "
                "Together we decided on the plan below."
            )
        return gettext(
            "Today we talked about your lumbar spinal stenosis and the ways to treat it. "
            "Together we decided on: %(options)s. We will call you about the next steps."
        ) % {"options": "; ".join(named)}
