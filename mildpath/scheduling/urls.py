from django.urls import path

from mildpath.scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("<int:request_id>/", views.request_detail, name="request_detail"),
]
