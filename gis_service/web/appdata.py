"""The page data of the current app, derived from its store once per store version.

Every store write replaces the GeoPackage file atomically, so the file's modification time is
the store's version: a rebuilt or revalidated store is picked up by the next request, and an
unchanged one is not read again. The cache lives in ``app.extensions`` (one per app)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from typing import Callable, TypeVar

from flask import current_app

from ..ogcapi.collections import Collection, collections
from .plandata import PlanData, load_plan_data

T = TypeVar("T")
_CACHE = "gis_service.store_cache"


def cached(key: str, build: Callable[[], T]) -> T:
    """``build()`` once per store version for this app, then the kept value."""
    cache: dict[str, tuple[int | None, T]] = current_app.extensions.setdefault(_CACHE, {})
    # read the version before building: a write during the build leaves an older version on the
    # entry, so the next request builds again rather than keeping stale data
    version = current_app.config["STORE"].version()
    entry = cache.get(key)
    if entry is None or entry[0] != version:
        entry = (version, build())
        cache[key] = entry
    return entry[1]


def published() -> dict[str, Collection]:
    """The published collections, each reading (or, for edge-matching, computing) its data once
    per store version: listing the collections would otherwise read every layer every time."""
    return cached("collections", lambda: {
        cid: replace(c, read=cache(c.read)) for cid, c in collections(current_app.config["STORE"]).items()})


def plan_data() -> PlanData:
    return cached("plan_data", lambda: load_plan_data(current_app.config["SETTINGS"],
                                                      current_app.config["STORE"]))
