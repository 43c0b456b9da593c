"""Why a scheduling change did not happen. Each is raised before anything is written,
or inside the transaction it rolls back, so a refused change leaves no trace."""

from __future__ import annotations


class SlotTaken(Exception):
    """The time is not free (``reason``: "taken" by our check, "constraint" when the
    database's own no-overlap guard caught it)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PatientAlreadyBooked(Exception):
    """The patient already holds an appointment at an overlapping time."""


class TooLateToChange(Exception):
    """Inside the cut-off before the visit, when a patient may no longer cancel or move
    it online (MILDPATH_CANCEL_CUTOFF_HOURS)."""


class NotAllowedNow(Exception):
    """The appointment's state does not allow this change (cancelled, already marked)."""


class AlreadyWaiting(Exception):
    """The appointment is on the waiting list already."""


class OfferGone(Exception):
    """The earlier time offered is no longer this patient's to take."""


class TimeNotOffered(Exception):
    """The start asked for is not one this appointment type ever offers at that moment,
    whoever else has booked: in the past, inside the minimum notice, beyond the booking
    horizon, or off the quarter-hour grid. ``message`` names the rule."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class TooManyFromAddress(Exception):
    """This address has made as many bookings or call-back requests this hour as the
    practice allows (MILDPATH_PUBLIC_CREATIONS_PER_HOUR)."""


class HoursChangeClashes(Exception):
    """A change of hours would leave booked visits outside them, and the person making
    it has not yet seen them and said to go ahead. Nothing is written."""
