"""Replies to our texts, as Twilio forwards them (its "A message comes in" webhook):
a form POST with ``From`` and ``Body``, signed in ``X-Twilio-Signature``.

Point the sending number's webhook at ``<MILDPATH_BASE_URL>/hooks/twilio/sms``. An
unsigned or forged request is refused (403) and changes nothing. The answer is empty
TwiML: the practice sends no reply of its own (Twilio confirms STOP and START itself).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mildpath.audit.actor import Actor
from mildpath.core import clock
from mildpath.scheduling.services.texts import text_reply_take
from mildpath.scheduling.sms import twilio_signature_valid

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
DEFAULT_PORTS = {"http": 80, "https": 443}


def _urls(request: HttpRequest) -> list[str]:
    """The addresses Twilio may have signed: as this server sees the request, and as
    the public base URL gives it (behind a proxy that changes scheme or host); each
    with and without the scheme's default port, which Twilio may add or drop."""
    seen = [
        request.build_absolute_uri(),
        f"{settings.MILDPATH_BASE_URL.rstrip('/')}{request.get_full_path()}",
    ]
    urls: list[str] = []
    for url in seen:
        parts = urlsplit(url)
        host = parts.hostname or ""
        default = DEFAULT_PORTS.get(parts.scheme)
        variants = [url]
        if default is not None and parts.port in (None, default):
            for netloc in (host, f"{host}:{default}"):
                variants.append(urlunsplit(parts._replace(netloc=netloc)))
        urls += [variant for variant in variants if variant not in urls]
    return urls


@csrf_exempt  # signed by Twilio instead: it has no session and no CSRF token
@require_POST
def twilio_inbound(request: HttpRequest) -> HttpResponse:
    params = [(name, value) for name, values in request.POST.lists() for value in values]
    if not twilio_signature_valid(
        urls=_urls(request),
        params=params,
        signature=request.headers.get("X-Twilio-Signature", ""),
    ):
        return HttpResponseForbidden("Not signed by Twilio.", content_type="text/plain")
    text_reply_take(
        actor=Actor.of(request, label="text reply (Twilio)"),
        phone=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        now=clock.now(),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
