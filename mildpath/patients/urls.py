from django.urls import path

from mildpath.patients import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("emergency-access/", views.break_glass, name="break_glass"),
    path("<int:patient_id>/", views.patient_detail, name="detail"),
    path("<int:patient_id>/links/", views.link_issue, name="link_issue"),
    path("<int:patient_id>/links/<int:link_id>/revoke/", views.link_revoke, name="link_revoke"),
]
