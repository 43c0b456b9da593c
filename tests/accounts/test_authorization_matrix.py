"""Role x URL x method -> allowed or denied, for every URL the project routes.

A URL missing from MATRIX fails the test, so each new page must state who may use it.
"Allowed" means the request reached the view: not 403, 404 or 405, and not sent to
sign-in or to two-step set-up. Admin URLs are one family, guarded by the admin site.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mildpath.patients.models import Patient, PatientLink
from mildpath.patients.tokens import make_token
from mildpath.scheduling.models import ConsultationRequest, OutboundMessage
from tests.helpers import NOW, TEST_ACTOR, admin_urls, procedure_for, routed_names

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
    # Every purpose has its own page, routed first; this catch-all answers 404.
    "patient_link": {"GET": NOBODY},
    # A genuine questionnaire or progress link is the key, whoever holds it.
    "questionnaires:start": {"GET": EVERYONE},
    # Posting nothing saves nothing: the screen asks again; "send" lists what is missing.
    "questionnaires:screen": {"GET": EVERYONE, "POST": EVERYONE},
    "questionnaires:send": {"GET": EVERYONE, "POST": EVERYONE},
    "questionnaires:done": {"GET": EVERYONE},  # shows no data
    "questionnaires:progress_link": {"GET": EVERYONE},
    "questionnaires:progress": {"GET": {CL}},
    "questionnaires:answers": {"GET": {CL}},
    # An empty paper form is refused with the form's errors.
    "questionnaires:paper": {"GET": {FD, CL}, "POST": {FD, CL}},
    "questionnaires:tablet": {"GET": {FD, CL}, "POST": NOBODY},
    # Handing the tablet over signs its user out (the test signs back in).
    "questionnaires:tablet_start": {"POST": {FD, CL}, "GET": NOBODY},
    "patients:questionnaire_send": {"POST": CONTACT, "GET": NOBODY},
    # The clinical chart: clinicians only; front desk, manager and researcher see no
    # clinical detail. Forms posted empty are refused with their errors, storing nothing.
    "care:chart": {"GET": {CL}, "POST": NOBODY},
    "care:consent": {"GET": {CL}, "POST": {CL}},
    "care:document_upload": {"POST": {CL}, "GET": NOBODY},
    "care:document": {"GET": {CL}, "POST": NOBODY},
    "care:imaging_new": {"GET": {CL}, "POST": {CL}},
    "care:evaluation_new": {"GET": {CL}, "POST": {CL}},
    "care:evaluation": {"GET": {CL}, "POST": NOBODY},
    "care:plan_new": {"GET": {CL}, "POST": {CL}},
    "care:plan": {"GET": {CL}, "POST": NOBODY},
    "care:plan_summary": {"GET": {CL}},
    "care:plan_pdf": {"GET": {CL}},
    "care:procedure_new": {"GET": {CL}, "POST": {CL}},
    "care:procedure": {"GET": {CL}, "POST": NOBODY},
    "care:procedure_edit": {"GET": {CL}, "POST": {CL}},
    "care:procedure_sign": {"POST": {CL}, "GET": NOBODY},
    "care:procedure_amend": {"GET": {CL}, "POST": {CL}},
    "care:complication_new": {"GET": {CL}, "POST": {CL}},
    "care:surgery_new": {"GET": {CL}, "POST": {CL}},
    # The record as a FHIR R4 file: clinicians only, as the chart it comes from.
    "fhir:patient_bundle": {"GET": {CL}, "POST": NOBODY},
    # Works only with a genuine, unexpired link to an appointment; probed with a bad one.
    "appointment_link": {"GET": NOBODY},
    "offer_link": {"GET": NOBODY},
    "appointment_cancel": {"POST": NOBODY, "GET": NOBODY},
    # Sends the questionnaire's link to the patient's own address, never to the page.
    "appointment_questions_again": {"POST": NOBODY, "GET": NOBODY},
    "appointment_move": {"POST": NOBODY, "GET": NOBODY},
    "appointment_link_ics": {"GET": NOBODY},
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
    # The owner's one-time link is the key, whoever holds it; probed with a genuine one.
    "accounts:set_password": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts:staff_list": {"GET": {AD}, "POST": NOBODY},
    "accounts:staff_create": {"GET": {AD}, "POST": {AD}},
    "accounts:staff_detail": {"GET": {AD}, "POST": NOBODY},
    "accounts:staff_role": {"GET": {AD}, "POST": {AD}},
    "accounts:staff_locations": {"GET": {AD}, "POST": {AD}},
    "accounts:staff_deactivate": {"GET": {AD}, "POST": {AD}},
    "accounts:staff_reactivate": {"GET": {AD}, "POST": {AD}},
    "accounts:staff_reset_password": {"GET": {AD}, "POST": {AD}},
    "accounts:staff_reset_mfa": {"GET": {AD}, "POST": {AD}},
    "staff_home": {"GET": STAFF, "POST": NOBODY},
    "patients:list": {"GET": CONTACT, "POST": NOBODY},
    "patients:detail": {"GET": CONTACT, "POST": NOBODY},
    "patients:create": {"GET": {FD, MG}, "POST": {FD, MG}},
    "patients:break_glass": {"GET": {CL}, "POST": {CL}},
    # Sending with nothing chosen changes nothing and goes back to the record.
    "patients:link_issue": {"POST": CONTACT, "GET": NOBODY},
    # A contact change with nothing posted is refused with the form's errors.
    "patients:contact": {"GET": {FD, MG}, "POST": {FD, MG}},
    "patients:link_revoke": {"POST": CONTACT, "GET": NOBODY},
    "scheduling:request_list": {"GET": {FD, MG}, "POST": NOBODY},
    "scheduling:request_detail": {"GET": {FD, MG}, "POST": {FD, MG}},
    "scheduling_staff:calendar": {"GET": {FD, CL, MG}, "POST": NOBODY},
    "scheduling_staff:book": {"GET": {FD, MG}, "POST": {FD, MG}},
    "scheduling_staff:appointment": {"GET": {FD, CL, MG}, "POST": NOBODY},
    "scheduling_staff:appointment_action": {"POST": {FD, MG}, "GET": NOBODY},
    # Without a reason (or a time) these re-ask and change nothing.
    "scheduling_staff:appointment_cancel": {"GET": {FD, MG}, "POST": {FD, MG}},
    "scheduling_staff:appointment_move": {"GET": {FD, MG}, "POST": {FD, MG}},
    # Blocking time: the practice manager, and the administrator who keeps the settings.
    # Managers block time; administrators keep to accounts and settings.
    "scheduling_staff:block": {"GET": {MG}, "POST": {MG}},
    # Asks first (GET, or a post without the yes); only "Yes, remove it" removes.
    "scheduling_staff:block_remove": {"POST": {MG}, "GET": {MG}},
    "scheduling_staff:failed_messages": {"GET": {FD, MG}, "POST": NOBODY},
    # "Done" (or "put back") on a message that could not be sent.
    "scheduling_staff:failed_message_mark": {"POST": {FD, MG}, "GET": NOBODY},
    "scheduling_staff:matches": {"GET": {FD, MG}, "POST": NOBODY},
    # Deciding without choosing an answer changes nothing and goes back to the list.
    "scheduling_staff:match_decide": {"POST": {FD, MG}, "GET": NOBODY},
    # The outcomes registry: reports for clinicians and the manager, the de-identified
    # export for the researcher and the manager. A job is its requester's alone (probed
    # with each role's own); "Build the report" with no filters queues one; an export
    # posted without its format is refused with the form's errors.
    "outcomes:dashboard": {"GET": {CL, MG}, "POST": {CL, MG}},
    "outcomes:report": {"GET": {CL, MG}, "POST": NOBODY},
    "outcomes:report_status": {"GET": {CL, MG}, "POST": NOBODY},
    "outcomes:report_download": {"GET": {CL, MG}, "POST": NOBODY},
    "outcomes:export": {"GET": {RS, MG}, "POST": {RS, MG}},
    "outcomes:export_job": {"GET": {RS, MG}, "POST": NOBODY},
    "outcomes:export_status": {"GET": {RS, MG}, "POST": NOBODY},
    "outcomes:export_download": {"GET": {RS, MG}, "POST": NOBODY},
    "audit:list": {"GET": {MG, AD}, "POST": NOBODY},
    "audit:export": {"GET": {MG, AD}, "POST": NOBODY},
    "healthz": {"GET": EVERYONE},
    "livez": {"GET": EVERYONE},
    # Twilio's signed webhook: an unsigned request is refused whoever sends it.
    "twilio_inbound": {"POST": NOBODY, "GET": NOBODY},
    "api:slots": {"GET": EVERYONE},
    "api:appointments": {"POST": EVERYONE, "GET": NOBODY},
    "api:openapi": {"GET": EVERYONE},
    "admin:*": {"GET": {AD}},
}
# Allowed requests to these end the session.
SIGNS_OUT = {"accounts:sign_out", "questionnaires:tablet_start"}
# The staff account pages that name no account.
STAFF_ACCOUNT_PAGES = {"accounts:staff_list", "accounts:staff_create"}
# Admin pages Django serves to anyone by design: the sign-in hand-off, sign-out and the
# script catalogue. They show no data.
ADMIN_OPEN = {"admin:login", "admin:logout", "admin:jsi18n"}


def test_every_routed_url_is_in_the_matrix():
    missing = sorted(
        name
        for name in routed_names()
        if name not in MATRIX and not (name.startswith("admin:") and "admin:*" in MATRIX)
    )
    assert missing == [], f"Add these URLs to MATRIX with who may use them: {missing}"


@pytest.fixture
def world(frozen, demo_practice, make_staff, settings, tmp_path):
    """One staff member per role (Santa Monica for the scoped roles) and one of everything,
    at the suite's reference moment."""
    from mildpath.demo.loader import demo_schedule_load, demo_staff_ensure

    demo_staff_ensure()
    demo_schedule_load()
    settings.MILDPATH_DOCUMENTS_DIR = tmp_path / "documents"
    settings.MILDPATH_REGISTRY_DIR = tmp_path / "registry"
    settings.MILDPATH_REGISTRY_DIR.mkdir()
    users = {role: make_staff(role, ("santa-monica",)) for role in [FD, CL, MG, RS, AD]}
    newcomer = make_staff(FD, ("santa-monica",), username="newcomer")  # never signs in here
    rosa = Patient.objects.get(family_name="Delgado")  # Santa Monica
    consultation = ConsultationRequest.objects.create(
        name="Test Caller",
        phone="+13105550123",
        best_time="any",
        consent_to_contact=True,
        created_at=NOW,
    )

    appointment = _demo_appointment(rosa)
    match = _demo_match(rosa)
    baseline = _demo_baseline(rosa, appointment)

    def new_link() -> PatientLink:
        return PatientLink.objects.create(
            patient=rosa,
            purpose="progress",
            created_at=NOW,
            expires_at=NOW + timedelta(days=14),
        )

    def kwargs(role: str) -> dict[str, dict[str, object]]:
        """Fresh objects for each role, since an allowed request may change them."""
        landing = new_link()
        failed = OutboundMessage.objects.create(
            key=f"matrix-failed-{role}", kind="reminder", channel=OutboundMessage.Channel.SMS,
            appointment=appointment, to=rosa.phone, body="Your visit", send_after=NOW,
            status=OutboundMessage.Status.FAILED, created_at=NOW,
        )  # fmt: skip
        questionnaire_token = make_token(
            PatientLink.objects.create(
                patient=rosa,
                purpose="questionnaire",
                target_id=baseline.pk,
                created_at=NOW,
                expires_at=NOW + timedelta(days=14),
            ).pk,
            "questionnaire",
        )
        return {
            "site:location_detail": {"slug": "santa-monica"},
            "booking:slots": {"slug": "santa-monica"},
            "appointment_link": {"token": "not-a-real-token"},
            "offer_link": {"token": "not-a-real-token"},
            "appointment_cancel": {"token": "not-a-real-token"},
            "appointment_questions_again": {"token": "not-a-real-token"},
            "appointment_move": {"token": "not-a-real-token"},
            "appointment_link_ics": {"token": "not-a-real-token"},
            "offer_take": {"token": "not-a-real-token"},
            "booking:details": {"slug": "santa-monica"},
            "booking:review": {"slug": "santa-monica"},
            "patient_link": {"purpose": "unknown", "token": make_token(landing.pk, "progress")},
            "questionnaires:start": {"token": questionnaire_token},
            "questionnaires:screen": {
                "token": questionnaire_token,
                "instrument": "odi",
                "number": 1,
            },
            "questionnaires:send": {"token": questionnaire_token},
            "questionnaires:progress_link": {"token": make_token(landing.pk, "progress")},
            "questionnaires:progress": {"patient_id": rosa.pk},
            "questionnaires:answers": {"patient_id": rosa.pk, "time_point_id": baseline.pk},
            "questionnaires:paper": {
                "patient_id": rosa.pk,
                "time_point_id": baseline.pk,
                "instrument": "odi",
            },
            "questionnaires:tablet_start": {"time_point_id": baseline.pk},
            "patients:questionnaire_send": {"patient_id": rosa.pk, "time_point_id": baseline.pk},
            **_care_kwargs(rosa),
            **_registry_kwargs(users.get(role, users[CL]), settings.MILDPATH_REGISTRY_DIR),
            "patients:detail": {"patient_id": rosa.pk},
            "patients:link_issue": {"patient_id": rosa.pk},
            "patients:contact": {"patient_id": rosa.pk},
            "patients:link_revoke": {"patient_id": rosa.pk, "link_id": new_link().pk},
            "scheduling:request_detail": {"request_id": consultation.pk},
            "scheduling_staff:appointment": {"appointment_id": appointment.pk},
            "scheduling_staff:appointment_action": {"appointment_id": appointment.pk},
            "scheduling_staff:appointment_cancel": {"appointment_id": appointment.pk},
            "scheduling_staff:appointment_move": {"appointment_id": appointment.pk},
            "scheduling_staff:block_remove": {"override_id": _demo_day_off().pk},
            "scheduling_staff:match_decide": {"match_id": match.pk},
            "scheduling_staff:failed_message_mark": {"message_id": failed.pk},
            "accounts:set_password": {
                "uidb64": urlsafe_base64_encode(force_bytes(newcomer.pk)),
                "token": default_token_generator.make_token(newcomer),
            },
            **{
                name: {"user_id": users[CL].pk}
                for name in MATRIX
                if name.startswith("accounts:staff_") and name not in STAFF_ACCOUNT_PAGES
            },
        }

    return users, kwargs


