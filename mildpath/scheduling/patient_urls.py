"""The ``patients`` URL namespace, mounted at /staff/patients/ by mildpath/urls.py: the
patients app's own pages, and the record's pages that show or change scheduling data
(visits, messages, links sent by text or email), which the patients app may not import.
Everyone links to a patient's record as ``patients:detail``."""

from __future__ import annotations

from django.urls import path

from mildpath.patients.urls import urlpatterns as patient_pages
from mildpath.scheduling.views import patient_record

app_name = "patients"

urlpatterns = [
    path("<int:patient_id>/", patient_record.record, name="detail"),
    path("<int:patient_id>/contact/", patient_record.contact_edit, name="contact"),
    path("<int:patient_id>/links/", patient_record.link_send, name="link_issue"),
    path(
        "<int:patient_id>/questionnaires/<int:time_point_id>/send/",
        patient_record.questionnaire_send,
        name="questionnaire_send",
    ),
    *patient_pages,
]
