"""The codes and systems the FHIR export writes: the standard ones (LOINC, UCUM,
ICD-10-CM, CPT, HL7's terminology) and the practice's own, named under its address."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings


def system(name: str) -> str:
    """The URL naming one of this practice's own identifier or code systems (patient
    numbers, measures, questionnaires), under its own address: another practice running
    mildpath has its own patient number 12, and a receiver must never take the two for
    one person."""
    return f"{settings.MILDPATH_BASE_URL.rstrip('/')}/fhir/sid/{name}"


LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
CPT = "http://www.ama-assn.org/go/cpt"
BCP_47 = "urn:ietf:bcp:47"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

# Each score a questionnaire yields: its name, its LOINC code where one exists
# (DOMAIN.md: ODI score 97909-6; the 0 to 10 pain rating 72514-3, asked for the back
# and the legs separately, told apart by body site), and its UCUM unit.
SCORE_UNIT = ("{score}", "score")


@dataclass(frozen=True)
class Score:
    display: str
    loinc: str = ""
    unit: tuple[str, str] = SCORE_UNIT  # UCUM code, and the word for it
    site: str = ""  # the body site, where one code serves two


SCORES: dict[str, Score] = {
    "odi": Score("Oswestry Disability Index score (0 to 100)", loinc="97909-6"),
    "nrs_back": Score("Back pain, numeric rating (0 to 10)", loinc="72514-3", site="Back"),
    "nrs_leg": Score("Leg pain, numeric rating (0 to 10)", loinc="72514-3", site="Leg"),
    "zcq_symptom": Score("Zurich Claudication Questionnaire, symptom severity (1 to 5)"),
    "zcq_function": Score("Zurich Claudication Questionnaire, physical function (1 to 4)"),
    "zcq_satisfaction": Score("Zurich Claudication Questionnaire, satisfaction (1 to 4)"),
    "standing_minutes": Score(
        "Standing time until symptoms force sitting", unit=("min", "minutes")
    ),
    "walking_feet": Score(
        "Walking distance until symptoms force stopping", unit=("[ft_i]", "feet")
    ),
}
# A timed value stopped at the test's limit: the true value is at least the one recorded.
CAPPED_BY = {"standing_minutes": "standing_capped", "walking_feet": "walking_capped"}


# ICD-10-CM's own wording, which a receiver checks a coding's display against; the
# practice's shorter words stay in the concept's text.
ICD_10_CM_DISPLAY = {
    "M48.061": "Spinal stenosis, lumbar region without neurogenic claudication",
    "M48.062": "Spinal stenosis, lumbar region with neurogenic claudication",
}
