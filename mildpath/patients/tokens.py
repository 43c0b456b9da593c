"""Signed patient-link tokens. The token names a PatientLink row and its purpose; the
signature makes it unguessable, the row makes it revocable and single-use."""

from __future__ import annotations

from django.core import signing

SALT = "mildpath.patients.link"


def make_token(link_id: int, purpose: str) -> str:
    return signing.dumps({"l": link_id, "p": purpose}, salt=SALT, compress=False)


def read_token(token: str) -> tuple[int, str] | None:
    """(link id, purpose) for a genuine token, None for anything else."""
    try:
        payload = signing.loads(token, salt=SALT)
        return int(payload["l"]), str(payload["p"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
