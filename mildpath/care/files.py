"""What an uploaded file really is, read from its first bytes (its name and the
browser's claim are the uploader's to choose)."""

from __future__ import annotations

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff(head: bytes) -> str | None:
    """The content type of a PDF, JPEG or PNG file, or None for anything else."""
    for signature, content_type in SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None
