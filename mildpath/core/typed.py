"""What a patient has typed survives a switch of language.

On a page that sets ``keep_typed_form`` (the id of its form), the header's language
switch is a submit button of that form (``base.html``): it posts what was typed,
unchecked, to the same page in the other language. The view keeps the values in the
session (``typed_keep``) and answers with the page again, by GET, showing them as
typed (``typed_initial``) and judging nothing yet: the patient has not asked to go on.
They are shown once and dropped, so that the next person at a shared computer does
not find them on the form.

No script is needed, and nothing leaves the server's session store.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.datastructures import MultiValueDict

# The name of the header's language button on such a page.
SWITCH = "switch_language"
# A value kept is cut at its field's max_length, or at this many characters (a choice,
# a date, a box ticked: none needs more).
LONGEST = 300
# A multiple choice keeps at most this many values; any other field keeps one.
MOST_VALUES = 20


def switching_language(request: HttpRequest) -> bool:
    """Whether this request is the language button of a page that keeps what was typed."""
    return request.method == "POST" and SWITCH in request.POST


def _session_key(key: str) -> str:
    return f"typed:{key}"


def typed_keep(request: HttpRequest, *, key: str, form_class: type[forms.Form]) -> HttpResponse:
    """Keeps the form's fields as sent, unchecked, and answers with the same page by GET
    (303), now in the language of the URL the button posted to. Only the form's own
    fields are kept, one value each (a multiple choice: a few), each cut to its length,
    so a hostile body stores little, and nothing else. Fields are read by their own
    names: a form with a prefix, or a widget of several inputs, is not for this."""
    kept: dict[str, list[str]] = {}
    for name, field in form_class.base_fields.items():
        longest = getattr(field, "max_length", None) or LONGEST
        # A field missing from the post is kept too, as no values: an unticked box.
        many = MOST_VALUES if isinstance(field, forms.MultipleChoiceField) else 1
        values = request.POST.getlist(name)[:many]
        kept[name] = [value[:longest] for value in values]
    request.session[_session_key(key)] = kept
    response = redirect(request.path)
    response.status_code = 303
    return response


def typed_initial(
    request: HttpRequest, *, key: str, form_class: type[forms.Form]
) -> dict[str, Any]:
    """The values kept by ``typed_keep``, once, as the form's initial data: each read
    back through its own widget, as the form would have read the post. Only a GET shows
    (and so spends) them."""
    if request.method != "GET":
        return {}
    kept = request.session.pop(_session_key(key), None)
    if not isinstance(kept, dict) or not kept:
        return {}
    data = MultiValueDict(
        {
            name: [str(value) for value in values]
            for name, values in kept.items()
            if isinstance(values, list) and values
        }
    )
    return {
        name: field.widget.value_from_datadict(data, MultiValueDict(), name)
        for name, field in form_class.base_fields.items()
        if name in kept
    }
