from django.urls import path

from mildpath.scheduling import public_views as views

app_name = "booking"

urlpatterns = [
    path("", views.book_start, name="start"),
    path("booked/", views.book_done, name="done"),
    path("booked/appointment.ics", views.book_ics, name="ics"),
    path("<slug:slug>/", views.book_slots, name="slots"),
    path("<slug:slug>/details/", views.book_details, name="details"),
    path("<slug:slug>/review/", views.book_review, name="review"),
]
