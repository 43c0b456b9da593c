"""The outcomes registry's staff pages, under /staff/registry/ (``outcomes`` namespace)."""

from django.urls import path

from mildpath.outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/<int:job_id>/", views.report, name="report"),
    path("reports/<int:job_id>/status/", views.report_status, name="report_status"),
    path(
        "reports/<int:job_id>/download/<str:what>/",
        views.report_download,
        name="report_download",
    ),
    path("export/", views.export, name="export"),
    path("exports/<int:job_id>/", views.export_job, name="export_job"),
    path("exports/<int:job_id>/status/", views.export_status, name="export_status"),
    path(
        "exports/<int:job_id>/download/<str:what>/",
        views.export_download,
        name="export_download",
    ),
]
