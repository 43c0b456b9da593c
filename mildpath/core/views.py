from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def livez(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else, by design (a restart is the
    cure for a process that does not answer; it is also the bare-view floor of
    bench/booking.py). /healthz (mildpath/site/health.py) checks what it depends on."""
    return HttpResponse("ok", content_type="text/plain")
