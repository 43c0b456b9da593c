from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mildpath.audit.models import AuditEvent

# Tests that move time on by hand (one-time codes depend on the clock) ask for ``frozen``.
pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _password(client, username, password=PASSWORD, **extra):
    return client.post("/staff/sign-in/", {"username": username, "password": password}, **extra)


def test_a_researcher_signs_in_with_a_password_alone_and_it_is_recorded(
    client, make_staff, audit_log
):
    user = make_staff("researcher", username="riley")
    with audit_log.exactly_one(action="staff.sign_in", actor=user, role="researcher"):
        response = _password(client, "riley")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_the_front_desk_reads_patients_contact_details_so_needs_a_code_too(
    client, make_staff, frozen
):
    user = make_staff("front_desk", ("santa-monica",), username="dana")
    assert _password(client, "dana").headers["Location"] == "/staff/sign-in/code/"
    assert client.get("/staff/patients/").status_code == 302  # not signed in yet
    client.post("/staff/sign-in/code/", {"code": _code(user)})
    assert client.get("/staff/patients/").status_code == 200


def test_a_front_desk_password_alone_opens_no_patient_until_an_app_is_set_up(client, make_staff):
    make_staff("front_desk", ("santa-monica",), username="dana", mfa=False)
    assert _password(client, "dana").status_code == 302
    response = client.get("/staff/patients/")
    assert response.headers["Location"] == "/staff/two-step/"


def test_a_wrong_password_says_so_without_revealing_which_part(client, make_staff, audit_log):
    make_staff("researcher", username="dana")
    with audit_log.exactly_one(action="staff.sign_in_failed", actor_label="dana", actor=None):
        response = _password(client, "dana", "nope")
    assert "That user name and password do not match" in response.text
    assert client.get("/staff/").status_code == 302
    response = _password(client, "nobody-by-that-name", "nope")
    assert "That user name and password do not match" in response.text


def test_a_clinician_without_an_app_must_set_one_up_first(client, make_staff, audit_log, frozen):
    make_staff("clinician", username="elena", mfa=False)
    response = _password(client, "elena")
    assert response.status_code == 302
    home = client.get("/staff/")
    assert home.status_code == 302 and home.headers["Location"] == "/staff/two-step/"

    page = client.get("/staff/two-step/")
    assert page.status_code == 200
    assert "<svg" in page.text and 'id="totp-secret"' in page.text
    device = TOTPDevice.objects.get(user__username="elena", confirmed=False)
    wrong = client.post("/staff/two-step/", {"code": "000000"})
    assert "That code did not match" in wrong.text
    # django-otp slows down guessing after a wrong code; a person takes a few seconds.
    frozen.shift(timedelta(seconds=5))
    code = f"{totp(device.bin_key):06d}"
    with audit_log.exactly_one(action="staff.mfa_enrol"):
        done = client.post("/staff/two-step/", {"code": code})
    assert done.status_code == 200
    assert len(done.context["codes"]) == 10
    assert client.get("/staff/").status_code == 200


def test_a_clinician_signs_in_with_password_then_code(client, make_staff, audit_log, frozen):
    user = make_staff("clinician", username="elena")
    response = _password(client, "elena")
    assert response.headers["Location"] == "/staff/sign-in/code/"
    assert client.get("/staff/").status_code == 302  # not signed in until the code

    wrong = client.post("/staff/sign-in/code/", {"code": "123456"})
    assert "That code did not work" in wrong.text
    frozen.shift(timedelta(seconds=5))
    with audit_log.exactly_one(
        action="staff.sign_in", actor=user, detail={"second_step": "TOTPDevice"}
    ):
        done = client.post("/staff/sign-in/code/", {"code": _code(user)})
    assert done.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_a_recovery_code_works_once(client, make_staff, sign_in):
    user = make_staff("clinician", username="elena")
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=user, name="Recovery codes")
    StaticToken.objects.create(device=static, token="a1b2c3d4e5")
    _password(client, "elena")
    assert client.post("/staff/sign-in/code/", {"code": "A1B2 C3D4 E5"}).status_code == 302
    client.post("/staff/sign-out/")
    _password(client, "elena")
    again = client.post("/staff/sign-in/code/", {"code": "a1b2c3d4e5"})
    assert "That code did not work" in again.text


