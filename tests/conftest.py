"""Shared fixtures: a fresh store built from the shipped layers in a temporary folder, and the
Flask ``app`` / ``client`` / ``runner`` on it (as in Flask's tutorial)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gis_service.build import build_store
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import GeoPackageStore

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
