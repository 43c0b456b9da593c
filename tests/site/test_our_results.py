"""The public "our patients' results" block on the results page and the home page: fed
by the registry (through the summary the worker computes), hidden until enough
patients have reached a check-up, and then always with n and the 95% CI."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from mildpath.outcomes.models import SyntheticCohort
from mildpath.outcomes.tasks import public_summary_refresh
from tests.browser import NARROW, WIDE, assert_accessible, assert_reflows
from tests.helpers import NOW
from tests.registry_data import Build

PHONE = {"width": 390, "height": 844}


def _results(client, path: str = "site:benefits") -> str:
    return client.get(reverse(path)).content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("frozen", "demo_practice")
class TestTheBlock:
    def test_below_the_minimum_it_shows_no_numbers_and_says_why(self, client, settings):
        settings.MILDPATH_PUBLIC_RESULTS_MIN_N = 20
        Build().treated(19)
        public_summary_refresh(now=NOW)

        page = _results(client)

        assert 'data-live-results="hidden"' in page
        assert "at least 20 people" in page
        assert "confidence interval" not in page
        assert "our-results" not in _results(client, "site:home")

    def test_at_the_minimum_it_shows_each_measure_with_n_and_its_interval(self, client, settings):
        settings.MILDPATH_PUBLIC_RESULTS_MIN_N = 20
        Build().treated(20)
        public_summary_refresh(now=NOW)

        page = _results(client)

        assert 'data-live-results="shown"' in page
        assert "How far people could walk" in page
        assert "12 months after mild" in page
        intervals = re.findall(
            r"95% confidence interval ([^()]+?) to ([^()]+?)\), for (\d+) people", page
        )
        assert len(intervals) == 4
        assert {n for *_, n in intervals} == {"20"}
        assert "data-synthetic" not in page
        # The home page carries the short version, with the same numbers.
        home = _results(client, "site:home")
        assert 'data-live-results="shown"' in home
        assert "for 20 people" in home

    def test_the_minimum_is_the_practices_to_set(self, client, settings):
        settings.MILDPATH_PUBLIC_RESULTS_MIN_N = 5
        Build().treated(6)
        public_summary_refresh(now=NOW)

        assert 'data-live-results="shown"' in _results(client)

    def test_synthetic_numbers_say_so(self, client, settings):
        settings.MILDPATH_PUBLIC_RESULTS_MIN_N = 5
        patients = Build().treated(6)
        SyntheticCohort.objects.create(
            seed=1,
            patients=6,
            first_patient_id=patients[0].pk,
            last_patient_id=patients[-1].pk,
            loaded_at=NOW,
        )
        public_summary_refresh(now=NOW)

        page = _results(client)

        assert "data-synthetic" in page
        assert "made-up patients" in page

    def test_before_the_worker_has_run_the_page_still_works(self, client):
        page = _results(client)

        assert 'data-live-results="hidden"' in page

    def test_in_spanish_too(self, client, settings):
        settings.MILDPATH_PUBLIC_RESULTS_MIN_N = 5
        Build().treated(6)
        public_summary_refresh(now=NOW)

        page = client.get("/es" + reverse("site:benefits")).content.decode()

        assert 'lang="es"' in page
        assert "intervalo de confianza" in page


@pytest.mark.browser
def test_the_block_reads_well_and_passes_axe_hidden_and_shown(page, settings):
    settings.MILDPATH_PUBLIC_RESULTS_MIN_N = 20
    build = Build()
    build.treated(12)
    public_summary_refresh(now=NOW)
    page.goto(reverse("site:benefits"))
    hidden = page.locator("#our-results")
    assert hidden.get_attribute("data-live-results") == "hidden"
    assert "confidence interval" not in hidden.inner_text()
    assert_accessible(page)

    build.treated(10, seed=2)
    public_summary_refresh(now=NOW, force=True)
    for viewport in (PHONE, WIDE, NARROW):
        page.set_viewport_size(viewport)
        page.goto(reverse("site:benefits"))
        block = page.locator("#our-results")
        assert block.get_attribute("data-live-results") == "shown"
        text = block.inner_text()
        assert "for 22 people" in text
        assert "95% confidence interval" in text
        assert_accessible(page)
        assert_reflows(page)
    page.goto(reverse("site:home"))
    assert page.locator("#our-results").get_attribute("data-live-results") == "shown"
    assert_accessible(page)
