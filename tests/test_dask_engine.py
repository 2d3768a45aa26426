"""The dask engine (dask.distributed, Hilbert-ordered partitions) finds exactly what the local
engine finds, on 100,000 synthetic parcels (MINH HỌA / ILLUSTRATIVE) with injected faults, on a
local cluster of two workers, in several partitions (so that twins and overlaps cross them)."""

from __future__ import annotations

import pytest

pytest.importorskip("dask_geopandas")
pytest.importorskip("distributed")

from gis_service.crs import DONG_NAI_TM3  # noqa: E402
from gis_service.engines.dask import check_store_version_dask  # noqa: E402
from gis_service.settings import PROJECT_ROOT  # noqa: E402
from gis_service.store import GeoPackageStore, WriteInfo  # noqa: E402
from gis_service.synthetic import commune_boundary, make_parcels  # noqa: E402
from gis_service.validate import (BOUNDARY_LAYER, REPAIRED_LAYER, ZONES_LAYER, PlanSource,  # noqa: E402
                                  check_store_version)
from gis_service.zones import repaired  # noqa: E402

PLAN_FILE = PROJECT_ROOT / "layers" / "parcels" / "plan.yaml"


@pytest.fixture(scope="module")
def parcel_store(tmp_path_factory):
    import geopandas as gpd

    boundary = commune_boundary(PROJECT_ROOT / "layers")
    parcels = make_parcels(100_000, boundary, seed=8)
    store = GeoPackageStore(tmp_path_factory.mktemp("dask") / "store.gpkg")
    store.write({ZONES_LAYER: parcels.frame, REPAIRED_LAYER: repaired(parcels.frame),
                 BOUNDARY_LAYER: gpd.GeoDataFrame({"code": ["25417"]}, geometry=[boundary], crs=DONG_NAI_TM3)},
                WriteInfo("build"))
    return store, parcels.faults


def test_the_dask_engine_finds_what_the_local_engine_finds(parcel_store):
    store, faults = parcel_store
    source = PlanSource(PLAN_FILE.read_text(encoding="utf-8"), PLAN_FILE.name)
    _, local = check_store_version(store.at(), source)
    _, distributed = check_store_version_dask(store.at(), source, workers=2, processes=False,
                                              partition_rows=25_000)
    assert distributed.outcome_key() == local.outcome_key()
    assert [o.error for o in distributed.outcomes] == [None] * 5
    overlaps = sorted(tuple(sorted(f.zone_ids)) for o in distributed.outcomes if o.rule_id == "P02"
                      for f in o.findings if not f.passed)
    assert overlaps == faults.overlaps and len(overlaps) == 50
    for mine, theirs in zip(distributed.outcomes, local.outcomes):  # the same places and messages
        assert [f.message_en for f in mine.findings] == [f.message_en for f in theirs.findings]
        assert all(f.geometry is None or f.geometry.equals(g.geometry) for f, g in zip(mine.findings, theirs.findings))


def test_the_engine_is_chosen_by_a_setting(parcel_store, monkeypatch):
    from gis_service.settings import Settings

    monkeypatch.setenv("GIS_SERVICE_ENGINE", "dask")
    monkeypatch.setenv("GIS_SERVICE_SCHEDULER", "tcp://10.0.0.5:8786")
    settings = Settings.from_env()
    assert settings.engine == "dask" and settings.scheduler == "tcp://10.0.0.5:8786"
