"""Text-message backends, chosen by MILDPATH_SMS_BACKEND (like Django's email backends).

Development and tests write each message to a file under var/sms; a real provider's
adapter implements the same one method.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string

from mildpath.core import clock


class FileSmsBackend:
    def send(self, *, to: str, body: str, key: str) -> None:
        folder = Path(settings.MILDPATH_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S")
        (folder / f"{stamp}-{key.replace(':', '_')}.txt").write_text(f"To: {to}\n\n{body}\n")


def sms_backend() -> FileSmsBackend:
    return import_string(settings.MILDPATH_SMS_BACKEND)()
