from django.urls import path

from mildpath.accounts import staff_views, views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("two-step/", views.mfa_setup, name="mfa_setup"),
    path("session/extend/", views.session_extend, name="session_extend"),
    path(
        "set-password/<str:uidb64>/<str:token>/",
        staff_views.set_password,
        name="set_password",
    ),
    # The administrator's staff account pages.
    path("accounts/", staff_views.staff_list, name="staff_list"),
    path("accounts/new/", staff_views.staff_create, name="staff_create"),
    path("accounts/<int:user_id>/", staff_views.staff_detail, name="staff_detail"),
    path("accounts/<int:user_id>/role/", staff_views.staff_role, name="staff_role"),
    path(
        "accounts/<int:user_id>/locations/",
        staff_views.staff_locations,
        name="staff_locations",
    ),
    path(
        "accounts/<int:user_id>/deactivate/",
        staff_views.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "accounts/<int:user_id>/reactivate/",
        staff_views.staff_reactivate,
        name="staff_reactivate",
    ),
    path(
        "accounts/<int:user_id>/reset-password/",
        staff_views.staff_reset_password,
        name="staff_reset_password",
    ),
    path(
        "accounts/<int:user_id>/reset-two-step/",
        staff_views.staff_reset_mfa,
        name="staff_reset_mfa",
    ),
]
