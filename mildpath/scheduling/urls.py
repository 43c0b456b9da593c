"""The scheduling app's pages, in four groups that mildpath/urls.py mounts: the public
booking pages, the front desk's calendar, call-back requests, and the JSON API."""

from __future__ import annotations

from django.urls import path

from mildpath.scheduling.views import api, links, matches, public, requests, staff

booking = (
    [
        path("", public.book_start, name="start"),
        path("booked/", public.book_done, name="done"),
        path("booked/appointment.ics", public.book_ics, name="ics"),
        path("<slug:slug>/", public.book_slots, name="slots"),
        path("<slug:slug>/details/", public.book_details, name="details"),
        path("<slug:slug>/review/", public.book_review, name="review"),
    ],
    "booking",
)

calendar = (
    [
        path("", staff.calendar, name="calendar"),
        path("book/", staff.book_for_caller, name="book"),
        path("messages/failed/", staff.failed_messages, name="failed_messages"),
        path("matches/", matches.match_list, name="matches"),
        path("matches/<int:match_id>/", matches.match_decide, name="match_decide"),
        path("appointments/<int:appointment_id>/", staff.appointment_detail, name="appointment"),
        path(
            "appointments/<int:appointment_id>/change/",
            staff.appointment_action,
            name="appointment_action",
        ),
    ],
    "scheduling_staff",
)

call_backs = (
    [
        path("", requests.request_list, name="request_list"),
        path("<int:request_id>/", requests.request_detail, name="request_detail"),
    ],
    "scheduling",
)

api_v1 = (
    [
        path("slots", api.slots, name="slots"),
        path("appointments", api.appointments, name="appointments"),
        path("openapi.yaml", api.openapi, name="openapi"),
    ],
    "api",
)

# What a patient's link opens (routed before the general patient-link page).
patient_links = [
    path("p/appointment/<str:token>/", links.manage_page, name="appointment_link"),
    path("p/appointment/<str:token>/cancel/", links.cancel, name="appointment_cancel"),
    path("p/appointment/<str:token>/move/", links.move, name="appointment_move"),
    path("p/offer/<str:token>/", links.offer_page, name="offer_link"),
    path("p/offer/<str:token>/take/", links.offer_take, name="offer_take"),
]
