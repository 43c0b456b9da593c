from django.urls import path

from mildpath.accounts import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("two-step/", views.mfa_setup, name="mfa_setup"),
    path("session/extend/", views.session_extend, name="session_extend"),
]
