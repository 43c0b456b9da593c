"""The FHIR export, under /staff/patients/<id>/fhir/ (``fhir`` namespace)."""

from django.urls import path

from mildpath.fhir import views

app_name = "fhir"

urlpatterns = [
    path("record.json", views.patient_bundle, name="patient_bundle"),
]
