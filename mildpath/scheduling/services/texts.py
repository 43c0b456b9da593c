"""Replies to our texts: a number that answers STOP gets no more texts until it
answers START (the carriers' keywords, which Twilio also honours on its side).

The inbound-text webhook (``views/texts``) parses what the provider sent and calls
``text_reply_take``; the outbox reads ``TextOptOut`` before every text.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from mildpath.audit.actor import Actor
from mildpath.audit.services import record
from mildpath.core.phone import InvalidPhoneNumber, normalize_phone
from mildpath.patients.models import Patient
from mildpath.scheduling.models import TextOptOut

# Twilio's own opt-out words (it blocks the number on any of them, so the practice must
# know too), OPTOUT and REVOKE among them since the FCC's 2025 consent rules.
STOP_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
)
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
# Longer than any keyword: a longer reply is a message, not a keyword.
KEYWORD_MAX = 20


def reply_keyword(*, body: str) -> bool | None:
    """True for a STOP keyword, False for START, None for anything else. Case and
    spaces do not matter ("Stop", " stop all "), other words do ("please stop" is
    a message for a person to read, not a keyword)."""
    word = "".join(body[: KEYWORD_MAX * 4].split()).upper()
    if word in STOP_WORDS:
        return True
    if word in START_WORDS:
        return False
    return None


def text_opt_out_set(
    *, actor: Actor, phone: str, stopped: bool, now: datetime
) -> TextOptOut | None:
    """Record that ``phone`` (E.164) stopped or started texts, with one audit entry;
    None (nothing written) when the number is not a phone number or nothing changes."""
    try:
        number = normalize_phone(phone)
    except InvalidPhoneNumber:
        return None
    with transaction.atomic():
        if not stopped and not TextOptOut.objects.filter(phone=number).exists():
            return None  # START from a number that never stopped: nothing to undo
        # get_or_create: two STOPs from a new number at once make one row.
        current, created = TextOptOut.objects.select_for_update().get_or_create(
            phone=number, defaults={"stopped": stopped, "changed_at": now}
        )
        if not created:
            if current.stopped == stopped:
                return current
            current.stopped, current.changed_at = stopped, now
            current.save(update_fields=["stopped", "changed_at"])
        patients = list(
            Patient.objects.filter(phone=number).order_by("pk").values_list("pk", flat=True)[:20]
        )
        record(
            action="text.stop" if stopped else "text.start",
            actor=actor,
            now=now,
            obj=current,
            patient_id=patients[0] if len(patients) == 1 else None,
            detail={"phone": number, "patients": patients},
        )
    return current


def text_reply_take(*, actor: Actor, phone: str, body: str, now: datetime) -> TextOptOut | None:
    """Act on a patient's reply: STOP or START change the number's texts; any other
    reply changes nothing."""
    stopped = reply_keyword(body=body)
    if stopped is None:
        return None
    return text_opt_out_set(actor=actor, phone=phone, stopped=stopped, now=now)
