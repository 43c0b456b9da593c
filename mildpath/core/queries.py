"""Reads of the core app."""

from __future__ import annotations

import uuid

from mildpath.core.errors import AlreadySubmitted
from mildpath.core.models import FormSubmission


def submission_sent(key: object, form: str) -> AlreadySubmitted | None:
    """Whether the key a form page posted (``key``, as sent) was claimed before: for a
    view whose form would judge a second send differently once the first one saved (a
    choice the first send used up), so that it answers as a second send, not as an
    error. None for no key, a key that is not one, or one not sent before."""
    try:
        parsed = uuid.UUID(str(key))
    except ValueError:
        return None
    earlier = FormSubmission.objects.filter(key=parsed).first()
    if earlier is None:
        return None
    return AlreadySubmitted(earlier.made_id if earlier.form == form else None)
