"""PDF from our own HTML templates, by WeasyPrint (a treatment plan's summary, the
registry's report): it may read our own static files and nothing else."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit, urlunsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from weasyprint.urls import URLFetcher, URLFetcherResponse


def html_to_pdf(html: str, *, base_url: str) -> bytes:
    """``html`` (relative URLs against ``base_url``) as PDF bytes."""
    pdf = weasyprint.HTML(
        string=html, base_url=base_url, url_fetcher=StaticOnlyFetcher(base_url)
    ).write_pdf()
    if pdf is None:  # write_pdf without a target returns the bytes
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf


class StaticOnlyFetcher(URLFetcher):
    """What WeasyPrint may load while drawing a summary: our own static files (the
    stylesheet, the logo), read from disk, never over the network. Every other URL (another
    host, another path of ours, ``file:``, ``data:``) is refused, so text a clinician
    typed can never make the server fetch anything."""

    def __init__(self, base_url: str) -> None:
        super().__init__(allowed_protocols=("http", "https"), allow_redirects=False)
        self.static_prefix = urljoin(base_url, settings.STATIC_URL)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        path = self.static_file(url)
        if path is None:
            raise ValueError(f"refused to fetch {url[:200]!r}: not one of our static files")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url, body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    def static_file(self, url: str) -> Path | None:
        """The file on disk that ``url`` names under our static URL, or None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        if not bare.startswith(self.static_prefix):
            return None
        name = unquote(bare[len(self.static_prefix) :])
        segments = name.split("/")
        if not name or "\\" in name or "\x00" in name or ".." in segments or "" in segments:
            return None
        found = finders.find(name)
        if not found:
            found = _collected(name)
        if not found or isinstance(found, list):
            return None
        path = Path(found)
        return path if path.is_file() else None


def _collected(name: str) -> str | None:
    """A file collected into STATIC_ROOT (with its hashed name, in production)."""
    try:
        return str(staticfiles_storage.path(name))
    except (NotImplementedError, SuspiciousFileOperation):
        return None
