"""The administrator's staff account pages: every change has a reason, one audit entry
and one email to the account's owner, and no administrator can set or learn a password
or keep a reset account's sessions alive (issue item 1: account takeover)."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mildpath.accounts.models import StaffProfile
from mildpath.audit.models import AuditEvent
from mildpath.practice.models import Location

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a quite different passphrase 42"
REASON = "Moved to the Pasadena office in December."


@pytest.fixture
def admin(make_staff, sign_in, client):
    user = make_staff("administrator", username="alex")
    User.objects.filter(pk=user.pk).update(email="alex@example.com")
    sign_in(user)
    return user


@pytest.fixture
def elena(make_staff):
    """A clinician at Santa Monica with an authenticator app and recovery codes."""
    user = make_staff("clinician", ("santa-monica",), username="elena")
    user.email = "elena@example.com"
    user.first_name, user.last_name = "Elena", "Marquez"
    user.save()
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="a1b2c3d4e5")
    return user


def _signed_in_elsewhere(sign_in, user) -> Client:
    """The account's owner, signed in and verified in their own browser."""
    other = sign_in(user, Client())
    assert other.get("/staff/").status_code == 200
    return other


def _link(message) -> str:
    found = re.search(r"https?://\S+/staff/set-password/\S+/\S+/", message.body)
    assert found, message.body
    return urlsplit(found.group(0)).path


def _code(user) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _signs_in(client: Client, username: str, password: str) -> str:
    """Where a password sign-in lands: the code step, home, or back at the form (failed)."""
    response = client.post("/staff/sign-in/", {"username": username, "password": password})
    return response.headers.get("Location", "failed") if response.status_code == 302 else "failed"


def test_an_administrator_creates_an_account_without_ever_knowing_its_password(
    client, admin, audit_log
):
    page = client.get("/staff/accounts/new/")
    assert page.status_code == 200 and 'type="password"' not in page.text
    with audit_log.exactly_one(action="staff.create", actor=admin, purpose=REASON) as entry:
        response = client.post(
            "/staff/accounts/new/",
            {
                "username": "dana",
                "first_name": "Dana",
                "last_name": "Reyes",
                "email": "dana@example.com",
                "role": "front_desk",
                "locations": [_location("pasadena")],
                "reason": REASON,
            },
        )
    dana = User.objects.get(username="dana")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/accounts/{dana.pk}/"
    assert not dana.has_usable_password()
    assert dana.staff_profile.role == "front_desk" and not dana.is_staff
    assert entry["event"].object_id == str(dana.pk)
    assert entry["event"].detail["role"] == "front_desk"
    # The link goes to the owner only: not into the audit trail, not onto any page.
    assert [m.to for m in mail.outbox] == [["dana@example.com"]]
    link = _link(mail.outbox[0])
    assert link.split("/")[-2] not in str(entry["event"].detail)
    assert link.split("/")[-2] not in client.get(response.headers["Location"]).text

    # The owner chooses the password, then must set up two-step sign-in.
    owner = Client()
    form = owner.get(link)
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    with audit_log.exactly_one(action="staff.password_set", actor=dana):
        done = owner.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.headers["Location"] == "/staff/sign-in/?ended=password_set"
    assert owner.get(link).status_code == 410  # the link works once
    assert _signs_in(owner, "dana", NEW_PASSWORD) == "/staff/"
    assert owner.get("/staff/patients/").headers["Location"] == "/staff/two-step/"


