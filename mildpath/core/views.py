from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """For a load balancer: the process answers. Touches nothing else, by design (it is
    also the bare-view floor of bench/booking.py)."""
    return HttpResponse("ok", content_type="text/plain")
