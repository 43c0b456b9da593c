from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from mildpath.core.views import healthz
from mildpath.patients.views import patient_link
from mildpath.scheduling import manage

handler403 = "mildpath.accounts.access.forbidden"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("mildpath.scheduling.api_urls")),
    path("healthz", healthz, name="healthz"),
]
# English at /, Spanish at /es/: a link, a bookmark or a printed URL always opens in
# the language it was shared in.
urlpatterns += i18n_patterns(
    path("", include("mildpath.site.urls")),
    path("book/", include("mildpath.scheduling.public_urls")),
    path("staff/", include("mildpath.accounts.urls")),
    path("staff/patients/", include("mildpath.patients.urls")),
    path("staff/requests/", include("mildpath.scheduling.urls")),
    path("staff/calendar/", include("mildpath.scheduling.staff_urls")),
    path("staff/audit/", include("mildpath.audit.urls")),
    path("p/appointment/<str:token>/cancel/", manage.cancel, name="appointment_cancel"),
    path("p/appointment/<str:token>/move/", manage.move, name="appointment_move"),
    path("p/offer/<str:token>/take/", manage.offer_take, name="offer_take"),
    path("p/<str:purpose>/<str:token>/", patient_link, name="patient_link"),
    prefix_default_language=False,
)
