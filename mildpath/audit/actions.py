"""The audit trail's actions, ``<noun>.<verb>``, with the words staff read for them.

An action names what happened to what, so the trail can be filtered for, say, every
cancellation (``appointment.cancel``) rather than every "update". Entries written
before the names were namespaced keep their old names; those are listed too, so the
trail still reads them.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTIONS: dict[str, Promise] = {
    "appointment.book": _("Appointment booked"),
    "appointment.cancel": _("Appointment cancelled"),
    "appointment.restore": _("Cancellation undone"),
    "appointment.move": _("Appointment moved"),
    "appointment.mark": _("Appointment marked"),
    "appointment.unmark": _("Appointment mark undone"),
    "appointment.read": _("Appointment viewed"),
    "appointment.list": _("Calendar viewed"),
    "schedule.block": _("Time blocked"),
    "schedule.unblock": _("Blocked time removed"),
    "waitlist.join": _("Joined the waiting list"),
    "waitlist.offer": _("Earlier time offered"),
    "waitlist.accept": _("Earlier time taken"),
    "waitlist.lapse": _("Earlier-time offer lapsed"),
    "callback.create": _("Call-back requested"),
    "callback.update": _("Call-back request updated"),
    "callback.booked": _("Call-back request booked"),
    "callback.read": _("Call-back request viewed"),
    "callback.list": _("Call-back requests listed"),
    "patient.create": _("Patient added"),
    "patient.read": _("Patient viewed"),
    "patient.list": _("Patients listed"),
    "patient.location": _("Patient seen at a location"),
    "patient.match": _("Online booking matches a patient"),
    "patient.merge": _("Records joined: same patient"),
    "patient.keep_apart": _("Records kept apart"),
    "patient.contact": _("Contact changed"),
    "link.issue": _("Patient link issued"),
    "link.open": _("Patient link opened"),
    "link.reject": _("Patient link refused"),
    "link.revoke": _("Patient link revoked"),
    "link.use": _("Patient link used"),
    "plan.start": _("Follow-up plan started"),
    "plan.reanchor": _("Follow-up plan counted from the procedure"),
    "plan.join": _("Follow-up plans joined"),
    "response.save": _("Questionnaire answers saved"),
    "response.complete": _("Questionnaires sent"),
    "response.paper": _("Paper questionnaire entered"),
    "answers.read": _("Questionnaire answers viewed"),
    "plan.overdue": _("Overdue questionnaires listed"),
    "plan.tablet": _("Tablet list of today's patients viewed"),
    "instrument.text": _("Questionnaire wording loaded"),
    "chart.read": _("Chart viewed"),
    "care.consent": _("Consent recorded"),
    "care.imaging": _("Imaging recorded"),
    "care.evaluate": _("Candidacy evaluated"),
    "care.plan": _("Treatment plan recorded"),
    "care.complication": _("Complication recorded"),
    "surgery.record": _("Later spine surgery recorded"),
    "registry.report": _("Registry report asked for"),
    "registry.export": _("De-identified export asked for"),
    "registry.download": _("Registry file downloaded"),
    "registry.synthesize": _("Synthetic registry loaded"),
    "procedure.draft": _("Procedure record written"),
    "procedure.sign": _("Procedure record signed"),
    "procedure.amend": _("Procedure record amended"),
    "document.upload": _("Document added"),
    "document.read": _("Document opened"),
    "emergency.grant": _("Emergency access"),
    "access.refused": _("Access refused"),
    "message.fail": _("Message could not be sent"),
    "message.handled": _("Failed message dealt with"),
    "message.reopen": _("Failed message put back on the list"),
    "text.stop": _("Texts stopped"),
    "text.start": _("Texts started again"),
    "staff.sign_in": _("Sign-in"),
    "staff.sign_in_failed": _("Failed sign-in"),
    "staff.locked_out": _("Locked out"),
    "staff.sign_out": _("Sign-out"),
    "staff.mfa_enrol": _("Two-step sign-in set up"),
    "staff.create": _("Staff account created"),
    "staff.role": _("Staff role changed"),
    "staff.locations": _("Staff locations changed"),
    "staff.deactivate": _("Staff account deactivated"),
    "staff.reactivate": _("Staff account reactivated"),
    "staff.reset_password": _("Staff password reset"),
    "staff.reset_mfa": _("Staff two-step sign-in reset"),
    "staff.password_set": _("Password chosen"),
    "admin.add": _("Added in system settings"),
    "admin.change": _("Changed in system settings"),
    "admin.delete": _("Deleted in system settings"),
    "audit.export": _("Audit trail exported"),
}

# Names of entries written before actions were namespaced.
LEGACY_ACTIONS: dict[str, Promise] = {
    "read": _("Read"),
    "create": _("Create"),
    "update": _("Update"),
    "export": _("Export"),
    "sign_in": _("Sign-in"),
    "sign_in_failed": _("Failed sign-in"),
    "sign_out": _("Sign-out"),
    "locked_out": _("Locked out"),
    "mfa_enrolled": _("Two-step sign-in set up"),
    "break_glass": _("Emergency access"),
    "link_issued": _("Patient link issued"),
    "link_opened": _("Patient link opened"),
    "link_rejected": _("Patient link refused"),
    "link_revoked": _("Patient link revoked"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action) or LEGACY_ACTIONS.get(action) or action)