def test_the_next_page_is_kept_through_both_steps_and_never_leaves_the_site(
    client, make_staff, frozen
):
    user = make_staff("manager", username="morgan")
    client.post(
        "/staff/sign-in/",
        {"username": "morgan", "password": PASSWORD, "next": "/staff/audit/"},
    )
    done = client.post("/staff/sign-in/code/", {"code": _code(user)})
    assert done.headers["Location"] == "/staff/audit/"
    client.post("/staff/sign-out/")
    # A code works once: the next sign-in uses the app's next code.
    frozen.shift(timedelta(seconds=31))
    client.post(
        "/staff/sign-in/",
        {"username": "morgan", "password": PASSWORD, "next": "https://evil.example/"},
    )
    done = client.post("/staff/sign-in/code/", {"code": _code(user)})
    assert done.headers["Location"] == "/staff/"


@override_settings(AXES_FAILURE_LIMIT=5)
def test_five_wrong_passwords_from_one_address_lock_that_user(client, make_staff):
    make_staff("researcher", username="dana")
    make_staff("researcher", username="sam")
    for _ in range(4):
        assert _password(client, "dana", "wrong").status_code == 200
    locked = _password(client, "dana", "wrong")
    assert locked.status_code == 429
    assert "Sign-in locked for now" in locked.text
    # Even the right password is refused while locked.
    assert _password(client, "dana").status_code == 429
    assert AuditEvent.objects.filter(action="staff.locked_out", actor_label="dana").exists()
    # A colleague at the same address (the same proxy) is not locked out.
    assert _password(client, "sam").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=5, MILDPATH_TRUSTED_PROXY_COUNT=0)
def test_five_wrong_passwords_from_five_addresses_lock_that_user_and_email_them(client, make_staff):
    dana = make_staff("researcher", username="dana")
    dana.email = "dana@example.com"
    dana.save()
    for n in range(1, 5):
        assert _password(client, "dana", "wrong", REMOTE_ADDR=f"192.0.2.{n}").status_code == 200
    assert mail.outbox == []
    assert _password(client, "dana", "wrong", REMOTE_ADDR="192.0.2.5").status_code == 429
    # Locked from every address, the right password included; the owner hears of it once.
    assert _password(client, "dana", REMOTE_ADDR="198.51.100.9").status_code == 429
    assert _password(client, "dana", "wrong", REMOTE_ADDR="192.0.2.6").status_code == 429
    assert [message.to for message in mail.outbox] == [["dana@example.com"]]
    assert "locked after 5 wrong passwords" in mail.outbox[0].body
    assert "192.0.2.5" in mail.outbox[0].body
    # Anyone else still signs in from those addresses.
    make_staff("researcher", username="sam")
    assert _password(client, "sam", REMOTE_ADDR="192.0.2.5").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=5, MILDPATH_LOCKOUT_ADDRESS_FAILURES=20)
