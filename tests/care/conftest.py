"""Fixtures every chart test shares."""

from __future__ import annotations

import pytest


@pytest.fixture
def clinician(client, make_staff, sign_in):
    """A clinician at Santa Monica, signed in on the test client."""
    user = make_staff("clinician", ("santa-monica",))
    sign_in(user)
    return user
