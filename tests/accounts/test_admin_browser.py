"""The system settings pages an administrator uses pass axe-core too."""

from __future__ import annotations

import pytest
from django.test import Client

from mildpath.practice.models import Location
from tests.browser import assert_accessible
from tests.helpers import admin_urls

pytestmark = pytest.mark.browser


def test_the_admin_pages_an_administrator_uses_are_accessible(page, make_staff, sign_in):
    client = sign_in(make_staff("administrator", username="alex"), Client())
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value,
          "domain": "localhost", "path": "/"}]
    )  # fmt: skip
    location = Location.objects.get(slug="santa-monica")
    for path in [*admin_urls(), f"/admin/practice/location/{location.pk}/change/"]:
        response = page.goto(path)
        assert response.status == 200 and page.url.endswith(path), page.url
        assert_accessible(page)