def _care_kwargs(rosa) -> dict[str, dict[str, object]]:
    """A fresh clinical record for Rosa: an evaluation, a plan, a document, a draft
    procedure record and a signed one (to amend), for each role's probes."""
    from mildpath.care import criteria, services

    evaluation = services.evaluation_record(
        actor=TEST_ACTOR,
        patient=rosa,
        criteria=criteria.current(),
        judged=[],
        decision="more_info",
        reasons="Imaging to come.",
        now=NOW,
    )
    plan = services.plan_record(
        actor=TEST_ACTOR,
        patient=rosa,
        evaluation=evaluation,
        options=["conservative"],
        mild_levels=[],
        mild_side="",
        other="",
        discussion="Physical therapy first.",
        summary_en="Physical therapy first.",
        summary_es="Primero fisioterapia.",
        now=NOW,
    )
    document = services.document_store(
        actor=TEST_ACTOR,
        patient=rosa,
        kind="referral",
        title="Referral",
        upload=services.Upload(content=b"%PDF-1.4 test", content_type="application/pdf"),
        now=NOW,
    )

    def procedure(*, signed: bool):
        return procedure_for(rosa, performed_on=NOW.date(), signed=signed)

    draft, signed = procedure(signed=False), procedure(signed=True)
    patient = {"patient_id": rosa.pk}
    return {
        **{
            name: patient
            for name in [
                "fhir:patient_bundle",
                "care:chart",
                "care:consent",
                "care:document_upload",
                "care:imaging_new",
                "care:evaluation_new",
                "care:plan_new",
                "care:procedure_new",
                "care:surgery_new",
            ]
        },
        "care:document": {**patient, "document_id": document.pk},
        "care:evaluation": {**patient, "evaluation_id": evaluation.pk},
        "care:plan": {**patient, "plan_id": plan.pk},
        "care:plan_summary": {**patient, "plan_id": plan.pk, "language": "es"},
        "care:plan_pdf": {**patient, "plan_id": plan.pk, "language": "en"},
        "care:procedure": {**patient, "procedure_id": draft.pk},
        "care:procedure_edit": {**patient, "procedure_id": draft.pk},
        "care:procedure_sign": {**patient, "procedure_id": draft.pk},
        "care:procedure_amend": {**patient, "procedure_id": signed.pk},
        "care:complication_new": {**patient, "procedure_id": signed.pk},
    }


