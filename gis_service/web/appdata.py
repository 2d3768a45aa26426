"""The page data of the current app, derived from one store version once and kept.

Which version a request sees: the public (the display, the lookup, the data API, downloads and
anonymous visitors of every page) sees the approved version when there is one, else the newest;
a signed-in planner sees the newest, or any version named by ``?version=N``. Versions never
change once written, so what is derived from one is kept (a few versions per app, in
``app.extensions``); an approval changes a version's status, so it is part of the key too."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from functools import cache
from typing import Callable, TypeVar

from flask import current_app, request

from ..errors import InputError, NotFound
from ..ogcapi.collections import Collection, collections
from ..versions import published_version
from .plandata import PlanData, load_plan_data

T = TypeVar("T")
_CACHE = "gis_service.version_cache"
#: versions kept per key: the published one, the newest, and a few a planner looked at
KEEP = 4


def store():
    return current_app.config["STORE"]


def public_version() -> int:
    number = published_version(store())
    if number is None:
        raise NotFound("the store has not been built: run gis-service build")
    return number


def page_version() -> int:
    """The version a page shows to this request (see the module's note)."""
    from .auth import current_user

    if not current_user():
        return public_version()
    raw = request.args.get("version")
    if raw is None or raw == "":
        number = store().version()
        if number is None:
            raise NotFound("the store has not been built: run gis-service build")
        return number
    try:
        number = int(raw)
    except ValueError:
        raise InputError(f"must be a version number, got {raw!r}", field="version") from None
    store().at(number)  # NotFound for a version that does not exist
    return number


def cached(key: str, version: int, build: Callable[[], T]) -> T:
    """``build()`` once per (version, approvals) for this app, then the kept value."""
    kept: dict[str, OrderedDict] = current_app.extensions.setdefault(_CACHE, {})
    entries = kept.setdefault(key, OrderedDict())
    token = (version, len(store().approvals()))
    if token not in entries:
        entries[token] = build()
        while len(entries) > KEEP:
            entries.popitem(last=False)
    entries.move_to_end(token)
    return entries[token]


def published(version: int | None = None) -> dict[str, Collection]:
    """The published collections of a version (the public one by default), each reading its
    data once: listing the collections would otherwise read every layer every time."""
    number = public_version() if version is None else version
    return cached("collections", number, lambda: {
        cid: replace(c, read=cache(c.read)) for cid, c in collections(store().at(number)).items()})


def plan_data(version: int | None = None) -> PlanData:
    number = page_version() if version is None else version
    return cached("plan_data", number, lambda: load_plan_data(store(), number))
