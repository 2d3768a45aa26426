"""The store keeps history: every write a version, untouched layers carried over and shared,
diff and restore, approval. The store-level tests run on both back ends (``any_settings``:
GeoPackage and PostGIS). Crash safety under SIGKILL is tests/test_crash_safety.py."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from gis_service.build import build_store, load_sources
from gis_service.cli import main
from gis_service.diff import diff_versions
from gis_service.drafts import accept, stage_draft
from gis_service.edgematch import IMPORTED_LAYER, import_neighbour
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import GeoPackageStore, WriteInfo, open_store
from gis_service.validate import plan_source_of
from gis_service.versions import approve, published_version, status_of

SOURCE_ZONES = PROJECT_ROOT / "layers" / "illustrative" / "draft_zones.geojson"
COMMUNES = PROJECT_ROOT / "layers" / "basemap" / "communes_2025.geojson"


def _draft(store, settings, zones, name="draft.geojson", user="test") -> int:
    _, plan, source = load_sources(settings)
    return accept(store, stage_draft(store, zones, plan, source, WriteInfo("import-plan", user, name, "ab" * 32)))


def _grown(zones: gpd.GeoDataFrame, zone_id: str) -> gpd.GeoDataFrame:
    """``zone_id`` grown by a 100 m × 50 m rectangle just west of it (disjoint: +0.5 ha exactly)."""
    out = zones.copy()
    i = out.index[out["id"] == zone_id][0]
    minx, miny, _, maxy = out.geometry[i].bounds
    y = (miny + maxy) / 2
    out.loc[i, "geometry"] = out.geometry[i].union(shapely.box(minx - 100, y, minx, y + 50))
    return out


def _bu_dang_file(tmp_path):
    communes = gpd.read_file(COMMUNES)
    path = tmp_path / "bu_dang.gpkg"
    communes[communes["name"] == "Bù Đăng"][["name", "geometry"]].to_crs(9212).to_file(path)
    return path


def test_a_build_keeps_a_neighbours_upload_in_a_new_version(any_settings, tmp_path):
    settings = any_settings
    store = open_store(settings)
    import_neighbour(store, _bu_dang_file(tmp_path), "EPSG:5899", user="bom-bo")
    assert store.version() == 2
    build_store(settings, store, user="planner")
    assert store.version() == 3
    kept = store.read_layer(IMPORTED_LAYER)
    assert list(kept["name"]) == ["Bù Đăng"]
    log = {v.number: v for v in store.versions()}
    assert (log[2].action, log[2].user, log[2].source_file) == ("import-neighbour", "bom-bo", "bu_dang.gpkg")
    assert log[2].source_sha256 == __import__("hashlib").sha256((tmp_path / "bu_dang.gpkg").read_bytes()).hexdigest()
    assert (log[3].action, log[3].user) == ("build", "planner")
    # the upload's table is the same in both versions: carried over, not copied
    assert store._tables(2)[IMPORTED_LAYER] == store._tables(3)[IMPORTED_LAYER]


def test_diff_of_a_zone_grown_by_a_known_rectangle_and_restore(any_settings):
    settings = any_settings
    store = open_store(settings)
    source = gpd.read_file(SOURCE_ZONES)
    first = _draft(store, settings, source)
    second = _draft(store, settings, _grown(source, "SR-01"))
    d = diff_versions(store, first, second)
    by_id = {z.id: z for z in d.zones}
    assert by_id["SR-01"].added_ha == pytest.approx(100 * 50 / 10_000, abs=1e-6)  # 0.50 ha
    assert by_id["SR-01"].removed_ha == pytest.approx(0, abs=1e-6)
    assert by_id["SR-01"].net_ha == pytest.approx(0.5, abs=1e-6)
    assert by_id["SR-01"].change == "changed"
    for zid, z in by_id.items():
        if zid != "SR-01":
            assert (z.added_ha, z.removed_ha, z.net_ha, z.change) == (0, 0, 0, "unchanged"), zid
    added = d.pieces[d.pieces["change"] == "added"]
    assert list(added["zone_id"]) == ["SR-01"] and added.area.sum() == pytest.approx(5_000, abs=1e-3)

    restored = store.restore(first, WriteInfo("restore", "test"))
    assert restored == second + 1
    again, original = store.read_layer("zones", restored), store.read_layer("zones", first)
    assert list(again["id"]) == list(source["id"])
    assert all(shapely.equals_exact(a, b, 0) for a, b in zip(again.geometry, original.geometry))
    assert all(a.equals(b) for a, b in zip(again.geometry.normalize(), source.geometry.normalize()))
    assert store._tables(restored) == store._tables(first)  # every layer shared, nothing copied
    assert [v.action for v in store.versions()][-1] == "restore"  # history kept, not rewritten
    assert len(store.versions()) == restored


def test_diff_names_added_removed_and_changed_zones_and_rule_changes(any_settings):
    settings = any_settings
    store = open_store(settings)
    source = gpd.read_file(SOURCE_ZONES)
    first = _draft(store, settings, source)
    changed = source[source["id"] != "SR-03"].copy()  # SR-03 fails R11 in the shipped draft
    changed.loc[changed["id"] == "SR-01", "name_en"] = "Southern durian area (renamed)"
    second = _draft(store, settings, changed.reset_index(drop=True))
    d = diff_versions(store, first, second)
    by_id = {z.id: z for z in d.zones}
    assert by_id["SR-03"].change == "removed"
    assert by_id["SR-03"].removed_ha == pytest.approx(source[source["id"] == "SR-03"].area.iloc[0] / 1e4, abs=1e-4)
    assert by_id["SR-01"].attributes == {"name_en": ("Southern durian area", "Southern durian area (renamed)")} \
        or set(by_id["SR-01"].attributes) == {"name_en"}
    r11 = next(r for r in d.rules if r.rule_id == "R11")
    assert (r11.before, r11.after) == (False, True)


def test_approval_makes_a_version_public_and_a_later_one_supersedes_it(any_settings):
    settings = any_settings
    store = open_store(settings)
    source = gpd.read_file(SOURCE_ZONES)
    v2 = _draft(store, settings, source)
    v3 = _draft(store, settings, _grown(source, "SR-01"))
    assert published_version(store) == v3  # nothing approved: the newest
    approve(store, v2, "15/QĐ-UBND", "23/11/2026", "UBND tỉnh Đồng Nai", "planner")
    assert published_version(store) == v2 and status_of(store, v2)[0] == "approved"
    assert status_of(store, v3)[0] == "draft"
    approve(store, v3, "16/QĐ-UBND", "2026-12-01", "UBND tỉnh Đồng Nai", "planner")
    assert status_of(store, v2)[0] == "superseded" and published_version(store) == v3
    assert store.approvals()[-1].decision_date == "2026-12-01"
    assert store.version() == v3  # an approval is not a data write


def test_versions_share_unchanged_layers(any_settings):
    """20 versions of the shipped draft: one zones table, not twenty copies."""
    settings = any_settings
    store = open_store(settings)
    source = gpd.read_file(SOURCE_ZONES)
    size_one = _stored_bytes(store)
    for n in range(20):
        _draft(store, settings, source, name=f"draft_{n}.geojson")
    assert store.version() == 21
    zones_tables = {store._tables(v.number)["zones"] for v in store.versions()}
    assert len(zones_tables) == 1
    assert _stored_bytes(store) < 2 * size_one


def _stored_bytes(store) -> int:
    """The GeoPackage file's size, or the size of the PostGIS store's schema."""
    if isinstance(store, GeoPackageStore):
        return store.path.stat().st_size
    with store._connection() as conn:
        return conn.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = 'gis_store' AND c.relkind = 'r'"
                            ).fetchone()[0]


def test_validate_writes_a_version_only_when_the_plan_or_outcome_changes(layers_copy, empty_location):
    args = ["--store", empty_location, "--layers", str(layers_copy), "-q"]
    assert main(args + ["build"]) == 0
    assert main(args + ["validate"]) == 1  # the shipped draft fails two rules on purpose
    assert open_store(Settings(store=empty_location)).version() == 1
    plan = layers_copy / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("min_m: 500", "min_m: 300"), encoding="utf-8")
    main(args + ["validate"])
    store = open_store(Settings(store=empty_location))
    assert store.version() == 2 and store.versions()[-1].action == "validate"
    from gis_service.validate import load_report, plan_source_of
    view = store.at(2)
    assert "min_m: 300" in plan_source_of(view).text  # the plan file kept with its report
    assert "min_m: 300" not in plan_source_of(store.at(1)).text
    assert load_report(view).outcome_key() != load_report(store.at(1)).outcome_key()


def test_reads_pinned_to_a_version_never_mix(any_settings):
    """A reader of version N keeps reading N while versions N+1… are written."""
    settings = any_settings
    store = open_store(settings)
    view = store.at()
    before = view.read_layer("zones")
    source = gpd.read_file(SOURCE_ZONES)
    _draft(store, settings, source[source["id"] != "TT-01"].reset_index(drop=True))
    assert list(view.read_layer("zones")["id"]) == list(before["id"])
    assert list(view.read_layer("zones_repaired")["id"]) == list(before["id"])
    assert "TT-01" not in set(store.read_layer("zones_repaired")["id"])
