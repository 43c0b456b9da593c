"""SharedFieldsForm: forms that share their fields still judge each input on its own."""

from __future__ import annotations

import pytest
from django import forms

from mildpath.core.forms import PhoneField, SharedFieldsForm


class CallBack(SharedFieldsForm):
    name = forms.CharField(max_length=5)
    phone = PhoneField()
    language = forms.ChoiceField(choices=[("en", "English"), ("es", "Español")])


def test_each_form_keeps_its_own_data_and_errors():
    good = CallBack({"name": "Ana", "phone": "(626) 555-0101", "language": "es"})
    bad = CallBack({"name": "Bartholomew", "phone": "12", "language": "fr"})
    assert not bad.is_valid()
    assert good.is_valid(), good.errors
    assert set(bad.errors) == {"name", "phone", "language"}
    assert good.cleaned_data == {"name": "Ana", "phone": "+16265550101", "language": "es"}
    # Judged again after the other, each form gives the same answer.
    assert CallBack({"name": "Ana", "phone": "(626) 555-0101", "language": "es"}).is_valid()


def test_changing_one_forms_field_list_leaves_the_others_alone():
    first, second = CallBack({}), CallBack({})
    del first.fields["language"]
    assert "language" in second.fields
    assert "language" in CallBack({}).fields
    assert set(first.fields) == {"name", "phone"}


def test_a_shared_fields_form_cannot_change_its_fields_per_request():
    with pytest.raises(TypeError, match="must not define __init__"):

        class Tweaked(SharedFieldsForm):
            name = forms.CharField()

            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.fields["name"].required = False
