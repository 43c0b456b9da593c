from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mildpath.practice.geo import ZipError, clean_zip, distance_miles, locate_zip

# A pure module's tests: the SQLite pass runs them; with no database, the PostgreSQL
# pass would only repeat them.
pytestmark = pytest.mark.pure


def test_it_accepts_five_digits_and_zip_plus_four():
    assert clean_zip(" 90404 ") == "90404"
    assert clean_zip("90404-1234") == "90404"


@pytest.mark.parametrize("raw", ["", "9040", "904041", "abcde", "90 404", "90404-12"])
def test_it_calls_anything_else_malformed(raw):
    with pytest.raises(ZipError) as error:
        clean_zip(raw)
    assert error.value.code == "malformed"


def test_it_finds_a_real_zip_offline():
    point = locate_zip("91105")
    assert point.city == "Pasadena"
    assert point.state == "CA"
    assert 34.0 < point.latitude < 34.3
    assert -118.3 < point.longitude < -118.0


def test_it_calls_a_well_formed_but_unused_zip_unknown():
    with pytest.raises(ZipError) as error:
        locate_zip("99999")
    assert error.value.code == "unknown"


def test_distance_matches_a_known_pair():
    # Downtown Los Angeles (90012) to Pasadena (91101) is about 9-10 miles as the crow flies.
    la, pasadena = locate_zip("90012"), locate_zip("91101")
    miles = distance_miles(la.latitude, la.longitude, pasadena.latitude, pasadena.longitude)
    assert 8 < miles < 11


coordinates = st.tuples(
    st.floats(min_value=-89.9, max_value=89.9), st.floats(min_value=-180, max_value=180)
)


@given(coordinates, coordinates)
def test_distance_is_symmetric_and_never_negative(a, b):
    there = distance_miles(*a, *b)
    back = distance_miles(*b, *a)
    assert there >= 0
    assert there == pytest.approx(back, abs=1e-6)
    assert there <= 12_500  # half the Earth's circumference, in miles


@given(coordinates)
def test_a_point_is_zero_miles_from_itself(a):
    assert distance_miles(*a, *a) == pytest.approx(0, abs=1e-6)
