"""The scheduling app's pages, in four groups that mildpath/urls.py mounts: the public
booking pages, the front desk's calendar, call-back requests, and the JSON API."""

from __future__ import annotations

from django.urls import path

from mildpath.scheduling.views import (
    api,
    link_move,
    links,
    matches,
    public,
    requests,
    staff,
    texts,
)
from mildpath.scheduling.views import calendar as calendar_views

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
        path("", calendar_views.calendar, name="calendar"),
        path("block/", calendar_views.block_time, name="block"),
        path("block/<int:override_id>/remove/", calendar_views.block_remove, name="block_remove"),
        path("book/", staff.book_for_caller, name="book"),
        path("messages/failed/", staff.failed_messages, name="failed_messages"),
        path(
            "messages/failed/<int:message_id>/",
            staff.failed_message_done,
            name="failed_message_mark",
        ),
        path("matches/", matches.match_list, name="matches"),
        path("matches/<int:match_id>/", matches.match_decide, name="match_decide"),
        path("appointments/<int:appointment_id>/", staff.appointment_detail, name="appointment"),
        path(
            "appointments/<int:appointment_id>/change/",
            staff.appointment_action,
            name="appointment_action",
        ),
        path(
            "appointments/<int:appointment_id>/cancel/",
            staff.appointment_cancel_page,
            name="appointment_cancel",
        ),
        path(
            "appointments/<int:appointment_id>/move/",
            staff.appointment_move_page,
            name="appointment_move",
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

# What a text-message provider calls: not under a language prefix, signed by the provider.
hooks = [
    path("hooks/twilio/sms", texts.twilio_inbound, name="twilio_inbound"),
]

# What a patient's link opens (routed before the general patient-link page).
patient_links = [
    path("p/appointment/<str:token>/", links.manage_page, name="appointment_link"),
    path("p/appointment/<str:token>/cancel/", links.cancel, name="appointment_cancel"),
    path(
        "p/appointment/<str:token>/questions/",
        links.questions_again,
        name="appointment_questions_again",
    ),
    path("p/appointment/<str:token>/move/", link_move.move, name="appointment_move"),
    path(
        "p/appointment/<str:token>/appointment.ics", links.manage_ics, name="appointment_link_ics"
    ),
    path("p/offer/<str:token>/", links.offer_page, name="offer_link"),
    path("p/offer/<str:token>/take/", links.offer_take, name="offer_take"),
]
