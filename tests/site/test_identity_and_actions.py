"""The public site looks like one practice and offers one way to a consultation:
"Book online" first, "Ask us to call you" second, on every page that invites a visit."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from mildpath.practice.forms import PractitionerAdminForm
from mildpath.practice.models import Location, Practitioner
from mildpath.site import selfcheck
from mildpath.site.templatetags.site_tags import study_measures

pytestmark = pytest.mark.django_db

BOOK = reverse("booking:start")
CALL_ME = reverse("site:consultation_request")

PAGES_WITH_ACTIONS = [
    "/",
    "/lumbar-spinal-stenosis/",
    "/mild-procedure/",
    "/results/",
    "/risks/",
    "/questions/",
]


def _main(html: str) -> str:
    return html.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _buttons(html: str) -> list[tuple[str, str, str]]:
    """(class, href, text) of each link styled as a button inside <main>, in order."""
    return [
        (cls, href, re.sub(r"<[^>]+>", "", text).strip())
        for cls, href, text in re.findall(
            r'<a class="(button[^"]*)" href="([^"]+)"[^>]*>(.*?)</a>', _main(html), re.S
        )
    ]


@pytest.mark.parametrize("path", PAGES_WITH_ACTIONS)
def test_book_online_is_the_first_and_only_primary_action(client, demo_practice, path):
    buttons = _buttons(client.get(path).text)
    assert buttons, f"{path} invites no consultation"
    cls, href, text = buttons[0]
    assert (cls, href, text) == ("button", BOOK, "Book online")
    cls, href, text = buttons[1]
    assert (cls, href, text) == ("button button--secondary", CALL_ME, "Ask us to call you")
    primaries = [b for b in buttons if b[0] == "button"]
    assert {href for _, href, _ in primaries} == {BOOK}


def _PATTERN(answer: str) -> dict[str, str]:  # noqa: N802 - reads as a constant
    return {"worse_standing_walking": answer, "relief_sitting_bending": answer}


@pytest.mark.parametrize("outcome_answers", ["strong", "partial", "weak"])
def test_the_self_check_result_offers_booking_first(client, demo_practice, outcome_answers):
    answers = {
        "strong": {"leg_symptoms": "yes", **_PATTERN("yes")},
        "partial": {"leg_symptoms": "yes", **_PATTERN("no")},
        "weak": {"leg_symptoms": "no", **_PATTERN("no")},
    }[outcome_answers]
    data = {
        **answers,
        "duration": "over_a_year",
        "tried": ["physical_therapy"],
        "warning_signs": "no",
    }
    response = client.post(reverse("site:self_check"), data)
    assert response.status_code == 200, response.context["form"].errors
    assert "result" in response.context, response.context["form"].errors
    buttons = _buttons(response.text)
    assert buttons[0] == ("button", BOOK, "Book online")
    assert buttons[1] == ("button button--secondary", CALL_ME, "Ask us to call you")


def test_an_urgent_self_check_result_sends_to_911_not_to_booking(client, demo_practice):
    data = {
        "leg_symptoms": "yes",
        **_PATTERN("yes"),
        "duration": "over_a_year",
        "tried": ["physical_therapy"],
        "warning_signs": "yes",
    }
    response = client.post(reverse("site:self_check"), data)
    assert response.context["result"].outcome == selfcheck.Outcome.URGENT
    assert [href for _, href, _ in _buttons(response.text)] == ["tel:911"]  # nothing to book


def test_a_location_page_books_at_that_location(client, demo_practice):
    response = client.get(reverse("site:location_detail", args=["pasadena"]))
    buttons = _buttons(response.text)
    assert buttons[0][0] == "button"
    assert buttons[0][1] == reverse("booking:slots", args=["pasadena"])
    assert buttons[0][2].startswith("Book online")
    assert buttons[1][0] == "button button--secondary"
    assert buttons[1][1] == f"{CALL_ME}?location=pasadena"


def test_every_location_card_can_be_booked_and_found_on_a_map(client, demo_practice):
    response = client.get(reverse("site:location_list"))
    for location in Location.objects.filter(is_active=True):
        assert reverse("booking:slots", args=[location.slug]) in response.text
        assert location.map_url in response.text.replace("&amp;", "&")
    assert "Map and directions" in response.text
    assert 'target="_blank"' not in response.text  # the map opens in the same tab


def test_the_map_link_searches_for_the_street_address(demo_practice):
    location = Location.objects.get(slug="long-beach")
    assert location.map_url.startswith("https://www.google.com/maps/search/?api=1&query=")
    assert "3100+Pelican+Way%2C+Long+Beach%2C+CA+90806" in location.map_url


def test_the_header_shows_the_practice_name_logo_phone_and_book_online(client, demo_practice):
    html = client.get("/").text
    header = html.split("<header", 1)[1].split("</header>", 1)[0]
    assert "Sunset Ridge Spine &amp; Pain (demo)" in header
    assert 'src="/static/img/logo-demo.svg"' in header
    assert 'href="tel:+13105550100"' in header
    assert f'href="{BOOK}">Book online</a>' in header
    assert (
        "<title>Help for spinal stenosis pain · Sunset Ridge Spine &amp; Pain (demo)</title>"
        in html
    )


def test_the_name_and_logo_come_from_settings(client, demo_practice, settings):
    settings.MILDPATH_PRACTICE_NAME = "Harbor Spine Center"
    settings.MILDPATH_PRACTICE_LOGO = "img/favicon.svg"
    html = client.get("/").text
    assert "Harbor Spine Center" in html
    assert "Sunset Ridge" not in html.split("<main", 1)[0]
    assert 'class="brand-logo" src="/static/img/favicon.svg"' in html
    settings.MILDPATH_PRACTICE_LOGO = ""
    assert "brand-logo" not in client.get("/").text


def test_the_demo_logo_says_it_is_a_demo():
    path = finders.find("img/logo-demo.svg")
    assert isinstance(path, str)
    svg = open(path).read()
    assert "<title>Demo logo</title>" in svg
    assert "DEMO LOGO" in svg


def test_the_favicon_comes_in_svg_with_fallbacks(client, demo_practice):
    html = client.get("/").text
    for name, kind in [
        ("favicon.svg", "image/svg+xml"),
        ("favicon.ico", "image/"),
        ("apple-touch-icon.png", "image/png"),
    ]:
        assert f"/static/img/{name}" in html
        response = client.get(f"/static/img/{name}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith(kind)
    ico = b"".join(client.get("/static/img/favicon.ico").streaming_content)
    assert ico[:4] == b"\x00\x00\x01\x00"  # an icon directory


def test_doctor_cards_show_photo_biography_and_the_placeholder_mark(client, demo_practice):
    response = client.get("/")
    assert "Your doctors" in response.text
    for doctor in Practitioner.objects.filter(is_active=True):
        assert doctor.display_name in response.text
        assert doctor.biography in response.text
    assert response.text.count('src="/static/img/doctor-placeholder.svg"') == 3
    assert response.text.count("Demo placeholder") == 3
    spanish = client.get("/es/locations/long-beach/").text
    okafor = Practitioner.objects.get(slug="samuel-okafor")
    assert okafor.biography_es in spanish
    assert okafor.biography not in spanish


def test_a_doctor_without_a_photo_shows_initials_and_real_content_drops_the_mark(
    client, demo_practice
):
    Practitioner.objects.filter(slug="priya-raman").update(
        photo="", is_placeholder=False, biography="Dr. Raman trained at UCLA."
    )
    html = client.get(reverse("site:location_detail", args=["long-beach"])).text
    card = html.split('id="doctor-priya-raman"')[0].rsplit("<article", 1)[1]
    assert 'doctor-initials" aria-hidden="true">PR<' in card
    after = html.split('id="doctor-priya-raman"', 1)[1].split("</article>", 1)[0]
    assert "Dr. Raman trained at UCLA." in after
    assert "Demo placeholder" not in after


@pytest.mark.parametrize(
    ("photo", "ok"),
    [
        ("img/doctor-placeholder.svg", True),
        ("/static/img/doctor-placeholder.svg", True),
        ("", True),
        ("img/nobody.jpg", False),
        ("../settings.py", False),
        ("img/../../settings.py", False),
    ],
)
def test_the_admin_refuses_a_photo_that_is_not_a_static_file(demo_practice, photo, ok):
    doctor = Practitioner.objects.get(slug="elena-marquez")
    data = {
        "given_name": doctor.given_name,
        "family_name": doctor.family_name,
        "credentials": doctor.credentials,
        "board_certification": doctor.board_certification,
        "slug": doctor.slug,
        "photo": photo,
        "locations": [loc.pk for loc in doctor.locations.all()],
        "is_active": "on",
    }
    form = PractitionerAdminForm(data=data, instance=doctor)
    assert form.is_valid() is ok, form.errors
    if not ok:
        assert "static folder" in " ".join(str(error) for error in form.errors["photo"])
    else:
        assert not form.cleaned_data["photo"].startswith("/")


def test_a_missing_photo_file_never_breaks_a_page(client, demo_practice, monkeypatch):
    from mildpath.site.templatetags import site_tags

    real_static = site_tags.static

    def manifest_static(path: str) -> str:
        # What ManifestStaticFilesStorage (production) does for a file it never collected.
        if path == "img/gone.jpg":
            raise ValueError(f"Missing staticfiles manifest entry for '{path}'")
        return real_static(path)

    monkeypatch.setattr(site_tags, "static", manifest_static)
    Practitioner.objects.filter(slug="elena-marquez").update(photo="img/gone.jpg")
    response = client.get(reverse("site:location_detail", args=["santa-monica"]))
    assert response.status_code == 200
    assert 'aria-hidden="true">EM<' in response.text


def test_the_study_chart_draws_the_table_and_keeps_it_as_text(client, demo_practice):
    html = client.get(reverse("site:benefits")).text
    chart = html.split('<figure class="chart"', 1)[1].split("</figure>", 1)[0]
    # Every number the bars show is written out, and the table follows as the alternative.
    for text in ("8 minutes", "56 minutes", "about 250 feet", "about 4,000 feet"):
        assert text in chart
    assert chart.count('aria-hidden="true"') == 4  # the bars themselves are decoration
    assert "<table>" in html.split("</figure>", 1)[1]
    # Drawn on the server, in proportion, with no script and no inline style (CSP).
    widths = [float(w) for w in re.findall(r'<rect x="0" y="0" width="([0-9.]+)"', chart)]
    assert widths == [14.3, 100.0, 6.2, 100.0]
    assert "<script" not in html and "style=" not in html


def test_the_chart_numbers_follow_the_language(client, demo_practice):
    html = client.get("/es/results/").text
    chart = html.split('<figure class="chart"', 1)[1].split("</figure>", 1)[0]
    assert 'width="14.3"' in chart  # SVG numbers stay machine-readable
    assert "4,000" not in chart  # the reader's number is written the Spanish way
    # and the same way in the table and the text around the chart.
    assert "4,000" not in html and "unos 4\N{NO-BREAK SPACE}000 pies" in html


def test_the_chart_scales_each_measure_to_its_own_longest_bar():
    measures = study_measures()
    assert [len(m.bars) for m in measures] == [2, 2]
    assert all(max(bar.percent for bar in m.bars) == 100 for m in measures)
