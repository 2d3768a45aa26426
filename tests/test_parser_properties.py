"""Property-based tests (hypothesis) of every parser of user input: any text is either accepted,
within the bounds the parser promises, or refused as bad input (InputError, HTTP 4xx); never
another exception, never a 500. Well-formed values are accepted as they are."""

from __future__ import annotations

import io
import math
import string
from datetime import timezone

import pytest
import shapely
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gis_service.catalog import Catalog
from gis_service.config import parse, safe_load_bounded
from gis_service.crsdomain import domain
from gis_service.errors import InputError
from gis_service.ogcapi.query import (CRS84_URI, EDGE_PIECES, EPSG_URI, MAX_LIMIT, MAX_OFFSET, SUPPORTED_CRS,
                                      bbox_in, parse_bbox, parse_crs, parse_datetime, parse_items_query)
from gis_service.plan import Plan
from gis_service.web.lookup import parse_lookup

FAST = settings(max_examples=300, deadline=None)
WEB = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
#: text a user might type or a fuzzer might send: numbers, separators, words, any character
NUMBERISH = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers().map(str),
                      st.sampled_from(["", "nan", "inf", "-inf", "1e308", "-1e309", "0x10", "1_0", " 1 ", "١٢"]))
TEXT = st.one_of(st.text(max_size=40), NUMBERISH)
CSV4 = st.lists(NUMBERISH, min_size=0, max_size=7).map(",".join)
STORAGE = EPSG_URI.format(5899)


@FAST
@given(st.dictionaries(st.sampled_from(["limit", "offset", "bbox", "bbox-crs", "crs", "datetime", "f"]),
                       st.one_of(TEXT, CSV4, st.sampled_from(SUPPORTED_CRS))))
def test_items_query_is_bounded_or_refused(args):
    try:
        query = parse_items_query(args)
    except InputError as err:
        assert err.field in ("limit", "offset", "bbox", "bbox-crs", "crs", "datetime")
        return
    assert 1 <= query.limit <= MAX_LIMIT and 0 <= query.offset <= MAX_OFFSET
    assert query.crs in SUPPORTED_CRS and query.bbox_crs in SUPPORTED_CRS
    if query.bbox:
        minx, miny, maxx, maxy = query.bbox
        assert all(map(math.isfinite, query.bbox)) and minx < maxx and miny < maxy
        area = bbox_in(query.bbox, query.bbox_crs, STORAGE)
        # bounded work whatever the box: at most EDGE_PIECES points an edge, finite numbers
        if area is not None:
            assert shapely.get_num_coordinates(area) <= 4 * EDGE_PIECES + 1
            assert all(map(math.isfinite, area.bounds))


LON, LAT = st.floats(-180, 180), st.floats(-90, 90)


@FAST
@given(LON, LAT, LON, LAT)
def test_every_lonlat_bbox_with_an_area_is_accepted_as_given(a, b, c, d):
    minx, maxx, miny, maxy = min(a, c), max(a, c), min(b, d), max(b, d)
    assume(minx < maxx and miny < maxy)
    raw = f"{minx!r},{miny!r},{maxx!r},{maxy!r}"
    assert parse_bbox(raw, CRS84_URI) == (minx, miny, maxx, maxy)
    lat_first = f"{miny!r},{minx!r},{maxy!r},{maxx!r}"
    assert parse_bbox(lat_first, EPSG_URI.format(4326)) == (miny, minx, maxy, maxx)


@FAST
@given(st.one_of(st.text(max_size=60), st.sampled_from(SUPPORTED_CRS),
                 st.integers(0, 99999).map(lambda n: f"EPSG:{n}"), st.sampled_from(["CRS84", "ogc:crs84", "[EPSG:5899]"])))
def test_crs_is_supported_or_refused(raw):
    try:
        assert parse_crs(raw, "crs") in SUPPORTED_CRS
    except InputError as err:
        assert err.field == "crs"