def test_twenty_wrong_passwords_from_one_address_across_user_names_lock_that_address(
    client, make_staff
):
    make_staff("researcher", username="dana")
    for n in range(19):
        response = _password(client, f"guess{n}", "wrong", REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 200
    assert _password(client, "guess19", "wrong", REMOTE_ADDR="203.0.113.7").status_code == 429
    # Nobody signs in from that address for now, not even with the right password...
    for _ in range(5):
        assert _password(client, "dana", REMOTE_ADDR="203.0.113.7").status_code == 429
    # ...but the same person from elsewhere does: the address was locked, not the user,
    # and attempts refused there never reached a password check, so they do not count.
    assert _password(client, "dana", REMOTE_ADDR="198.51.100.9").status_code == 302
    assert mail.outbox == []


@override_settings(AXES_FAILURE_LIMIT=5, MILDPATH_LOCKOUT_ADDRESS_FAILURES=4)
def test_a_good_sign_in_does_not_wipe_the_failures_of_its_address(client, make_staff):
    make_staff("researcher", username="sam")
    for n in range(3):
        _password(client, f"guess{n}", "wrong", REMOTE_ADDR="203.0.113.7")
    assert _password(client, "sam", REMOTE_ADDR="203.0.113.7").status_code == 302
    client.post("/staff/sign-out/")
    assert _password(client, "guess3", "wrong", REMOTE_ADDR="203.0.113.7").status_code == 429


@override_settings(AXES_FAILURE_LIMIT=5)
def test_wrong_codes_count_toward_the_lockout(client, make_staff):
    make_staff("clinician", username="elena")
    _password(client, "elena")
    for _ in range(4):
        assert client.post("/staff/sign-in/code/", {"code": "a1b2c3d4e6"}).status_code == 200
    assert client.post("/staff/sign-in/code/", {"code": "000000"}).status_code == 429
    # The admin's lockout pages keep the failed forms, but never a code typed in them.
    kept = " ".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "code=" in kept and "a1b2c3d4e6" not in kept


@override_settings(MILDPATH_LOCKOUT_ADDRESS_FAILURES=3, MILDPATH_TRUSTED_PROXY_COUNT=0)
def test_a_forged_forwarded_header_does_not_dodge_the_lockout(client, make_staff):
    make_staff("researcher", username="dana")
    for n in range(3):
        _password(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    # Counted against the real address, whatever the header claims.
    assert _password(client, "dana", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


@override_settings(MILDPATH_LOCKOUT_ADDRESS_FAILURES=3, MILDPATH_TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(client, make_staff):
    make_staff("researcher", username="dana")
    for n in range(3):
        _password(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _password(client, "dana", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Same proxy (REMOTE_ADDR), different client: not locked.
    assert _password(client, "dana", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302


@override_settings(MILDPATH_IDLE_TIMEOUT=15 * 60, MILDPATH_ABSOLUTE_TIMEOUT=12 * 3600)
def test_idle_staff_are_signed_out_after_fifteen_minutes(client, make_staff, sign_in, frozen):
    sign_in(make_staff("front_desk", username="dana"))
    frozen.shift(timedelta(minutes=10))
    assert client.get("/staff/").status_code == 200  # activity restarts the clock
    frozen.shift(timedelta(minutes=14))
    assert client.get("/staff/").status_code == 200
    frozen.shift(timedelta(minutes=16))
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/sign-in/?ended=idle"
    assert AuditEvent.objects.filter(action="staff.sign_out", detail__reason="idle").count() == 1
    page = client.get(response.headers["Location"])
    assert "You were signed out after a period without activity" in page.text


@override_settings(MILDPATH_IDLE_TIMEOUT=15 * 60, MILDPATH_ABSOLUTE_TIMEOUT=60 * 60)
def test_even_busy_staff_sign_in_again_after_the_absolute_limit(
    client, make_staff, sign_in, frozen
):
    sign_in(make_staff("front_desk"))
    for _ in range(7):
        frozen.shift(timedelta(minutes=10))
        response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/sign-in/?ended=absolute"


def test_stay_signed_in_extends_the_session(client, make_staff, sign_in, frozen):
    sign_in(make_staff("front_desk"))
    frozen.shift(timedelta(minutes=14))
    response = client.post("/staff/session/extend/")
    assert response.json() == {"signed_in": True}
    frozen.shift(timedelta(minutes=14))
    assert client.get("/staff/").status_code == 200


def test_signing_out_is_recorded(client, make_staff, sign_in, audit_log):
    user = make_staff("front_desk")
    sign_in(user)
    with audit_log.exactly_one(action="staff.sign_out", actor=user):
        response = client.post("/staff/sign-out/")
    assert response.headers["Location"] == "/staff/sign-in/?ended=signed_out"
    assert client.get("/staff/").status_code == 302


def test_the_system_admin_is_for_verified_administrators_only(client, make_staff, sign_in):
    sign_in(make_staff("manager"))
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/staff/sign-in/?next=/admin/")
    client.post("/staff/sign-out/")
    admin = make_staff("administrator", username="alex")
    sign_in(admin)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/practice/location/").status_code == 200
    # Password alone is not enough for an administrator.
    client.post("/staff/sign-out/")
    _password(client, "alex")
    response = client.get("/admin/")
    assert response.status_code == 302
