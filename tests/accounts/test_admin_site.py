"""The system settings (Django's admin) after issue item 1: no second-factor secret, no
password and no account is reachable there, and every change made there is in the audit
trail with the administrator as its actor."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from mildpath.accounts.admin_site import KEPT_OUT, AuditedModelAdmin
from mildpath.audit.models import AuditEvent
from mildpath.practice.models import Location, Practitioner
from tests.helpers import admin_urls

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "demo_practice")]


@pytest.fixture
def alex(make_staff, sign_in):
    user = make_staff("administrator", username="alex")
    sign_in(user)
    return user


@pytest.fixture
def elena(make_staff):
    user = make_staff("clinician", ("santa-monica",), username="elena")
    static = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    StaticToken.objects.create(device=static, token="a1b2c3d4e5")
    return user


def test_an_administrator_can_no_longer_read_anyones_authenticator_key_or_recovery_codes(
    client, alex, elena
):
    totp = TOTPDevice.objects.get(user=elena)
    static = StaticDevice.objects.get(user=elena)
    for path in [
        f"/admin/otp_totp/totpdevice/{totp.pk}/change/",
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_static/staticdevice/{static.pk}/change/",
        "/admin/otp_static/staticdevice/",
        "/admin/otp_totp/totpdevice/add/",
    ]:
        assert client.get(path).status_code == 404, path
    for path in admin_urls():
        page = client.get(path)
        assert page.status_code == 200, path
        assert totp.key not in page.text and "a1b2c3d4e5" not in page.text


def test_an_administrator_can_no_longer_set_a_password_or_edit_an_account_in_the_admin(
    client, alex, elena
):
    for path in [
        "/admin/auth/user/",
        f"/admin/auth/user/{elena.pk}/change/",
        f"/admin/auth/user/{elena.pk}/password/",
        "/admin/auth/user/add/",
        "/admin/auth/group/",
        "/admin/accounts/staffprofile/",
    ]:
        assert client.get(path).status_code == 404, path
    response = client.post(
        f"/admin/auth/user/{elena.pk}/password/",
        {"password1": "taken over 12345", "password2": "taken over 12345"},
    )
    assert response.status_code == 404
    elena.refresh_from_db()
    assert elena.check_password("correct horse battery staple")


def test_none_of_the_kept_out_models_is_registered_and_every_admin_left_is_audited():
    registered = {model._meta.label for model in admin.site._registry}
    assert registered.isdisjoint(KEPT_OUT)
    assert {"practice.Location", "scheduling.WorkingHours"} <= registered
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedModelAdmin)
    ]
    assert unaudited == []


def _form_data(response) -> dict[str, object]:
    """What the admin's change page would send back unchanged: its form and inlines."""
    data: dict[str, object] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = [str(v) for v in value] if isinstance(value, list) else value
    return data


def test_a_location_changed_in_the_admin_is_in_the_audit_trail(client, alex, audit_log):
    location = Location.objects.get(slug="pasadena")
    path = f"/admin/practice/location/{location.pk}/change/"
    data = _form_data(client.get(path))
    data["phone"] = "(626) 555-0199"
    with audit_log.exactly_one(action="admin.change", actor=alex, role="administrator") as entry:
        response = client.post(path, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = entry["event"]
    assert (event.object_type, event.object_id) == ("practice.Location", str(location.pk))
    assert event.detail["change"] == [{"changed": {"fields": ["phone"]}}]
    assert event.client_ip == "127.0.0.1"


def test_adding_and_deleting_in_the_admin_are_in_the_audit_trail(client, alex, audit_log):
    with audit_log.exactly_one(action="admin.add", actor=alex):
        response = client.post(
            "/admin/practice/practitioner/add/",
            {
                "given_name": "Pat",
                "family_name": "Example",
                "slug": "pat-example",
                "credentials": "MD",
                "board_certification": "Anesthesiology",
                "is_active": "on",
                "locations": [Location.objects.get(slug="pasadena").pk],
            },
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    pat = Practitioner.objects.get(slug="pat-example")
    with audit_log.exactly_one(action="admin.delete", actor=alex, object_id=str(pat.pk)):
        client.post(f"/admin/practice/practitioner/{pat.pk}/delete/", {"post": "yes"})
    assert not Practitioner.objects.filter(pk=pat.pk).exists()
    # "Delete selected" on the list writes one entry per object.
    doomed = [
        Practitioner.objects.create(given_name="A", family_name=name, slug=name, credentials="")
        for name in ("one", "two")
    ]
    before = AuditEvent.objects.count()
    client.post(
        "/admin/practice/practitioner/",
        {"action": "delete_selected", "_selected_action": [p.pk for p in doomed], "post": "yes"},
    )
    assert AuditEvent.objects.filter(action="admin.delete").count() == 3
    assert AuditEvent.objects.count() == before + 2


def test_an_administrator_changing_their_own_password_in_the_admin_is_recorded(
    client, alex, audit_log
):
    with audit_log.exactly_one(action="staff.password_set", actor=alex):
        response = client.post(
            "/admin/password_change/",
            {
                "old_password": "correct horse battery staple",
                "new_password1": "a quite different passphrase 42",
                "new_password2": "a quite different passphrase 42",
            },
        )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/admin/", "javascript:alert(1)"]
)
def test_the_admin_sign_in_never_sends_anyone_to_another_site(client, alex, target):
    response = client.get("/admin/login/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/login/", {"next": "/admin/practice/"})["Location"] == (
        "/admin/practice/"
    )
