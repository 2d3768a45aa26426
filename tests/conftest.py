"""Shared fixtures: a fresh store built from the shipped layers in a temporary folder, and the
Flask ``app`` / ``client`` / ``runner`` on it (as in Flask's tutorial). ``any_settings`` /
``any_store`` give the same built store on each back end: GeoPackage, and PostGIS in a database
of a loopback cluster the session starts (tests/pg_server.py)."""

from __future__ import annotations

import itertools
import os
import shutil
from pathlib import Path

import pytest

from gis_service.build import build_store
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import GeoPackageStore, open_store

LAYERS = PROJECT_ROOT / "layers"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def built_store_file(tmp_path_factory) -> Path:
    """The shipped layers built (and so validated) once per session, as version 1; tests copy
    it, never change it."""
    path = tmp_path_factory.mktemp("store") / "store.gpkg"
    build_store(Settings(layers_dir=LAYERS, store=path), GeoPackageStore(path))
    return path


@pytest.fixture
def settings(tmp_path, built_store_file) -> Settings:
    store = tmp_path / "store.gpkg"
    shutil.copy2(built_store_file, store)
    return Settings(layers_dir=LAYERS, store=store, write_token="test-token")


@pytest.fixture
def layers_copy(tmp_path) -> Path:
    """A private copy of layers/ that a test may break."""
    target = tmp_path / "layers"
    shutil.copytree(LAYERS, target)
    return target


@pytest.fixture
def app(settings):
    from gis_service.web import create_app

    app = create_app(settings)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


# -- both back ends -----------------------------------------------------------------------------
BACKENDS = ("gpkg", "postgis")
_database_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL + PostGIS server on 127.0.0.1 for this session: skipped when PostgreSQL is not
    installed, a failure instead under CI (which installs it)."""
    from pg_server import Unavailable, in_ci, start_cluster

    try:
        cluster = start_cluster()
    except Unavailable as why:
        if in_ci():
            pytest.fail(f"CI must run the PostGIS store tests: {why}")
        pytest.skip(f"PostGIS store tests skipped: {why}")
    yield cluster
    cluster.stop()


def _database_name(kind: str) -> str:
    return f"gis_test_{os.getpid()}_{kind}_{next(_database_numbers)}"


@pytest.fixture(scope="session")
def pg_empty_template(pg_cluster) -> str:
    """A database with the PostGIS extension and nothing else, to copy."""
    name = _database_name("empty")
    pg_cluster.create_database(name)
    pg_cluster.execute_in(name, "CREATE EXTENSION postgis")
    yield name
    pg_cluster.drop_database(name)


@pytest.fixture(scope="session")
def pg_built_template(pg_cluster, pg_empty_template) -> str:
    """The shipped layers built once into a database, as version 1; tests copy it, never change it."""
    name = _database_name("built")
    url = pg_cluster.create_database(name, template=pg_empty_template)
    settings = Settings(layers_dir=LAYERS, store=url)
    store = open_store(settings)
    build_store(settings, store)
    store.close()  # a template database must have no connections
    yield name
    pg_cluster.drop_database(name)


@pytest.fixture
def pg_empty_url(pg_cluster, pg_empty_template) -> str:
    name = _database_name("t")
    yield pg_cluster.create_database(name, template=pg_empty_template)
    pg_cluster.drop_database(name)


@pytest.fixture
def pg_settings(tmp_path, pg_cluster, pg_built_template) -> Settings:
    """Like ``settings``, on a private copy of the built PostGIS database."""
    name = _database_name("t")
    url = pg_cluster.create_database(name, template=pg_built_template)
    yield Settings(layers_dir=LAYERS, store=url, write_token="test-token", users_db=tmp_path / "users.sqlite",
                   secret_key="test-secret-key-" + "k" * 32)
    pg_cluster.drop_database(name)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def any_settings(request, backend) -> Settings:
    """``settings`` on each back end: a private copy of the built store."""
    return request.getfixturevalue("settings" if backend == "gpkg" else "pg_settings")


@pytest.fixture
def any_store(any_settings):
    """The built store (version 1) on each back end, opened as the service opens it."""
    store = open_store(any_settings)
    yield store
    getattr(store, "close", lambda: None)()


@pytest.fixture
def empty_location(request, backend, tmp_path) -> str:
    """Where a new, empty store goes on each back end: a GeoPackage path or a database URL."""
    return str(tmp_path / "s.gpkg") if backend == "gpkg" else request.getfixturevalue("pg_empty_url")
