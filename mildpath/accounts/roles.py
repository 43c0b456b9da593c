"""Roles and what each may do. One table, read by views, queries and the tests.

Roles follow the people of the practice: the front desk handles contact details and
scheduling, clinicians the clinical record, the practice manager reports, settings and
the audit trail across all locations, the researcher de-identified data only, and the
administrator the system's settings and the staff accounts.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    FRONT_DESK = "front_desk"
    CLINICIAN = "clinician"
    MANAGER = "manager"
    RESEARCHER = "researcher"
    ADMINISTRATOR = "administrator"


class Capability(enum.StrEnum):
    STAFF_HOME = "staff_home"
    PATIENT_CONTACT = "patient_contact"  # identities and contact details
    PATIENT_CLINICAL = "patient_clinical"  # the clinical record
    PATIENT_CREATE = "patient_create"
    CONSULTATION_REQUESTS = "consultation_requests"
    SCHEDULE_VIEW = "schedule_view"
    SCHEDULE_MANAGE = "schedule_manage"
    SCHEDULE_HOURS = "schedule_hours"  # block time: holidays, leave, extra clinics
    PATIENT_LINKS = "patient_links"
    # Questionnaires answered on paper typed in, the clinic tablet handed to a patient.
    QUESTIONNAIRE_ENTRY = "questionnaire_entry"
    BREAK_GLASS = "break_glass"
    AUDIT_VIEW = "audit_view"
    # The outcomes registry's reports: numbers over many patients, no one named.
    REGISTRY_REPORTS = "registry_reports"
    DEIDENTIFIED_DATA = "deidentified_data"
    SYSTEM_SETTINGS = "system_settings"
    STAFF_ACCOUNTS = "staff_accounts"  # create accounts, change roles, reset sign-in


C = Capability
CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.FRONT_DESK: frozenset(
        {
            C.STAFF_HOME,
            C.PATIENT_CONTACT,
            C.PATIENT_CREATE,
            C.CONSULTATION_REQUESTS,
            C.PATIENT_LINKS,
            C.QUESTIONNAIRE_ENTRY,
            C.SCHEDULE_VIEW,
            C.SCHEDULE_MANAGE,
        }
    ),
    Role.CLINICIAN: frozenset(
        {
            C.STAFF_HOME,
            C.PATIENT_CONTACT,
            C.PATIENT_CLINICAL,
            C.PATIENT_LINKS,
            C.QUESTIONNAIRE_ENTRY,
            C.BREAK_GLASS,
            C.SCHEDULE_VIEW,
            C.REGISTRY_REPORTS,
        }
    ),
    Role.MANAGER: frozenset(
        {
            C.STAFF_HOME,
            C.PATIENT_CONTACT,
            C.PATIENT_CREATE,
            C.CONSULTATION_REQUESTS,
            C.PATIENT_LINKS,
            C.SCHEDULE_VIEW,
            C.SCHEDULE_MANAGE,
            C.SCHEDULE_HOURS,
            C.AUDIT_VIEW,
            C.REGISTRY_REPORTS,
            C.DEIDENTIFIED_DATA,
        }
    ),
    Role.RESEARCHER: frozenset({C.STAFF_HOME, C.DEIDENTIFIED_DATA}),
    Role.ADMINISTRATOR: frozenset(
        {C.STAFF_HOME, C.SYSTEM_SETTINGS, C.STAFF_ACCOUNTS, C.AUDIT_VIEW}
    ),
}

# Roles that see every location without a grant.
ALL_LOCATIONS = frozenset({Role.MANAGER})
# Roles that must pass two-step sign-in (TOTP or a recovery code) before any page: every
# role that reads patients' details (the front desk reads names, birth dates and phone
# numbers), and the administrator, who manages everyone's accounts.
MFA_REQUIRED = frozenset({Role.FRONT_DESK, Role.CLINICIAN, Role.MANAGER, Role.ADMINISTRATOR})


def can(role: Role | str | None, capability: Capability) -> bool:
    if role is None or role == "":
        return False
    return capability in CAPABILITIES[Role(role)]
