from django.urls import path
from django.utils.translation import gettext_lazy as _

from mildpath.site import views

app_name = "site"

# Education pages, in the order of the site's navigation.
PAGES = [
    ("", "site/home.html", "home"),
    ("lumbar-spinal-stenosis/", "site/lss.html", "lss"),
    ("mild-procedure/", "site/procedure.html", "procedure"),
    ("results/", "site/benefits.html", "benefits"),
    ("risks/", "site/risks.html", "risks"),
    ("questions/", "site/faq.html", "faq"),
]

urlpatterns = [path(route, views.page(template), name=name) for route, template, name in PAGES]
urlpatterns += [
    path("self-check/", views.self_check, name="self_check"),
    path("locations/", views.location_list, name="location_list"),
    path("locations/<slug:slug>/", views.location_detail, name="location_detail"),
    path("consultation/", views.consultation_request, name="consultation_request"),
    path("consultation/received/", views.consultation_received, name="consultation_received"),
]

# Marked for translation so the navigation and <title> strings live in one place.
NAV_LABELS = {
    "home": _("Home"),
    "lss": _("Spinal stenosis"),
    "procedure": _("The mild procedure"),
    "benefits": _("Results"),
    "risks": _("Risks"),
    "faq": _("Questions"),
    "self_check": _("Self-check"),
    "location_list": _("Locations"),
}
