"""The locale layer: Vietnamese numbers and dates with local time, English ones beside them;
expected strings written out by hand."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from gis_service.l10n import (LayerTitles, bound, day, hectares, long_day_vi, moment, number,
                              plain_decimal, range_text, status_name, zone_hectares)


def test_hectares_vietnamese_and_english():
    assert hectares(1541.4, 1, "vi") == "1.541,4 ha"
    assert hectares(1541.4, 1, "en") == "1,541.4 ha"
    assert hectares(1541.44, 2) == "1.541,44 ha"
    assert number(12345678.5, 2, "vi") == "12.345.678,50"
    assert number(0.4, 0) == "0" and number(-0.04, 1) == "0,0"  # never "-0,0"
    assert number(None) == "—" and number(float("nan")) == "—"


def test_a_zone_under_a_hectare_is_written_to_the_square_metre():
    assert zone_hectares(0.02224) == "0,0222 ha" and zone_hectares(0.02224, "en") == "0.0222 ha"
    assert zone_hectares(0.99996) == "1,0000 ha"  # under a hectare as measured
    assert zone_hectares(1541.444) == "1.541,44 ha" and zone_hectares(None) == "—"


def test_bounds_and_ranges_as_the_plan_writes_them():
    assert bound(1000, "vi") == "1.000" and bound(1000, "en") == "1,000"
    assert bound(0.5, "vi") == "0,5" and bound(2000.0, "en") == "2,000"
    assert range_text(400, 500, "ha") == "400–500 ha"
    assert range_text(1000, None, "ha", "vi") == "≥ 1.000 ha"
    assert range_text(None, 3000, "m", "en") == "≤ 3,000 m"


def test_dates_and_times_in_local_time():
    # 12:05 UTC is 19:05 in Hồ Chí Minh City (UTC+7, no daylight saving)
    when = datetime(2026, 11, 23, 12, 5, tzinfo=timezone.utc)
    assert moment(when, "vi") == "19:05 23/11/2026"
    assert moment(when, "en") == "23 Nov 2026 19:05"
    assert moment("2026-11-23T12:05:00+00:00") == "19:05 23/11/2026"
    assert moment("2026-11-23T12:05:00") == "19:05 23/11/2026"  # naive: UTC, as the store writes
    assert day(date(2026, 11, 23), "vi") == "23/11/2026"
    assert day(date(2026, 11, 23), "en") == "23 Nov 2026"
    # 18:00 UTC on the 23rd is already the 24th in Vietnam
    assert day("2026-11-23T18:00:00+00:00") == "24/11/2026"
    assert long_day_vi(date(2026, 3, 5)) == "ngày 05 tháng 03 năm 2026"


@pytest.mark.parametrize("typed, read", [
    ("1.294.868,52", "1294868.52"), ("1 294 868,52", "1294868.52"), ("1,294,868.52", "1294868.52"),
    ("11,85", "11.85"), ("431104.79", "431104.79"), ("-3", "-3")])
def test_numbers_as_people_type_them(typed, read):
    assert plain_decimal(typed) == read


def test_status_and_layer_titles_never_internal_names():
    assert status_name("draft") == "Bản nháp" and status_name("draft", "en") == "Draft"
    assert status_name("approved") == "Đã phê duyệt"
    titles = LayerTitles.from_catalog([{"name": "residential", "title_vi": "Khu dân cư (minh họa)",
                                        "title_en": "Residential areas (illustrative)"}])
    assert titles.title("residential") == "Khu dân cư (minh họa)"
    assert titles.title("residential", "en") == "Residential areas (illustrative)"
    assert "thac_mo_lake" not in titles.title("thac_mo_lake")  # unknown: named generically
