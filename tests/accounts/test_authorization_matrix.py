"""Role x URL x method -> allowed or denied, for every URL the project routes.

A URL missing from MATRIX fails the test, so each new page must state who may use it.
"Allowed" means the request reached the view: not 403, 404 or 405, and not sent to
sign-in or to two-step set-up. Admin URLs are one family, guarded by the admin site.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.tokens import make_token
from mildpath.scheduling.models import ConsultationRequest

pytestmark = pytest.mark.django_db

ANON = "anonymous"
FD, CL, MG, RS, AD = "front_desk", "clinician", "manager", "researcher", "administrator"
EVERYONE = frozenset({ANON, FD, CL, MG, RS, AD})
STAFF = frozenset({FD, CL, MG, RS, AD})
CONTACT = frozenset({FD, CL, MG})
NOBODY: frozenset[str] = frozenset()

# url name -> {method: roles allowed}
MATRIX: dict[str, dict[str, frozenset[str] | set[str]]] = {
    **{
        f"site:{name}": {"GET": EVERYONE}
        for name in ["home", "lss", "procedure", "benefits", "risks", "faq", "location_list"]
    },
    "site:location_detail": {"GET": EVERYONE},
    "site:self_check": {"GET": EVERYONE, "POST": EVERYONE},
    "site:consultation_request": {"GET": EVERYONE, "POST": EVERYONE},
    # Redirects to the form unless this browser just sent a request: never shows data.
    "site:consultation_received": {"GET": NOBODY},
    "patient_link": {"GET": EVERYONE},
    # Works only with a genuine, unexpired link to an appointment; probed with a bad one.
    "appointment_link": {"GET": NOBODY},
    "offer_link": {"GET": NOBODY},
    "appointment_cancel": {"POST": NOBODY, "GET": NOBODY},
    "appointment_move": {"POST": NOBODY, "GET": NOBODY},
    "offer_take": {"POST": NOBODY, "GET": NOBODY},
    "booking:start": {"GET": EVERYONE},
    "booking:slots": {"GET": EVERYONE, "POST": EVERYONE},
    # Without a time chosen in this browser these send the visitor back a step.
    "booking:details": {"GET": NOBODY, "POST": NOBODY},
    "booking:review": {"GET": NOBODY, "POST": NOBODY},
    "booking:done": {"GET": NOBODY},
    "booking:ics": {"GET": NOBODY},
    "accounts:sign_in": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts:verify": {"GET": NOBODY, "POST": NOBODY},  # only mid-sign-in
    "accounts:sign_out": {"POST": EVERYONE, "GET": NOBODY},
    "accounts:mfa_setup": {"GET": STAFF, "POST": STAFF},
    "accounts:session_extend": {"POST": STAFF, "GET": NOBODY},
    "staff_home": {"GET": STAFF, "POST": NOBODY},
    "patients:list": {"GET": CONTACT, "POST": NOBODY},
    "patients:detail": {"GET": CONTACT, "POST": NOBODY},
    "patients:create": {"GET": {FD, MG}, "POST": {FD, MG}},
    "patients:break_glass": {"GET": {CL}, "POST": {CL}},
    "patients:link_issue": {"POST": CONTACT, "GET": NOBODY},
    "patients:link_revoke": {"POST": CONTACT, "GET": NOBODY},
    "scheduling:request_list": {"GET": {FD, MG}, "POST": NOBODY},
    "scheduling:request_detail": {"GET": {FD, MG}, "POST": {FD, MG}},
    "scheduling_staff:calendar": {"GET": {FD, CL, MG}, "POST": NOBODY},
    "scheduling_staff:book": {"GET": {FD, MG}, "POST": {FD, MG}},
    "scheduling_staff:appointment": {"GET": {FD, CL, MG}, "POST": NOBODY},
    "scheduling_staff:appointment_action": {"POST": {FD, MG}, "GET": NOBODY},
    "scheduling_staff:failed_messages": {"GET": {FD, MG}, "POST": NOBODY},
    "audit:list": {"GET": {MG, AD}, "POST": NOBODY},
    "audit:export": {"GET": {MG, AD}, "POST": NOBODY},
    "healthz": {"GET": EVERYONE},
    "api:slots": {"GET": EVERYONE},
    "api:appointments": {"POST": EVERYONE, "GET": NOBODY},
    "api:openapi": {"GET": EVERYONE},
    "admin:*": {"GET": {AD}},
}
# Admin pages Django serves to anyone by design: the sign-in hand-off, sign-out and the
# script catalogue. They show no data.
ADMIN_OPEN = {"admin:login", "admin:logout", "admin:jsi18n"}


def _walk(patterns: list[URLPattern | URLResolver], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}"
        else:
            yield f"{namespace}<unnamed {pattern.pattern}>"


def routed_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def test_every_routed_url_is_in_the_matrix():
    missing = sorted(
        name
        for name in routed_names()
        if name not in MATRIX and not (name.startswith("admin:") and "admin:*" in MATRIX)
    )
    assert missing == [], f"Add these URLs to MATRIX with who may use them: {missing}"


@pytest.fixture
def world(demo_practice, make_staff):
    """One staff member per role (Santa Monica for the scoped roles) and one of everything."""
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_staff_ensure()
    demo_schedule_load()
    users = {role: make_staff(role, ("santa-monica",)) for role in [FD, CL, MG, RS, AD]}
    rosa = Patient.objects.get(family_name="Delgado")  # Santa Monica
    consultation = ConsultationRequest.objects.create(
        name="Test Caller",
        phone="+13105550123",
        best_time="any",
        consent_to_contact=True,
        created_at="2026-11-24T16:00:00+00:00",
    )

    appointment = _demo_appointment(rosa)

    def new_link() -> PatientLink:
        return PatientLink.objects.create(
            patient=rosa,
            purpose="progress",
            created_at="2026-11-24T16:00:00+00:00",
            expires_at="2099-01-01T00:00:00+00:00",
        )

    def kwargs() -> dict[str, dict[str, object]]:
        """Fresh objects for each role, since an allowed request may change them."""
        landing = new_link()
        return {
            "site:location_detail": {"slug": "santa-monica"},
            "booking:slots": {"slug": "santa-monica"},
            "appointment_link": {"token": "not-a-real-token"},
            "offer_link": {"token": "not-a-real-token"},
            "appointment_cancel": {"token": "not-a-real-token"},
            "appointment_move": {"token": "not-a-real-token"},
            "offer_take": {"token": "not-a-real-token"},
            "booking:details": {"slug": "santa-monica"},
            "booking:review": {"slug": "santa-monica"},
            "patient_link": {"purpose": "progress", "token": make_token(landing.pk, "progress")},
            "patients:detail": {"patient_id": rosa.pk},
            "patients:link_issue": {"patient_id": rosa.pk},
            "patients:link_revoke": {"patient_id": rosa.pk, "link_id": new_link().pk},
            "scheduling:request_detail": {"request_id": consultation.pk},
            "scheduling_staff:appointment": {"appointment_id": appointment.pk},
            "scheduling_staff:appointment_action": {"appointment_id": appointment.pk},
        }

    return users, kwargs


def _demo_appointment(patient):
    from datetime import UTC, datetime

    from mildpath.practice.models import Practitioner
    from mildpath.scheduling.models import Appointment, AppointmentType

    kind = AppointmentType.objects.get(location__slug="santa-monica", kind="consultation")
    start = datetime(2030, 1, 7, 17, tzinfo=UTC)
    return Appointment.objects.create(
        location=kind.location,
        practitioner=Practitioner.objects.get(slug="elena-marquez"),
        patient=patient,
        appointment_type=kind,
        start=start,
        end=start.replace(hour=18),
        busy_start=start,
        busy_end=start.replace(hour=18),
        created_at=start,
    )


def _allowed(response) -> bool:
    if response.status_code in {401, 403, 404, 405, 410, 429}:
        return False
    if response.status_code in {301, 302, 303}:
        target = response.headers["Location"]
        if target.endswith("?ended=signed_out"):
            return True  # signing out worked
        return not any(
            stop in target
            for stop in (
                "/staff/sign-in/",
                "/staff/two-step/",
                "/admin/login/",
                "/consultation/",
                "/book/",
            )
        )
    return True


def _admin_urls() -> list[str]:
    """The admin home, every app index and every model list. Object pages sit behind the
    same admin_view guard; add pages may be refused by the model even to administrators."""
    names = sorted(n for n in routed_names() if n == "admin:index" or n.endswith("_changelist"))
    return [reverse(name) for name in names]


def test_the_matrix_holds_for_every_role_url_and_method(client, sign_in, world):
    users, make_kwargs = world
    unexpected: list[str] = []
    checked = 0
    for number, role in enumerate([ANON, FD, CL, MG, RS, AD], start=1):
        # Each role from its own address, so the bad-link throttle (which counts per
        # address) judges each role's probes on their own.
        address = f"192.0.2.{number}"
        kwargs = make_kwargs()
        client.logout()
        if role != ANON:
            sign_in(users[role])
        for name, methods in MATRIX.items():
            urls = _admin_urls() if name == "admin:*" else [reverse(name, kwargs=kwargs.get(name))]
            for method, allowed_roles in methods.items():
                for url in urls:
                    response = client.generic(method, url, REMOTE_ADDR=address)
                    checked += 1
                    allowed = _allowed(response)
                    expected = role in allowed_roles
                    if allowed != expected:
                        unexpected.append(
                            f"{role} {method} {url}: {response.status_code} "
                            f"{'allowed' if allowed else 'denied'}, expected "
                            f"{'allowed' if expected else 'denied'}"
                        )
                    if name == "accounts:sign_out" and role != ANON:
                        sign_in(users[role])  # signing out is allowed; sign back in
    assert unexpected == [], "\n".join(unexpected)
    assert checked > 200
