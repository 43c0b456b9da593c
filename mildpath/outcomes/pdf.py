"""The outcomes report as a PDF, drawn by WeasyPrint from the same ``_report.html`` the
page shows (``report_pdf.html`` around it, with its print stylesheet; the charts
inline as SVG). The worker calls it when a report is done, with no request at hand."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from mildpath.core.pdf import html_to_pdf
from mildpath.outcomes.presentation import report_display
from mildpath.practice.queries import practice_current


def report_pdf(result: dict[str, Any], *, language: str = "en") -> bytes:
    """The report in ``result`` (``report.report_build``) as PDF bytes, in ``language``."""
    with translation.override(language):
        html = render_to_string(
            "outcomes/report_pdf.html",
            {
                "report": report_display(result),
                "language": language,
                "for_pdf": True,
                # No request, so no context processor: the practice's name for the header.
                "practice": practice_current(),
            },
        )
    base_url = settings.MILDPATH_BASE_URL.rstrip("/") + "/"
    return html_to_pdf(html, base_url=base_url)
