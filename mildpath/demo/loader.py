"""The demo practice: fictional people and places on real Los Angeles-area ZIP codes.

Loading is idempotent: rows are matched on their slug (or fixed id) and updated.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from mildpath.accounts.models import StaffProfile
from mildpath.core import clock
from mildpath.patients.models import Patient
from mildpath.practice.geo import locate_zip
from mildpath.practice.models import Location, OpeningHours, Practice, Practitioner
from mildpath.scheduling.models import AppointmentType, WorkingHours

DEMO_STAFF_PASSWORD = "demo-only-mildpath-2026"  # noqa: S105 - development-only demo account

WEEKDAYS = range(0, 5)

LOCATIONS: list[dict[str, Any]] = [
    {
        "slug": "santa-monica",
        "name": "Santa Monica",
        "address_line1": "1450 Harbor View Drive",
        "address_line2": "Suite 200",
        "city": "Santa Monica",
        "zip_code": "90404",
        "phone": "+13105550140",
        "step_free_entry": True,
        "parking": "Free parking in the building garage. Take the ticket to the front desk.",
        "parking_es": "Estacionamiento gratis en el garaje del edificio. Traiga el boleto a la recepción.",
        "access_notes": "Elevator from the garage to the second floor. Wheelchairs available at the door.",
        "access_notes_es": "Elevador del garaje al segundo piso. Hay sillas de ruedas en la entrada.",
        "hours": [(day, time(8), time(17)) for day in WEEKDAYS],
    },
    {
        "slug": "pasadena",
        "name": "Pasadena",
        "address_line1": "88 Orchard Grove Avenue",
        "address_line2": "Suite 110",
        "city": "Pasadena",
        "zip_code": "91101",
        "phone": "+16265550160",
        "step_free_entry": True,
        "parking": "Street parking and a public lot half a block north. Two accessible spaces by the door.",
        "parking_es": "Estacionamiento en la calle y un lote público a media cuadra al norte. Dos espacios para personas con discapacidad junto a la puerta.",
        "access_notes": "Ground floor, no steps.",
        "access_notes_es": "Planta baja, sin escalones.",
        "hours": [(day, time(8), time(17)) for day in WEEKDAYS] + [(5, time(9), time(13))],
    },
    {
        "slug": "long-beach",
        "name": "Long Beach",
        "address_line1": "3100 Pelican Way",
        "address_line2": "Second floor",
        "city": "Long Beach",
        "zip_code": "90806",
        "phone": "+15625550180",
        "step_free_entry": False,
        "parking": "Free surface parking in front of the building.",
        "parking_es": "Estacionamiento gratis frente al edificio.",
        "access_notes": "Three steps at the main door; a ramp is at the side entrance on Gull Street.",
        "access_notes_es": "Hay tres escalones en la puerta principal; la rampa está en la entrada lateral de Gull Street.",
        "hours": [(day, time(7, 30), time(16)) for day in WEEKDAYS],
    },
]

PRACTITIONERS: list[dict[str, Any]] = [
    {
        "slug": "elena-marquez",
        "given_name": "Elena",
        "family_name": "Marquez",
        "credentials": "MD",
        "board_certification": "Board certified in Anesthesiology and Pain Medicine",
        "board_certification_es": "Certificada en Anestesiología y Medicina del Dolor",
        "locations": ["santa-monica", "pasadena"],
        # Demo placeholders: a neutral silhouette and an example biography.
        "photo": "img/doctor-placeholder.svg",
        "biography": "Dr. Marquez has treated back and leg pain for 15 years. She explains each option in plain words, in English or Spanish, and takes time to answer every question.",
        "biography_es": "La Dra. Marquez trata el dolor de espalda y piernas desde hace 15 años. Explica cada opción con palabras sencillas, en inglés o en español, y responde a todas sus preguntas.",
        "is_placeholder": True,
    },
    {
        "slug": "samuel-okafor",
        "given_name": "Samuel",
        "family_name": "Okafor",
        "credentials": "DO",
        "board_certification": "Board certified in Physical Medicine and Rehabilitation and Pain Medicine",
        "board_certification_es": "Certificado en Medicina Física y Rehabilitación y Medicina del Dolor",
        "locations": ["pasadena", "long-beach"],
        # Demo placeholders: a neutral silhouette and an example biography.
        "photo": "img/doctor-placeholder.svg",
        "biography": "Dr. Okafor helps people walk and stand longer with the least invasive treatment that works. Before any procedure, he builds a plan with exercise and physical therapy.",
        "biography_es": "El Dr. Okafor ayuda a las personas a caminar y estar de pie más tiempo con el tratamiento menos invasivo que funcione. Antes de cualquier procedimiento, prepara un plan con ejercicio y fisioterapia.",
        "is_placeholder": True,
    },
    {
        "slug": "priya-raman",
        "given_name": "Priya",
        "family_name": "Raman",
        "credentials": "MD",
        "board_certification": "Board certified in Anesthesiology and Pain Medicine",
        "board_certification_es": "Certificada en Anestesiología y Medicina del Dolor",
        "locations": ["long-beach", "santa-monica"],
        # Demo placeholders: a neutral silhouette and an example biography.
        "photo": "img/doctor-placeholder.svg",
        "biography": "Dr. Raman performs the mild procedure and follows her patients for two years afterwards. She will tell you honestly whether mild is likely to help you.",
        "biography_es": "La Dra. Raman realiza el procedimiento mild y sigue a sus pacientes durante dos años después. Le dirá con franqueza si es probable que mild le ayude.",
        "is_placeholder": True,
    },
]


@transaction.atomic
def demo_practice_load() -> None:
    Practice.objects.update_or_create(
        id=1,
        defaults={
            "name": "Sunset Ridge Spine & Pain (demo)",
            "logo_text": "Sunset Ridge Spine",
            "phone": "+13105550100",
            "email": "hello@sunsetridge.example",
        },
    )
    by_slug: dict[str, Location] = {}
    for order, location_spec in enumerate(LOCATIONS):
        fields = dict(location_spec)
        hours = fields.pop("hours")
        point = locate_zip(str(fields["zip_code"]))
        location, _ = Location.objects.update_or_create(
            slug=fields.pop("slug"),
            defaults={
                **fields,
                "state": point.state,
                "latitude": point.latitude,
                "longitude": point.longitude,
                "time_zone": "America/Los_Angeles",
                "sort_order": order,
            },
        )
        location.opening_hours.all().delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(location=location, weekday=day, opens=opens, closes=closes)
            for day, opens, closes in hours
        )
        by_slug[location.slug] = location
    for spec in PRACTITIONERS:
        spec = dict(spec)
        slugs = spec.pop("locations")
        practitioner, _ = Practitioner.objects.update_or_create(
            slug=spec.pop("slug"), defaults=spec
        )
        practitioner.locations.set([by_slug[slug] for slug in slugs])


DEMO_STAFF = [
    # user name, role, locations (slugs), full name
    ("demo.frontdesk", "front_desk", ["santa-monica"], ("Dana", "Reyes")),
    ("demo.clinician", "clinician", ["santa-monica", "pasadena"], ("Elena", "Marquez")),
    ("demo.manager", "manager", [], ("Morgan", "Lee")),
    ("demo.researcher", "researcher", [], ("Riley", "Chen")),
    ("demo.admin", "administrator", [], ("Alex", "Kim")),
]

DEMO_PATIENTS = [
    ("Rosa", "Delgado", date(1951, 4, 2), "+13105550111", "es", ["santa-monica"]),
    ("Harold", "Jenkins", date(1946, 9, 23), "+16265550122", "en", ["pasadena"]),
    ("Mei", "Tanaka", date(1958, 1, 30), "+15625550133", "en", ["long-beach"]),
]


def demo_schedule_load() -> None:
    """Appointment types at every location and weekly hours for each practitioner:
    the first of their locations Monday, Wednesday, Friday and Saturday, the second
    Tuesday and Thursday, each day for the hours that location opens (so the times a
    location offers are the hours it advertises)."""
    for location in Location.objects.all():
        for kind, minutes in AppointmentType.DEFAULT_MINUTES.items():
            appointment_type, _ = AppointmentType.objects.update_or_create(
                location=location,
                kind=kind,
                defaults={
                    "duration_minutes": minutes,
                    "buffer_after_minutes": 15 if kind == AppointmentType.Kind.PROCEDURE else 0,
                    "self_bookable": kind == AppointmentType.Kind.CONSULTATION,
                },
            )
            appointment_type.practitioners.set(location.practitioners.all())
    for spec in PRACTITIONERS:
        practitioner = Practitioner.objects.get(slug=spec["slug"])
        WorkingHours.objects.filter(practitioner=practitioner).delete()
        first, second = (Location.objects.get(slug=slug) for slug in spec["locations"])
        WorkingHours.objects.bulk_create(
            WorkingHours(
                practitioner=practitioner,
                location=where,
                weekday=weekday,
                start=hours.opens,
                end=hours.closes,
            )
            for weekday, where in enumerate([first, second, first, second, first, first])
            for hours in where.opening_hours.filter(weekday=weekday)
        )


def demo_staff_ensure() -> None:
    """Staff logins, one per role, for trying the staff pages. Never in production."""
    if settings.PRODUCTION:
        raise RuntimeError("Demo staff accounts are not created under the production profile.")
    user_model = get_user_model()
    for username, role, slugs, (given, family) in DEMO_STAFF:
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = given, family
        user.email = f"{username}@example.com"  # reserved for examples: reaches nobody
        user.is_staff = role == "administrator"
        user.is_superuser = role == "administrator"
        user.set_password(DEMO_STAFF_PASSWORD)
        user.save()
        profile, _ = StaffProfile.objects.update_or_create(
            user=user,
            defaults={
                "role": role,
                # The demo clinician is Dr. Marquez: her visits are "my day".
                "practitioner": Practitioner.objects.filter(slug="elena-marquez").first()
                if role == "clinician"
                else None,
            },
        )
        profile.locations.set(Location.objects.filter(slug__in=slugs))
    for given, family, born, phone, language, slugs in DEMO_PATIENTS:
        patient, _ = Patient.objects.update_or_create(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            defaults={"phone": phone, "preferred_language": language, "created_at": clock.now()},
        )
        patient.locations.set(Location.objects.filter(slug__in=slugs))
