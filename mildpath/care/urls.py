"""The clinical chart's pages, under /staff/patients/<id>/chart/ (``care`` namespace)."""

from django.urls import path

from mildpath.care.views import (
    chart,
    documents,
    evaluations,
    imaging,
    plans,
    procedures,
    surgeries,
)

app_name = "care"

urlpatterns = [
    path("", chart.chart, name="chart"),
    path("consent/", chart.consent, name="consent"),
    path("documents/", documents.upload, name="document_upload"),
    path("documents/<int:document_id>/", documents.download, name="document"),
    path("imaging/new/", imaging.imaging_new, name="imaging_new"),
    path("evaluations/new/", evaluations.evaluation_new, name="evaluation_new"),
    path("evaluations/<int:evaluation_id>/", evaluations.evaluation, name="evaluation"),
    path("plans/new/", plans.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", plans.plan, name="plan"),
    path("plans/<int:plan_id>/summary/<str:language>/", plans.summary, name="plan_summary"),
    path("plans/<int:plan_id>/summary/<str:language>.pdf", plans.summary_pdf, name="plan_pdf"),
    path("procedures/new/", procedures.procedure_new, name="procedure_new"),
    path("procedures/<int:procedure_id>/", procedures.procedure, name="procedure"),
    path("procedures/<int:procedure_id>/edit/", procedures.procedure_edit, name="procedure_edit"),
    path("procedures/<int:procedure_id>/sign/", procedures.procedure_sign, name="procedure_sign"),
    path(
        "procedures/<int:procedure_id>/amend/", procedures.procedure_amend, name="procedure_amend"
    ),
    path(
        "procedures/<int:procedure_id>/complications/new/",
        procedures.complication_new,
        name="complication_new",
    ),
    path("surgery/new/", surgeries.surgery_new, name="surgery_new"),
]
