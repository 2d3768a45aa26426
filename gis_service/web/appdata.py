"""The page data of the current app, derived from one store version once and kept.

Which version a request sees: the public (the display, the lookup, the data API, downloads and
anonymous visitors of every page) sees the approved version when there is one, else the newest;
a signed-in planner sees the newest, or any version named by ``?version=N`` (an anonymous visitor
only a version the public may see: one a decision approved). Versions never
change once written, so what is derived from one is kept (a few versions per app, in
``app.extensions``); an approval changes a version's status, so it is part of the key too."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from functools import cache
from typing import Callable, Hashable, TypeVar

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
    """The version a page shows to this request (see the module's note). An anonymous visitor
    may name a version the public may see (one a decision approved); any other is ignored."""
    from .auth import current_user
    from .versionstate import public_numbers

    raw = request.args.get("version")
    planner = current_user() is not None
    if raw is None or raw == "":
        if not planner:
            return public_version()
        number = store().version()
        if number is None:
            raise NotFound("the store has not been built: run gis-service build")
        return number
    try:
        number = int(raw)
    except ValueError:
        raise InputError(f"must be a version number, got {raw!r}", field="version") from None
    if not planner and number not in public_numbers(store()):
        return public_version()
    store().at(number)  # NotFound for a version that does not exist
    return number


def cached(key: str, version: int, build: Callable[[], T]) -> T:
    """``build()`` once per (version, approvals) for this app, then the kept value."""
    return kept(key, (version, len(store().approvals())), build)


def kept(key: str, token: Hashable, build: Callable[[], T], keep: int = KEEP) -> T:
    """``build()`` once per ``token`` (what the value is derived from) for this app; the last
    ``keep`` values of each key are kept."""
    by_key: dict[str, OrderedDict] = current_app.extensions.setdefault(_CACHE, {})
    entries = by_key.setdefault(key, OrderedDict())
    if token not in entries:
        entries[token] = build()
        while len(entries) > keep:
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
