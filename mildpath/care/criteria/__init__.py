"""Candidacy criteria for mild as versioned data (DOMAIN.md, "Candidacy"), and their
evaluation. Pure: no Django. A criterion with a rule is judged from recorded data
(imaging, questionnaires) when the fact is known, and asked of the clinician otherwise;
one without a rule is always asked. Each version is a file (``criteria-<n>.json``); an
evaluation stores the version that judged it, so a new version never rewrites it."""

from __future__ import annotations

import json
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
KINDS = ("indication", "exclusion")


@dataclass(frozen=True)
class Rule:
    fact: str
    op: str
    value: float

    def holds(self, fact: float) -> bool:
        return OPERATORS[self.op](fact, self.value)


@dataclass(frozen=True)
class Criterion:
    code: str
    kind: str  # indication: must be met; exclusion: must not be
    text: dict[str, str]
    source: str
    rule: Rule | None = None


@dataclass(frozen=True)
class Criteria:
    version: str
    source: str
    items: tuple[Criterion, ...]

    def get(self, code: str) -> Criterion:
        for criterion in self.items:
            if criterion.code == code:
                return criterion
        raise KeyError(code)


def from_dict(data: Mapping[str, object]) -> Criteria:
    """Criteria from their file; ValueError naming the criterion and the rule broken."""
    version, source, raw = data.get("version"), data.get("source"), data.get("criteria")
    if not isinstance(version, str) or not version or not isinstance(source, str):
        raise ValueError("criteria: a version and a source are needed")
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"criteria {version}: no criteria")
    items: list[Criterion] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise ValueError(f"criteria {version}: each criterion is an object")
        code = entry.get("code")
        where = f"criteria {version}, {code!r}"
        if not isinstance(code, str) or not code or code in {c.code for c in items}:
            raise ValueError(f"{where}: codes are unique, non-empty text")
        if entry.get("kind") not in KINDS:
            raise ValueError(f"{where}: kind is indication or exclusion")
        text = entry.get("text")
        if not isinstance(text, dict) or not all(text.get(lang) for lang in ("en", "es")):
            raise ValueError(f"{where}: text in English and Spanish is needed")
        if not isinstance(entry.get("source"), str) or not entry["source"]:
            raise ValueError(f"{where}: each criterion names its source")
        rule = None
        if "rule" in entry:
            raw_rule = entry["rule"]
            if (
                not isinstance(raw_rule, dict)
                or not isinstance(raw_rule.get("fact"), str)
                or raw_rule.get("op") not in OPERATORS
                or not isinstance(raw_rule.get("value"), int | float)
                or isinstance(raw_rule.get("value"), bool)
            ):
                raise ValueError(f"{where}: a rule has a fact, an operator and a number")
            rule = Rule(raw_rule["fact"], raw_rule["op"], float(raw_rule["value"]))
        items.append(
            Criterion(
                code=code,
                kind=str(entry["kind"]),
                text={"en": str(text["en"]), "es": str(text["es"])},
                source=str(entry["source"]),
                rule=rule,
            )
        )
    return Criteria(version=version, source=source, items=tuple(items))


@cache
def _shipped() -> dict[str, Criteria]:
    found = {}
    for path in files(__package__).iterdir():
        if path.name.startswith("criteria-") and path.name.endswith(".json"):
            criteria = from_dict(json.loads(path.read_text(encoding="utf-8")))
            found[criteria.version] = criteria
    return found


def get(version: str) -> Criteria:
    return _shipped()[version]


def current() -> Criteria:
    """The newest version shipped (versions are whole numbers)."""
    return _shipped()[max(_shipped(), key=int)]


@dataclass(frozen=True)
class Judgement:
    code: str
    met: bool | None  # None: not known yet
    by: str  # "data", "clinician", or "" when not known
    value: float | None = None  # the recorded fact a rule judged


def evaluate(
    criteria: Criteria,
    *,
    facts: Mapping[str, float | None],
    answers: Mapping[str, bool | None],
) -> list[Judgement]:
    """Each criterion judged: from the recorded ``facts`` when its rule has one, else
    from the clinician's ``answers`` (by criterion code), else unknown."""
    judged = []
    for criterion in criteria.items:
        fact = facts.get(criterion.rule.fact) if criterion.rule else None
        if criterion.rule is not None and fact is not None:
            judged.append(Judgement(criterion.code, criterion.rule.holds(fact), "data", fact))
            continue
        answer = answers.get(criterion.code)
        judged.append(Judgement(criterion.code, answer, "clinician" if answer is not None else ""))
    return judged


def suggested(criteria: Criteria, judged: list[Judgement]) -> str:
    """The decision the criteria point to: not a candidate when an exclusion applies or
    an indication is not met, more information while any criterion is unknown, else a
    candidate. The clinician decides; this is what the screen proposes."""
    kinds = {criterion.code: criterion.kind for criterion in criteria.items}
    for judgement in judged:
        fails = judgement.met is False if kinds[judgement.code] == "indication" else judgement.met
        if fails:
            return "not_candidate"
    if any(judgement.met is None for judgement in judged):
        return "more_info"
    return "candidate"
