"""Forms of the chart page: the patient's consent, and a document added to the chart."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mildpath.care.files import sniff
from mildpath.care.models import Document
from mildpath.core import clock
from mildpath.core.forms import SentOnceForm

# What the database accepts too (care_consent_nct_format): ASCII digits only, so a
# Unicode digit the form let through could never fail the insert.
NCT = re.compile(r"NCT[0-9]{8}", re.ASCII)
# Bytes enough to recognise every type care.files.sniff knows.
SNIFF_BYTES = 16


class ConsentForm(forms.Form):
    registry = forms.BooleanField(
        label=gettext_lazy("Agrees to the use of their data in the practice's outcomes registry"),
        required=False,
        help_text=gettext_lazy("Untick it when the patient withdraws their consent."),
    )
    medicare = forms.BooleanField(
        label=gettext_lazy("Medicare patient"),
        required=False,
        help_text=gettext_lazy(
            "Medicare covers mild only within an approved study: name the study below."
        ),
    )
    study_nct = forms.CharField(
        label=gettext_lazy("Approved study (NCT number)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("NCT followed by 8 digits, like NCT03610737."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "max_length": gettext_lazy(
                "Enter the study's NCT number as NCT followed by 8 digits, like NCT03610737."
            )
        },
    )
    study_enrolled_on = forms.DateField(
        label=gettext_lazy("Enrolled in the study on"),
        required=False,
        help_text=gettext_lazy("The day the patient signed the study's consent form."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y"],
        error_messages={"invalid": gettext_lazy("Enter the enrolment date like 2026-11-02.")},
    )

    def __init__(self, *args: object, born: date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.born = born

    def clean_study_nct(self) -> str:
        number = self.cleaned_data["study_nct"].strip().upper().replace(" ", "")
        if number and not NCT.fullmatch(number):
            raise forms.ValidationError(
                _("Enter the study's NCT number as NCT followed by 8 digits, like NCT03610737."),
                code="format",
            )
        return number

    def clean_study_enrolled_on(self) -> date | None:
        enrolled = self.cleaned_data["study_enrolled_on"]
        if enrolled is not None and enrolled > timezone.localdate(clock.now()):
            raise forms.ValidationError(
                _("The enrolment date is in the future: enter the day the patient enrolled."),
                code="future",
            )
        if enrolled is not None and self.born is not None and enrolled < self.born:
            raise forms.ValidationError(
                _("The enrolment date is before the patient was born: check the year."),
                code="before_birth",
            )
        return enrolled

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        number = cleaned.get("study_nct")
        if cleaned.get("medicare") and "study_nct" not in self.errors and not number:
            self.add_error(
                "study_nct",
                forms.ValidationError(
                    _(
                        "Enter the study's NCT number: Medicare covers mild only for a "
                        "patient enrolled in an approved study."
                    ),
                    code="required_for_medicare",
                ),
            )
        if (
            cleaned.get("study_enrolled_on") is not None
            and "study_nct" not in self.errors
            and not number
        ):
            self.add_error(
                "study_enrolled_on",
                forms.ValidationError(
                    _("Enter the study's NCT number too, or leave the enrolment date empty."),
                    code="date_without_study",
                ),
            )
        return cleaned


class DocumentForm(SentOnceForm):
    """A file for the chart. What it is comes from its first bytes: its name and the
    type the browser claims are the uploader's to choose, and are ignored."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of document"),
        choices=Document.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose what kind of document this is."),
            "invalid_choice": gettext_lazy("Choose one of the kinds listed."),
        },
    )
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        help_text=gettext_lazy("What it is, like “MRI report, October 2026”."),
        error_messages={
            "required": gettext_lazy("Enter a title for the document."),
            "max_length": gettext_lazy(
                "Shorten the title to %(limit_value)d characters or fewer (it has %(show_value)d)."
            ),
        },
    )
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        error_messages={
            "required": gettext_lazy("Choose a file to upload."),
            "empty": gettext_lazy("The file is empty: choose the file again."),
            "invalid": gettext_lazy("Choose a file to upload."),
            "missing": gettext_lazy("Choose a file to upload."),
        },
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["file"].help_text = _("A PDF, JPEG or PNG file, up to %(limit)s MB.") % {
            "limit": megabytes(int(settings.MILDPATH_DOCUMENT_MAX_BYTES))
        }

    def clean_file(self) -> tuple[bytes, str]:
        """The file's bytes and their type, as read from the content."""
        upload: UploadedFile = self.cleaned_data["file"]
        limit = int(settings.MILDPATH_DOCUMENT_MAX_BYTES)
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(self._too_large(limit), code="too_large")
        upload.seek(0)
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise forms.ValidationError(self._too_large(limit), code="too_large")
        if not content:
            raise forms.ValidationError(self.fields["file"].error_messages["empty"], code="empty")
        content_type = sniff(content[:SNIFF_BYTES])
        if content_type is None:
            raise forms.ValidationError(
                _(
                    "The file is not a PDF, JPEG or PNG, whatever its name says: save or "
                    "scan it as one of these and upload it again."
                ),
                code="type",
            )
        return content, content_type

    @staticmethod
    def _too_large(limit: int) -> str:
        return _(
            "The file is larger than the limit of %(limit)s MB: scan it at a lower "
            "resolution or split it."
        ) % {"limit": megabytes(limit)}


def megabytes(size: int) -> str:
    """A size in bytes as megabytes, in the reader's number format: "10", "2.5"."""
    value = size / (1024 * 1024)
    if value == int(value):
        return number_format(int(value))
    decimals = 1 if round(value, 1) == value else 2
    return number_format(round(value, decimals), decimal_pos=decimals)
