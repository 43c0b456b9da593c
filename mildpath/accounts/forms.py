from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from mildpath.accounts.models import ROLE_CHOICES
from mildpath.accounts.roles import Role
from mildpath.core.forms import PersonNameField
from mildpath.practice.models import Location, Practitioner


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        error_messages={"required": _("Enter your user name.")},
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=200,
        strip=False,
        error_messages={"required": _("Enter your password.")},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6-digit code from your authenticator app, or one of your recovery codes."),
        error_messages={"required": _("Enter the code from your authenticator app.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
            }
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class EnrolForm(CodeForm):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=6,
        help_text=_("Six digits. The app shows a new one every 30 seconds."),
        error_messages={"required": _("Enter the 6-digit code your app shows.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
            }
        ),
    )


# --- staff accounts (the administrator's pages) ------------------------------


class ReasonField(forms.CharField):
    """Why the administrator makes a change: recorded in the audit trail and told to the
    account's owner."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Reason for this change"))
        kwargs.setdefault(
            "help_text", _("Recorded in the audit trail and sent to the account's owner.")
        )
        kwargs.setdefault("min_length", 10)
        kwargs.setdefault("max_length", 300)
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 3}))
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Give the reason for this change."),
                "min_length": _("Describe the reason in at least %(limit_value)d characters."),
            },
        )
        super().__init__(**kwargs)


def _location_field() -> forms.ModelMultipleChoiceField[Location]:
    return forms.ModelMultipleChoiceField(
        label=_("Locations"),
        queryset=Location.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The front desk and clinicians see the patients of these locations only."),
    )


def _all_locations_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("All locations"),
        required=False,
        help_text=_("Sees patients of every location, like a practice manager."),
    )


# Roles that see the patients of their own locations only.
LOCATION_ROLES = {Role.FRONT_DESK.value, Role.CLINICIAN.value}


class LocationsMixin(forms.Form):
    """Locations for a role that works by location: at least one, or all of them."""

    role_for_locations: str | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = cleaned.get("role", self.role_for_locations)
        if (
            role in LOCATION_ROLES
            and not cleaned.get("locations")
            and not cleaned.get("all_locations")
            and "locations" not in self.errors
        ):
            self.add_error(
                "locations",
                _("Choose at least one location, or all locations: this role sees the "
                  "patients of its locations only."),
            )  # fmt: skip
        return cleaned


class StaffCreateForm(LocationsMixin):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("What they type to sign in. Letters, digits and @ . + - _ only."),
        error_messages={"required": _("Enter a user name.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    first_name = PersonNameField(
        label=_("Given name"),
        max_length=150,
        error_messages={"required": _("Enter their given name.")},
    )
    last_name = PersonNameField(
        label=_("Family name"),
        max_length=150,
        error_messages={"required": _("Enter their family name.")},
    )
    email = forms.EmailField(
        label=_("Work email"),
        help_text=_("Their own address: the link to choose a password goes there."),
        error_messages={"required": _("Enter their email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role.")},
    )
    locations = _location_field()
    all_locations = _all_locations_field()
    practitioner = forms.ModelChoiceField(
        label=_("Doctor this account is (clinicians)"),
        queryset=Practitioner.objects.filter(is_active=True, staff_profile__isnull=True),
        required=False,
        empty_label=_("No doctor"),
        help_text=_("A clinician's home page shows this doctor's visits of the day."),
        error_messages={"invalid_choice": _("Choose one of the doctors listed.")},
    )
    reason = ReasonField()

    def clean_username(self) -> str:
        username = str(self.cleaned_data["username"])
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That user name is taken. Choose another."), code="taken")
        return username

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("Another account already uses this email address."), code="taken"
            )
        return email


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("New role"),
        choices=ROLE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a role.")},
    )
    reason = ReasonField()


class LocationsForm(LocationsMixin):
    locations = _location_field()
    all_locations = _all_locations_field()
    reason = ReasonField()

    def __init__(self, *args: Any, role: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role_for_locations = role


class ReasonForm(forms.Form):
    reason = ReasonField()


class ConfirmForm(forms.Form):
    """For a change that takes access away: the reason, and a box ticked to confirm."""

    reason = ReasonField()
    confirm = forms.BooleanField(
        label=_("I understand what this change does"),
        error_messages={"required": _("Tick the box to confirm the change.")},
    )


class OwnPasswordForm(SetPasswordForm):
    """The owner chooses their password, through the one-time link in their email."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = _(
            "At least 12 characters. Not a common password, not only digits, and not like "
            "your name or user name."
        )