def _registry_kwargs(user, folder) -> dict[str, dict[str, object]]:
    """A finished report and a finished export of ``user``'s, with their files (a job is
    only its requester's to see)."""
    from mildpath.outcomes.models import RegistryJob

    def job(kind: str, what: str) -> dict[str, object]:
        name = f"{kind}-{user.pk}-{RegistryJob.objects.count()}.{what}"
        (folder / name).write_bytes(b"%PDF-1.7" if what == "pdf" else b"a,b\n")
        found = RegistryJob.objects.create(
            kind=kind,
            status="done",
            requested_by=user,
            requested_at=NOW,
            finished_at=NOW,
            files={what: name},
        )
        return {"job_id": found.pk}

    report, export = job("report", "pdf"), job("export", "csv")
    return {
        "outcomes:report": report,
        "outcomes:report_status": report,
        "outcomes:report_download": {**report, "what": "pdf"},
        "outcomes:export_job": export,
        "outcomes:export_status": export,
        "outcomes:export_download": {**export, "what": "csv"},
    }


def _demo_baseline(rosa, appointment):
    """Rosa's intake questionnaires, due before her consultation."""
    from mildpath.questionnaires.services import follow_up_plan_start

    return follow_up_plan_start(
        actor=TEST_ACTOR,
        patient=rosa,
        location=appointment.location,
        anchor_date=appointment.start.date(),
        due_at=appointment.start,
        now=NOW,
    )