def test_a_password_reset_ends_the_owners_sessions_and_only_the_owner_chooses_the_next(
    client, admin, elena, sign_in, audit_log
):
    theirs = _signed_in_elsewhere(sign_in, elena)
    page = client.get(f"/staff/accounts/{elena.pk}/reset-password/")
    assert page.status_code == 200 and 'type="password"' not in page.text
    with audit_log.exactly_one(action="staff.reset_password", actor=admin, purpose=REASON):
        response = client.post(
            f"/staff/accounts/{elena.pk}/reset-password/", {"reason": REASON, "confirm": "on"}
        )
    assert response.status_code == 302
    # Her open session ends on its next request (Django's own check of the password
    # hash ends it first), and her old password is refused.
    ended = theirs.get("/staff/patients/")
    assert ended.headers["Location"].startswith("/staff/sign-in/")
    assert "_auth_user_id" not in theirs.session
    assert _signs_in(Client(), "elena", PASSWORD) == "failed"
    # The link reaches her, and only her; the new password still needs her app's code.
    assert [m.to for m in mail.outbox] == [["elena@example.com"]]
    assert "Reason given: " + REASON in mail.outbox[0].body
    owner = Client()
    owner.post(
        _link(mail.outbox[0]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert _signs_in(owner, "elena", NEW_PASSWORD) == "/staff/sign-in/code/"
    assert owner.post("/staff/sign-in/code/", {"code": _code(elena)}).status_code == 302
    assert owner.get("/staff/patients/").status_code == 200


def test_a_reset_link_stops_working_when_the_password_is_reset_again(client, admin, elena):
    for _ in range(2):
        client.post(
            f"/staff/accounts/{elena.pk}/reset-password/", {"reason": REASON, "confirm": "on"}
        )
    first, second = (_link(message) for message in mail.outbox)
    owner = Client()
    assert owner.get(first).status_code == 410
    assert owner.get(second).status_code == 200
    assert owner.get("/staff/set-password/MQ/not-a-token/").status_code == 410


def test_a_two_step_reset_ends_the_sessions_and_makes_the_owner_enrol_again(
    client, admin, elena, sign_in, audit_log
):
    theirs = _signed_in_elsewhere(sign_in, elena)
    with audit_log.exactly_one(action="staff.reset_mfa", actor=admin, purpose=REASON) as entry:
        client.post(
            f"/staff/accounts/{elena.pk}/reset-two-step/", {"reason": REASON, "confirm": "on"}
        )
    assert entry["event"].detail["devices_removed"] == 2
    assert not TOTPDevice.objects.filter(user=elena).exists()
    assert not StaticToken.objects.filter(device__user=elena).exists()
    # The password did not change, so only the session generation ends this session.
    assert theirs.get("/staff/").headers["Location"] == "/staff/sign-in/?ended=reset"
    assert AuditEvent.objects.filter(
        action="staff.sign_out", actor=elena, detail__reason="reset"
    ).exists()
    assert _signs_in(theirs, "elena", PASSWORD) == "/staff/"
    assert theirs.get("/staff/patients/").headers["Location"] == "/staff/two-step/"
    assert [m.to for m in mail.outbox] == [["elena@example.com"]]


def test_a_deactivated_account_is_signed_out_and_stays_out_until_reactivated(
    client, admin, elena, sign_in
):
    theirs = _signed_in_elsewhere(sign_in, elena)
    client.post(f"/staff/accounts/{elena.pk}/deactivate/", {"reason": REASON, "confirm": "on"})
    assert theirs.get("/staff/patients/").status_code == 302
    assert _signs_in(Client(), "elena", PASSWORD) == "failed"
    client.post(f"/staff/accounts/{elena.pk}/reactivate/", {"reason": REASON})
    # A session from before the deactivation does not come back with the account.
    again = sign_in(elena, Client())
    session = again.session
    session["mildpath_session_generation"] = 0
    session.save()
    assert again.get("/staff/").headers["Location"] == "/staff/sign-in/?ended=reset"
    assert _signs_in(Client(), "elena", PASSWORD) == "/staff/sign-in/code/"


def _location(slug: str) -> int:
    return Location.objects.get(slug=slug).pk


def _change(client, kind: str, user: User, **data: object):
    paths = {
        "role": "role/",
        "locations": "locations/",
        "deactivate": "deactivate/",
        "reactivate": "reactivate/",
        "reset_password": "reset-password/",
        "reset_mfa": "reset-two-step/",
    }
    if "locations" in data:  # by slug here, by number in the form
        data["locations"] = [_location(slug) for slug in data["locations"]]  # type: ignore[attr-defined]
    return client.post(f"/staff/accounts/{user.pk}/{paths[kind]}", {"reason": REASON, **data})


CHANGES = [
    ("role", {"role": "manager"}),
    ("locations", {"locations": ["pasadena", "long-beach"]}),
    ("deactivate", {"confirm": "on"}),
    ("reset_password", {"confirm": "on"}),
    ("reset_mfa", {"confirm": "on"}),
]


@pytest.mark.parametrize(("kind", "data"), CHANGES, ids=[kind for kind, _ in CHANGES])
def test_each_change_writes_one_audit_entry_with_the_reason_and_emails_the_owner(
    client, admin, elena, kind, data
):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = _change(client, kind, elena, **data)
    assert response.status_code == 302, response.context["form"].errors
    new = list(AuditEvent.objects.filter(id__gt=before))
    assert [(e.action, e.actor, e.purpose, e.object_id) for e in new] == [
        (f"staff.{kind}", admin, REASON, str(elena.pk))
    ]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["elena@example.com"]
    assert "alex" in mail.outbox[0].body and REASON in mail.outbox[0].body


def test_reactivating_is_recorded_and_emailed_too(client, admin, elena, audit_log):
    _change(client, "deactivate", elena, confirm="on")
    mail.outbox.clear()
    with audit_log.exactly_one(action="staff.reactivate", actor=admin, purpose=REASON):
        assert _change(client, "reactivate", elena).status_code == 302
    assert len(mail.outbox) == 1
    assert User.objects.get(pk=elena.pk).is_active


def test_a_role_change_moves_the_admin_flags_with_the_role(client, admin, elena):
    _change(client, "role", elena, role="administrator")
    elena.refresh_from_db()
    assert elena.is_staff and elena.is_superuser
    _change(client, "role", elena, role="researcher")
    elena.refresh_from_db()
    assert not elena.is_staff and not elena.is_superuser


@pytest.mark.parametrize(
    ("kind", "data", "field", "message"),
    [
        ("role", {"role": "manager", "reason": ""}, "reason", "Give the reason"),
        ("role", {"role": "manager", "reason": "because"}, "reason", "at least 10 characters"),
        ("deactivate", {}, "confirm", "Tick the box to confirm"),
        ("reset_password", {}, "confirm", "Tick the box to confirm"),
        ("locations", {"locations": []}, "locations", "Choose at least one location"),
        ("role", {"role": "clinician"}, None, "That is already their role"),
    ],
)
def test_a_change_without_its_reason_or_confirmation_changes_nothing(
    client, admin, elena, kind, data, field, message
):
    before = AuditEvent.objects.count()
    response = _change(client, kind, elena, **data)
    assert response.status_code == 200
    assert message in response.text
    if field:
        assert f'id="id_{field}_error"' in response.text  # the error names its field
    assert AuditEvent.objects.count() == before and mail.outbox == []
    elena.refresh_from_db()
    assert elena.is_active and elena.has_usable_password()
    assert elena.staff_profile.role == "clinician"


def test_an_administrator_may_not_change_their_own_role_or_deactivate_themselves(client, admin):
    for kind, data in [("role", {"role": "researcher"}), ("deactivate", {"confirm": "on"})]:
        page = client.get(f"/staff/accounts/{admin.pk}/{kind}/")
        assert (
            "ask another administrator" in page.text.lower()
            and '<form method="post" action="/staff/accounts' not in page.text
        )
        response = _change(client, kind, admin, **data)
        assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active and admin.staff_profile.role == "administrator"
    assert not AuditEvent.objects.filter(action__in=["staff.role", "staff.deactivate"]).exists()


def test_an_account_without_an_email_cannot_have_its_password_reset(client, admin, make_staff):
    old = make_staff("front_desk", ("pasadena",), username="olddesk")
    response = _change(client, "reset_password", old, confirm="on")
    assert "has no email address" in response.text
    old.refresh_from_db()
    assert old.has_usable_password()


def test_a_mail_server_that_refuses_rolls_the_change_back(client, admin, elena, settings):
    settings.EMAIL_BACKEND = "tests.accounts.test_staff_accounts.RefusingBackend"
    response = _change(client, "deactivate", elena, confirm="on")
    assert (
        response.status_code == 200 and "could not be sent, so nothing was changed" in response.text
    )
    elena.refresh_from_db()
    assert elena.is_active
    assert not AuditEvent.objects.filter(action="staff.deactivate").exists()


class RefusingBackend:
    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionRefusedError("mail server down")


def test_the_list_shows_every_account_in_a_fixed_number_of_queries(
    client, admin, elena, make_staff
):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/staff/accounts/")
        assert page.status_code == 200 and 'type="password"' not in page.text
        return len(captured)

    few = queries()
    for number in range(8):
        make_staff("front_desk", ("pasadena", "long-beach"), username=f"desk{number}")
    assert queries() == few <= 12
    assert "desk7" in client.get("/staff/accounts/").text


def test_the_pages_name_the_consequences_and_never_show_a_secret(client, admin, elena):
    key = TOTPDevice.objects.get(user=elena).key
    for path in ["", "role/", "locations/", "deactivate/", "reset-password/", "reset-two-step/"]:
        page = client.get(f"/staff/accounts/{elena.pk}/{path}")
        assert page.status_code == 200, path
        assert key not in page.text and "a1b2c3d4e5" not in page.text
        assert 'type="password"' not in page.text


@pytest.mark.parametrize("role", ["front_desk", "clinician", "manager", "researcher"])
def test_other_roles_cannot_open_the_account_pages(client, make_staff, sign_in, elena, role):
    sign_in(make_staff(role, ("santa-monica",)))
    for path in ["/staff/accounts/", "/staff/accounts/new/", f"/staff/accounts/{elena.pk}/"]:
        assert client.get(path).status_code == 403
    assert _change(client, "reset_password", elena, confirm="on").status_code == 403
    assert mail.outbox == []


def test_an_inactive_or_roleless_account_has_no_set_password_page(client, admin, elena):
    _change(client, "reset_password", elena, confirm="on")
    link = _link(mail.outbox[0])
    StaffProfile.objects.filter(user=elena).delete()
    assert Client().get(link).status_code == 410


def test_a_link_expires(client, admin, elena, frozen, settings):
    _change(client, "reset_password", elena, confirm="on")
    frozen.shift(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
    assert Client().get(_link(mail.outbox[0])).status_code == 410


def test_the_first_administrator_comes_from_the_command_line_without_a_password(audit_log):
    from django.core.management import call_command

    with audit_log.exactly_one(action="staff.create", actor=None):
        call_command(
            "create_administrator", "alex", "alex@example.com",
            "--first-name", "Alex", "--last-name", "Kim", stdout=StringIO(),
        )  # fmt: skip
    alex = User.objects.get(username="alex")
    assert alex.staff_profile.role == "administrator" and alex.is_staff
    assert not alex.has_usable_password()
    assert Client().get(_link(mail.outbox[0])).status_code == 200


def test_a_clinicians_account_is_linked_to_their_doctor(client, admin, audit_log):
    from mildpath.practice.models import Practitioner

    marquez = Practitioner.objects.get(slug="elena-marquez")
    body = {
        "username": "elena.m",
        "first_name": "Elena",
        "last_name": "Marquez",
        "email": "elena.m@example.com",
        "role": "clinician",
        "locations": [_location("pasadena")],
        "reason": REASON,
    }
    refused = client.post("/staff/accounts/new/", {**body, "practitioner": "999999"})
    assert "Choose one of the doctors listed." in refused.text
    assert not User.objects.filter(username="elena.m").exists()
    with audit_log.exactly_one(action="staff.create") as entry:
        client.post("/staff/accounts/new/", {**body, "practitioner": str(marquez.pk)})
    assert entry["event"].detail["practitioner"] == "elena-marquez"
    assert User.objects.get(username="elena.m").staff_profile.practitioner == marquez
    # One account per doctor: a second is not offered her.
    offered = client.get("/staff/accounts/new/").context["form"].fields["practitioner"]
    assert marquez not in offered.queryset and offered.queryset.exists()
