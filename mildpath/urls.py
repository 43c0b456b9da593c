from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from mildpath.accounts.audit_views import audit_urls
from mildpath.core.views import livez
from mildpath.patients.views import patient_link
from mildpath.scheduling import urls as scheduling
from mildpath.site.health import healthz
from mildpath.site.staff_home import staff_home

handler403 = "mildpath.accounts.access.forbidden"
handler404 = "mildpath.accounts.access.not_found"

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(scheduling.api_v1)),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    *scheduling.hooks,
]
# English at /, Spanish at /es/: a link, a bookmark or a printed URL always opens in
# the language it was shared in.
urlpatterns += i18n_patterns(
    path("", include("mildpath.site.urls")),
    path("book/", include(scheduling.booking)),
    path("staff/", staff_home, name="staff_home"),
    path("staff/", include("mildpath.accounts.urls")),
    # The patients app's pages with the record's, which show scheduling data.
    path("staff/patients/", include("mildpath.scheduling.patient_urls")),
    path("staff/patients/<int:patient_id>/chart/", include("mildpath.care.urls")),
    path("staff/patients/<int:patient_id>/fhir/", include("mildpath.fhir.urls")),
    path("staff/requests/", include(scheduling.call_backs)),
    path("staff/calendar/", include(scheduling.calendar)),
    path("staff/audit/", include(audit_urls)),
    path("staff/registry/", include("mildpath.outcomes.urls")),
    *scheduling.patient_links,
    path("", include("mildpath.questionnaires.urls")),
    path("p/<str:purpose>/<str:token>/", patient_link, name="patient_link"),
    prefix_default_language=False,
)