def _demo_match(rosa):
    """An online booking at Santa Monica in the name of a known patient, to check."""
    from mildpath.patients.models import PatientMatch
    from mildpath.practice.models import Location

    booked_online = Patient.objects.create(
        given_name=rosa.given_name,
        family_name=rosa.family_name,
        date_of_birth=rosa.date_of_birth,
        phone=rosa.phone,
        created_at=NOW,
    )
    booked_online.locations.add(Location.objects.get(slug="santa-monica"))
    return PatientMatch.objects.create(
        new_patient=booked_online, existing_patient=rosa, created_at=NOW
    )


def _demo_day_off():
    """A day off at Santa Monica, fresh for each role (removing it is allowed)."""
    from mildpath.practice.models import Location, Practitioner
    from mildpath.scheduling.models import ScheduleOverride

    return ScheduleOverride.objects.create(
        practitioner=Practitioner.objects.get(slug="elena-marquez"),
        location=Location.objects.get(slug="santa-monica"),
        date=(NOW + timedelta(days=20)).date(),
        note="Leave",
    )


def _demo_appointment(patient):
    from mildpath.practice.models import Practitioner
    from mildpath.scheduling.models import Appointment, AppointmentType

    kind = AppointmentType.objects.get(location__slug="santa-monica", kind="consultation")
    start = NOW + timedelta(days=13)  # Monday 7 December, 9 a.m. in Santa Monica
    return Appointment.objects.create(
        location=kind.location,
        practitioner=Practitioner.objects.get(slug="elena-marquez"),
        patient=patient,
        appointment_type=kind,
        start=start,
        end=start + timedelta(hours=1),
        busy_start=start,
        busy_end=start + timedelta(hours=1),
        created_at=NOW,
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


def test_the_matrix_holds_for_every_role_url_and_method(client, sign_in, world):
    users, make_kwargs = world
    unexpected: list[str] = []
    checked = 0
    for number, role in enumerate([ANON, FD, CL, MG, RS, AD], start=1):
        # Each role from its own address, so the bad-link throttle (which counts per
        # address) judges each role's probes on their own.
        address = f"192.0.2.{number}"
        kwargs = make_kwargs(role)
        client.logout()
        if role != ANON:
            sign_in(users[role])
        for name, methods in MATRIX.items():
            urls = admin_urls() if name == "admin:*" else [reverse(name, kwargs=kwargs.get(name))]
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
                    if name in SIGNS_OUT and allowed and role != ANON:
                        sign_in(users[role])  # signing out is allowed; sign back in
    assert unexpected == [], "\n".join(unexpected)
    assert checked > 200
