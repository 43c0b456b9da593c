"""The patients app's own pages. mildpath/urls.py mounts them, with the record's pages
from ``scheduling.patient_urls``, under /staff/patients/ as the ``patients`` namespace."""

from django.urls import path

from mildpath.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("emergency-access/", views.break_glass, name="break_glass"),
    path("<int:patient_id>/links/<int:link_id>/revoke/", views.link_revoke, name="link_revoke"),
]
