"""What the core app keeps: one row per form sent, so a form sent twice saves once."""

from __future__ import annotations

from django.db import models


class FormSubmission(models.Model):
    """A form page carries a fresh key; the first send of it claims the key in the
    transaction that saves, and records what it made. A second send of the same page
    (a double click, a reload, the back button) finds the key taken: the unique index
    makes it wait for the first to commit, then refuses it."""

    key = models.UUIDField(unique=True)
    form = models.CharField(max_length=40)  # which form, so a key counts only there
    made_id = models.BigIntegerField(null=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.form} {self.key}"
