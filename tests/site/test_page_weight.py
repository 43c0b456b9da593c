"""Each public page transfers at most 60 KB (HTML + CSS + JS, compressed)."""

from __future__ import annotations

import pytest

from bench.page_weight import BUDGET_BYTES, PUBLIC_PATHS, measure
from mildpath.demo.loader import demo_schedule_load


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/es"])
@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_the_page_fits_the_transfer_budget(client, demo_practice, prefix, path):
    demo_schedule_load()
    weight = measure(client, prefix + path)
    assert weight.asset_bytes > 0, "the stylesheet was not found, so nothing was measured"
    assert weight.compressed_bytes <= BUDGET_BYTES, weight