@FAST
@given(st.one_of(st.text(max_size=50), st.datetimes(timezones=st.just(timezone.utc)).map(
    lambda d: d.isoformat(timespec="seconds").replace("+00:00", "Z"))))
def test_datetime_is_rfc3339_or_refused(raw):
    try:
        start, end = parse_datetime(raw)
    except InputError as err:
        assert err.field == "datetime"
        return
    assert start is None or start.tzinfo is not None
    assert start is None or end is None or start <= end


@FAST
@given(st.datetimes(timezones=st.just(timezone.utc)), st.datetimes(timezones=st.just(timezone.utc)))
def test_well_formed_instants_and_intervals_are_read_back(a, b):
    a, b = sorted((a.replace(microsecond=0), b.replace(microsecond=0)))
    text = lambda d: d.isoformat().replace("+00:00", "Z")  # noqa: E731
    assert parse_datetime(text(a)) == (a, a)
    assert parse_datetime(f"{text(a)}/{text(b)}") == (a, b)
    assert parse_datetime(f"../{text(b)}") == (None, b)


@FAST
@given(st.dictionaries(st.sampled_from(["lon", "lat", "x", "y", "crs"]), st.one_of(TEXT, st.sampled_from(
    ["EPSG:5899", "epsg:9212", "EPSG:3857"]))))
def test_lookup_point_is_where_the_plan_crs_is_defined_or_refused(args):
    try:
        point = parse_lookup(args, "EPSG:5899")
    except InputError as err:
        assert err.field in ("lon", "lat", "x", "y", "crs")
        return
    box = domain("EPSG:5899").lonlat if point.crs == "EPSG:4326" else domain(point.crs).xy
    assert box[0] <= point.x <= box[2] and box[1] <= point.y <= box[3]


@FAST
@given(st.floats(105.5, 109.7), st.floats(7.6, 22.6))
def test_any_lonlat_in_the_plan_crs_area_is_accepted(lon, lat):
    point = parse_lookup({"lon": repr(lon), "lat": repr(lat)}, "EPSG:5899")
    assert (point.x, point.y) == (lon, lat)


# -- plan and catalog files ----------------------------------------------------------------------

JSONISH = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12)),
                       lambda inner: st.one_of(st.lists(inner, max_size=4),
                                               st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                       max_leaves=25)
PLAN_KEYS = ["name_vi", "name_en", "crs", "zone_kinds", "remaining", "rules"]
CATALOG_KEYS = ["layers"]


@pytest.mark.parametrize("model", [Plan, Catalog])
@FAST
@given(st.one_of(JSONISH, st.dictionaries(st.sampled_from(PLAN_KEYS + CATALOG_KEYS), JSONISH)))
def test_plan_and_catalog_data_are_models_or_refused(model, data):
    try:
        assert isinstance(parse(data, model, "f.yaml"), model)
    except InputError as err:
        assert err.file == "f.yaml"


YAML_PIECES = st.sampled_from(["a: 1", "- x", "&a [1]", "*a", "{", "}", "[", "]", ": ", "!!python/object:os.system",
                               "!!binary AAAA", "? ", "|", ">", "'", '"', "\t", "\n", "%YAML 1.1", "---", "...", "#"])


@FAST
@given(st.lists(st.one_of(YAML_PIECES, st.text(max_size=8)), max_size=20).map("".join))
def test_any_yaml_text_is_data_or_refused(text):
    try:
        safe_load_bounded(text, "f.yaml")
    except (InputError, yaml.YAMLError):
        pass


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 12), st.integers(2, 9))
def test_aliases_are_measured_not_built(depth, width):
    """A 'billion laughs' of any depth and width: refused when it expands beyond the bound,
    read when it does not, and never built to find out."""
    text = "a0: &a0 [x]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]\n" for i in range(1, depth))
    level = 2  # a0's list and its x
    expanded = 1 + depth + level  # the mapping, its keys, a0
    for _ in range(1, depth):
        level = 1 + width * level
        expanded += level
    try:
        data = safe_load_bounded(text, "f.yaml")
    except InputError as err:
        assert "YAML bomb" in err.message and expanded > 100_000
        return
    assert len(data) == depth


