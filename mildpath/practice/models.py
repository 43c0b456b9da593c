"""The practice, its locations and its practitioners."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mildpath.core.phone import format_phone

zip_validator = RegexValidator(r"^\d{5}$", _("A ZIP code is five digits, like 90404."))
state_validator = RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter state code, like CA."))


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not an IANA time zone (for example America/Los_Angeles)."),
            params={"value": value},
        )


class BilingualText:
    """Mixin for staff-entered text shown to patients: ``foo`` in English, ``foo_es``."""

    def localized(self, field: str) -> str:
        if (get_language() or "en").startswith("es"):
            spanish = getattr(self, f"{field}_es", "")
            if spanish:
                return str(spanish)
        return str(getattr(self, field))


class Practice(models.Model):
    """The practice itself. There is exactly one row (id 1)."""

    name = models.CharField(_("name"), max_length=120)
    logo_text = models.CharField(
        _("logo text"), max_length=60, help_text=_("Short name shown in the page header.")
    )
    phone = models.CharField(
        _("main phone"), max_length=20, help_text=_("E.164, e.g. +13105550100")
    )
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practice")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="practice_is_a_single_row"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)


class Location(BilingualText, models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), unique=True)
    address_line1 = models.CharField(_("street address"), max_length=200)
    address_line2 = models.CharField(_("suite or floor"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2, validators=[state_validator])
    zip_code = models.CharField(_("ZIP code"), max_length=5, validators=[zip_validator])
    latitude = models.FloatField(_("latitude"), help_text=_("Filled in from the ZIP code."))
    longitude = models.FloatField(_("longitude"), help_text=_("Filled in from the ZIP code."))
    phone = models.CharField(_("phone"), max_length=20, help_text=_("E.164, e.g. +13105550100"))
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="America/Los_Angeles",
        validators=[validate_time_zone],
    )
    step_free_entry = models.BooleanField(_("step-free entry"), default=True)
    parking = models.TextField(_("parking (English)"), blank=True)
    parking_es = models.TextField(_("parking (Spanish)"), blank=True)
    access_notes = models.TextField(_("getting in (English)"), blank=True)
    access_notes_es = models.TextField(_("getting in (Spanish)"), blank=True)
    is_active = models.BooleanField(_("shown to patients"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("location")
        verbose_name_plural = _("locations")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__gte=-90, latitude__lte=90)
                & models.Q(longitude__gte=-180, longitude__lte=180),
                name="location_coordinates_on_earth",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def address_lines(self) -> list[str]:
        """The address as an envelope shows it: street, suite (if any), city line."""
        return [
            line
            for line in (
                self.address_line1,
                self.address_line2,
                f"{self.city}, {self.state} {self.zip_code}",
            )
            if line
        ]

    @property
    def address_one_line(self) -> str:
        return ", ".join(self.address_lines)

    @property
    def map_url(self) -> str:
        """A map search for the street address (the suite would only confuse the search)."""
        query = f"{self.address_line1}, {self.city}, {self.state} {self.zip_code}"
        return "https://www.google.com/maps/search/?" + urlencode({"api": "1", "query": query})


class OpeningHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    location = models.ForeignKey(
        Location, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("location")
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="opening_hours_close_after_open",
            ),
            models.UniqueConstraint(
                fields=["location", "weekday", "opens"], name="opening_hours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Practitioner(BilingualText, models.Model):
    given_name = models.CharField(_("given name"), max_length=80)
    family_name = models.CharField(_("family name"), max_length=80)
    credentials = models.CharField(_("credentials"), max_length=40, help_text=_("e.g. MD, DO"))
    board_certification = models.CharField(_("board certification (English)"), max_length=200)
    board_certification_es = models.CharField(
        _("board certification (Spanish)"), max_length=200, blank=True
    )
    slug = models.SlugField(_("slug"), unique=True)
    photo = models.CharField(
        _("photo"),
        max_length=200,
        blank=True,
        help_text=_(
            "Path of the picture under the static folder, e.g. img/doctors/marquez.jpg. "
            "Leave empty to show the doctor's initials."
        ),
    )
    biography = models.TextField(
        _("short biography (English)"),
        blank=True,
        help_text=_("Two or three sentences patients read on the doctor's card."),
    )
    biography_es = models.TextField(_("short biography (Spanish)"), blank=True)
    is_placeholder = models.BooleanField(
        _("photo and biography are placeholders"),
        default=False,
        help_text=_(
            'Shows "Demo placeholder" on the doctor\'s card until real content is entered.'
        ),
    )
    locations = models.ManyToManyField(
        Location, related_name="practitioners", verbose_name=_("works at")
    )
    is_active = models.BooleanField(_("shown to patients"), default=True)

    class Meta:
        verbose_name = _("practitioner")
        verbose_name_plural = _("practitioners")
        ordering = ["family_name", "given_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}, {self.credentials}"

    @property
    def initials(self) -> str:
        return f"{self.given_name[:1]}{self.family_name[:1]}".upper()
