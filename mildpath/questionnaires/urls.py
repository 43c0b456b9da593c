"""The questionnaire pages: a patient's through their link (mounted at /p/), and the
staff's under /staff/ (``staff_urls``)."""

from django.urls import path

from mildpath.questionnaires.views import patient, staff

app_name = "questionnaires"

urlpatterns = [
    path("p/questionnaire/done/", patient.done, name="done"),
    path("p/questionnaire/<str:token>/", patient.start, name="start"),
    path("p/questionnaire/<str:token>/send/", patient.send, name="send"),
    path(
        "p/questionnaire/<str:token>/<slug:instrument>/<int:number>/",
        patient.screen,
        name="screen",
    ),
    path("p/progress/<str:token>/", patient.progress, name="progress_link"),
    path("staff/tablet/", staff.tablet, name="tablet"),
    path("staff/tablet/<int:time_point_id>/start/", staff.tablet_start, name="tablet_start"),
    path("staff/patients/<int:patient_id>/progress/", staff.progress, name="progress"),
    path(
        "staff/patients/<int:patient_id>/questionnaires/<int:time_point_id>/answers/",
        staff.answers,
        name="answers",
    ),
    path(
        "staff/patients/<int:patient_id>/questionnaires/<int:time_point_id>/paper/<slug:instrument>/",
        staff.paper_entry,
        name="paper",
    ),
]
