"""What the care services refuse, for the views to explain."""

from __future__ import annotations


class RecordSigned(Exception):
    """A signed procedure record is never edited: amend it (a new version) instead."""


class NotSigned(Exception):
    """Only a signed record is amended; a draft is edited."""


class AlreadyAmended(Exception):
    """This version was amended already: amend the newest version."""


class AppointmentRecorded(Exception):
    """That appointment already belongs to another procedure record."""
