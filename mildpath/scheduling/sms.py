"""Text-message backends, chosen by MILDPATH_SMS_BACKEND (like Django's email backends).

Development and tests write each message to a file under var/sms. In production,
Twilio's Messages API sends them (set MILDPATH_TWILIO_ACCOUNT_SID and its companions).
An adapter for another provider implements the same one method, ``send``, and raises
SmsFailed when the provider refuses: the outbox then marks the message failed with
the provider's reason, for the front desk to see. Replies come back through a webhook
(``views/texts``), signed as ``twilio_signature`` checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from mildpath.core import clock

TIMEOUT_SECONDS = 15


class SmsFailed(Exception):
    """The provider did not take the message; the text says why."""


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str, key: str) -> None: ...


class FileSmsBackend:
    def send(self, *, to: str, body: str, key: str) -> None:
        folder = Path(settings.MILDPATH_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S")
        (folder / f"{stamp}-{key.replace(':', '_')}.txt").write_text(f"To: {to}\n\n{body}\n")


class TwilioSmsBackend:
    """Twilio's REST API (Messages resource), over HTTPS with the account's SID and
    auth token. ``MILDPATH_TWILIO_FROM`` is the sending number (E.164) or, starting
    with MG, a Messaging Service."""

    def send(self, *, to: str, body: str, key: str) -> None:
        account = settings.MILDPATH_TWILIO_ACCOUNT_SID
        sender = settings.MILDPATH_TWILIO_FROM
        fields = {"To": to, "Body": body}
        fields["MessagingServiceSid" if sender.startswith("MG") else "From"] = sender
        credentials = f"{account}:{settings.MILDPATH_TWILIO_AUTH_TOKEN}".encode()
        base = settings.MILDPATH_TWILIO_API_URL
        # Only HTTPS leaves the machine; plain HTTP only to a stand-in on loopback (tests).
        if not base.startswith(("https://", "http://127.0.0.1:", "http://localhost:")):
            raise SmsFailed(f"MILDPATH_TWILIO_API_URL must be an https:// URL, not {base!r}")
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            f"{base}/2010-04-01/Accounts/{account}/Messages.json",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials).decode(),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            # The scheme was checked above (https, or http to loopback): B310 does not apply.
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 # nosec B310
                accepted = json.load(response)
        except urllib.error.HTTPError as refused:
            raise SmsFailed(_reason(refused)) from refused
        except (urllib.error.URLError, TimeoutError) as unreachable:
            raise SmsFailed(f"Twilio could not be reached: {unreachable}") from unreachable
        if accepted.get("error_code"):
            raise SmsFailed(
                f"Twilio error {accepted['error_code']}: {accepted.get('error_message')}"
            )


def _reason(refused: urllib.error.HTTPError) -> str:
    try:
        detail = json.load(refused)
    except ValueError:
        return f"Twilio answered HTTP {refused.code}"
    return f"Twilio error {detail.get('code', refused.code)}: {detail.get('message', '')}"


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.MILDPATH_SMS_BACKEND)()
    return backend


def twilio_signature(*, url: str, params: list[tuple[str, str]], token: str) -> str:
    """What Twilio puts in X-Twilio-Signature for a form POST to ``url``: base64 of the
    HMAC-SHA1, keyed with the account's auth token, of the full URL followed by each
    parameter's name and value, sorted by name (and value, for a repeated name)."""
    signed = url + "".join(name + value for name, value in sorted(params))
    digest = hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def twilio_signature_valid(
    *, urls: list[str], params: list[tuple[str, str]], signature: str
) -> bool:
    """True when ``signature`` is Twilio's for one of ``urls`` (the address as this
    server sees it, and as MILDPATH_BASE_URL gives it behind a proxy). Without an auth
    token nothing is valid: anyone can make an HMAC with an empty key."""
    token = settings.MILDPATH_TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    return any(
        hmac.compare_digest(twilio_signature(url=url, params=params, token=token), signature)
        for url in urls
    )
