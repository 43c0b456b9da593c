"""Writes of the core app: claiming a form's key so that a form sent twice saves once."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.db import IntegrityError, models, transaction

from mildpath.core.errors import AlreadySubmitted
from mildpath.core.models import FormSubmission


@transaction.atomic(savepoint=False)
def submission_claim(*, key: UUID | None, form: str, now: datetime) -> FormSubmission | None:
    """Claim ``key`` for ``form`` inside the caller's transaction, before it writes.
    Raises AlreadySubmitted, naming what the first send made, when the key was sent
    before (waiting, on PostgreSQL, for a first send still in progress to commit; on
    SQLite the write lock already orders them). No key (a client that is not our page):
    nothing to claim, None."""
    if key is None:
        return None
    try:
        # A savepoint, so that the refused insert leaves the caller's transaction usable
        # for reading what the first send made.
        with transaction.atomic():
            return FormSubmission.objects.create(key=key, form=form, at=now)
    except IntegrityError:
        earlier = FormSubmission.objects.filter(key=key).first()
        made = earlier.made_id if earlier is not None and earlier.form == form else None
        raise AlreadySubmitted(made) from None


@transaction.atomic(savepoint=False)
def submission_fulfil(*, claim: FormSubmission | None, made: models.Model) -> None:
    """Record what the claimed send made, for a second send to be shown it."""
    if claim is None:
        return
    claim.made_id = made.pk
    claim.save(update_fields=["made_id"])
