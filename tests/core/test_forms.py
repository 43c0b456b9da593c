"""One rule for people's names, the same on the public pages, the staff pages and the
API (core.forms.PersonNameField)."""

from __future__ import annotations

import pytest

from mildpath.patients.forms import PatientForm
from mildpath.scheduling.forms.api import PatientForm as ApiPatientForm
from mildpath.scheduling.forms.public import DetailsForm
from mildpath.site.forms import ConsultationRequestForm

NAME_FIELDS = [
    (DetailsForm, "given_name"),
    (DetailsForm, "family_name"),
    (ApiPatientForm, "given_name"),
    (PatientForm, "family_name"),
    (ConsultationRequestForm, "name"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "field"), NAME_FIELDS)
@pytest.mark.parametrize("name", ["Mary-Jo O'Neil", "José  Núñez", "Zoë"])
def test_real_names_pass_with_their_spaces_tidied(form_class, field, name):
    form = form_class(data={field: name})
    form.is_valid()
    assert field not in form.errors
    assert form.cleaned_data[field] == " ".join(name.split())


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "field"), NAME_FIELDS)
@pytest.mark.parametrize("name", ["R2-D2", "<b>Ann</b>", "- Ann"])
def test_names_with_digits_or_markup_are_refused_with_the_rule(form_class, field, name):
    form = form_class(data={field: name})
    assert not form.is_valid()
    assert form.errors[field] == [
        "Use letters for your name; spaces, hyphens and apostrophes are fine."
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["अनिल कुमार", "Zoe\u0308", "O'Brien-Núñez", "李小龙", "Nguyễn Văn An", "D'Andre"],
)
def test_names_in_any_script_pass_after_nfc(name):
    import unicodedata

    form = ApiPatientForm(data={"given_name": name})
    form.is_valid()
    assert "given_name" not in form.errors
    assert form.cleaned_data["given_name"] == unicodedata.normalize("NFC", name)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["Ann\u202eeknaS", "Ann\u0007", "Ann\u200f", "\u0308Ann", "Ann <script>", "Ann''"],
    ids=["bidi-override", "control", "rtl-mark", "leading-mark", "markup", "doubled-joiner"],
)
def test_control_bidi_and_markup_characters_are_refused(name):
    form = ApiPatientForm(data={"given_name": name})
    assert not form.is_valid()
    assert "given_name" in form.errors
