"""Documents on the chart: a file added (its type read from its bytes, never its name),
and a file opened, only through this view and audited."""

from __future__ import annotations

import re
import unicodedata

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from mildpath.accounts.access import staff_required
from mildpath.accounts.roles import Capability
from mildpath.audit.actor import Actor
from mildpath.care import queries, services
from mildpath.care.forms.chart import DocumentForm
from mildpath.care.views.chart import render_chart
from mildpath.core import clock
from mildpath.core.errors import AlreadySubmitted, already_saved
from mildpath.patients.queries import patient_for_change

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def safe_filename(title: str, content_type: str) -> str:
    """A download name made of the title's letters, digits, spaces, hyphens and
    underscores (no dots, slashes or quotes), with the extension of the stored type."""
    decomposed = unicodedata.normalize("NFKD", title)  # "é": "e" and its accent
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    stem = " ".join(re.sub(r"[^A-Za-z0-9_-]+", " ", letters).split())
    stem = stem.strip(" -_")[:80].strip(" -_") or "document"
    return f"{stem}.{EXTENSIONS.get(content_type, 'bin')}"


@staff_required(Capability.PATIENT_CLINICAL)
@require_POST
def upload(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = Actor.of(request)
    patient = queries.patient_for_chart(actor, patient_id, section="documents")
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        # The chart again, the form's errors where it was filled in; nothing stored.
        return render_chart(request, actor, patient, document_form=form, status=400)
    content, content_type = form.cleaned_data["file"]
    back = reverse("care:chart", args=[patient.pk]) + "#documents"
    try:
        document = services.document_store(
            actor=actor,
            patient=patient,
            kind=form.cleaned_data["kind"],
            title=form.cleaned_data["title"],
            upload=services.Upload(content=content, content_type=content_type),
            now=clock.now(),
            submission=form.cleaned_data["submission"],
        )
    except AlreadySubmitted:
        return already_saved(request, back)
    messages.success(request, _("Document added: %(title)s.") % {"title": document.title})
    return redirect(back)


@staff_required(Capability.PATIENT_CLINICAL)
@require_http_methods(["GET", "HEAD"])
def download(request: HttpRequest, patient_id: int, document_id: int) -> FileResponse:
    actor = Actor.of(request)
    patient = patient_for_change(actor, patient_id)  # the opening itself is audited below
    found = queries.document_for_download(actor, patient, document_id)
    try:
        handle = found.path.open("rb")
    except OSError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        content_type=found.document.content_type,
        as_attachment=True,
        filename=safe_filename(found.document.title, found.document.content_type),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response
