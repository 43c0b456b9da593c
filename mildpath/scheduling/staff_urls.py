from django.urls import path

from mildpath.scheduling import staff_views as views

app_name = "scheduling_staff"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("book/", views.book_for_caller, name="book"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path(
        "appointments/<int:appointment_id>/change/",
        views.appointment_action,
        name="appointment_action",
    ),
]