# -- web forms: uploads and page parameters ------------------------------------------------------

NAMES = st.one_of(st.text(max_size=30), st.sampled_from(["x.zip", "x.geojson", "x.gpkg", "x.shp", "x.csv", "",
                                                         "../../x.geojson", "x.GEOJSON", "a b.json", ".zip"]))
CONTENT = st.one_of(st.binary(max_size=300), st.sampled_from([b"PK\x03\x04", b"{}", b'{"type":"FeatureCollection"}',
                                                              b"SQLite format 3\x00"]))


@WEB
@given(filename=NAMES, content=CONTENT, name=st.one_of(st.none(), st.text(max_size=20)),
       crs=st.one_of(st.none(), st.text(max_size=15), st.sampled_from(["EPSG:9212", "EPSG:99999"])))
def test_any_upload_form_is_refused_with_a_4xx_and_stores_nothing(client, settings, filename, content, name, crs):
    import hashlib

    before = hashlib.sha256(settings.store.read_bytes()).hexdigest()
    form = {"file": (io.BytesIO(content), filename)}
    form.update({k: v for k, v in (("name", name), ("crs", crs)) if v is not None})
    response = client.post("/sharing/neighbours", headers={"Authorization": "Bearer test-token"},
                           content_type="multipart/form-data", data=form)
    assert response.status_code in (400, 413), response.get_data(as_text=True)
    assert "error" in response.get_json()
    assert hashlib.sha256(settings.store.read_bytes()).hexdigest() == before


QUERY_VALUE = st.one_of(TEXT, st.text(alphabet=string.printable, max_size=20))


@WEB
@given(path=st.sampled_from(["/display?interval=", "/display?health=", "/display?slide=", "/chia-se?tolerance=",
                             "/sharing/edgematch.json?tolerance=", "/sharing/edgematch?tolerance=",
                             "/report?period=", "/downloads/zones.gpkg?crs=", "/lookup?lon=107&lat=",
                             "/ogcapi/collections/zones/items/", "/downloads/"]), value=QUERY_VALUE)
def test_any_page_parameter_is_answered_without_a_server_error(client, path, value):
    from urllib.parse import quote

    response = client.get(path + quote(value, safe=""))
    assert response.status_code < 500, (path, value, response.get_data(as_text=True)[:200])


# -- a consultant's mapping file and an approval's date --------------------------------------------

TEMPLATE = st.lists(st.one_of(st.sampled_from(["{value}", "{kind}", "{n}", "{n:02d}", "{n:999999999}", "{value.x}",
                                               "{value[0]}", "{0}", "{}", "{n!r}", "{n:>{kind}}", "{", "}", "-"]),
                              st.text(max_size=6)), max_size=6).map("".join)


@FAST
@given(TEMPLATE)
def test_an_id_template_is_refused_or_builds_short_ids(template):
    """Anything in a mapping's id_template is refused as bad input, or formats to a short id."""
    from gis_service.importplan import check_id_template

    try:
        check_id_template(template, "m.yaml")
    except InputError as err:
        assert err.file == "m.yaml" and err.field == "id_template"
        return
    built = template.format(value="QH_SAURIENG", kind="residential", n=12345)
    assert len(built) <= len(template) + 3 * (99 + len("residential"))


@FAST
@given(st.one_of(TEXT, st.dates().map(lambda d: d.strftime("%d/%m/%Y")), st.dates().map(str)))
def test_a_decision_date_is_read_as_written_or_refused(raw):
    from datetime import date

    from gis_service.versions import parse_date

    try:
        got = parse_date(raw, "date")
    except InputError as err:
        assert err.field == "date"
        return
    text = raw.strip()
    day, month, year = text.split("/") if "/" in text else reversed(text.split("-"))
    assert got == date(int(year), int(month), int(day))
