from django.urls import path

from mildpath.scheduling import api

app_name = "api"

urlpatterns = [
    path("slots", api.slots, name="slots"),
    path("appointments", api.appointments, name="appointments"),
    path("openapi.yaml", api.openapi, name="openapi"),
]
