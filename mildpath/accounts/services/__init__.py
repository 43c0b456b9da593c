"""Writes of the accounts app: signing in and out and enrolling (``sign_in``), and the
administrator's changes to staff accounts (``staff``)."""

from mildpath.accounts.services.sign_in import (
    RECOVERY_CODE_COUNT,
    mfa_enrol,
    staff_locked_out,
    staff_sign_in,
    staff_sign_in_failed,
    staff_sign_out,
    totp_device_pending,
)

__all__ = [
    "RECOVERY_CODE_COUNT",
    "mfa_enrol",
    "staff_locked_out",
    "staff_sign_in",
    "staff_sign_in_failed",
    "staff_sign_out",
    "totp_device_pending",
]
