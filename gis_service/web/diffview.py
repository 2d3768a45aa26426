"""What the comparison page and the draft preview show: per-zone hectare changes in Vietnamese
numbers, changed attributes in words, changed rule outcomes, and the map data (GeoJSON in lon/lat,
drawn by web/static/js/versionmap.js). No Flask here."""

from __future__ import annotations


import geopandas as gpd

from ..diff import RuleChange, VersionDiff, ZoneChange
from ..plan import Plan
from ..versions import STATUS
from . import pagegeo
from .vi import FIELD_NAMES, signed_ha

CHANGE_WORDS = {"added": ("Vùng mới", "New zone"), "removed": ("Vùng bị bỏ", "Zone removed"),
                "changed": ("Có thay đổi", "Changed"), "unchanged": ("Không đổi", "Unchanged")}
PIECE_WORDS = {"added": ("Phần thêm vào", "Added"), "removed": ("Phần bị bỏ", "Removed"),
               "unchanged": ("Phần không đổi", "Unchanged")}
VERDICT = {True: ("ĐẠT", "PASS"), False: ("KHÔNG ĐẠT", "FAIL"), None: ("không có", "absent")}


def zone_rows(changes: list[ZoneChange], plan: Plan | None) -> list[dict]:
    rows = []
    for z in changes:
        vi, en = CHANGE_WORDS[z.change]
        rows.append({
            "id": z.id, "name_vi": z.name_vi, "change": z.change, "change_vi": vi, "change_en": en,
            "added_ha": z.added_ha, "removed_ha": z.removed_ha, "net_ha": z.net_ha,
            "added": signed_ha(z.added_ha), "removed": signed_ha(-z.removed_ha), "net": signed_ha(z.net_ha),
            "attributes": [_attribute(name, old, new, plan) for name, (old, new) in z.attributes.items()],
        })
    return rows


def totals(changes: list[ZoneChange]) -> dict:
    added = sum(z.added_ha for z in changes)
    removed = sum(z.removed_ha for z in changes)
    net = sum(z.net_ha for z in changes)
    return {"added": signed_ha(added), "removed": signed_ha(-removed), "net": signed_ha(net),
            "changed": sum(z.change != "unchanged" for z in changes), "zones": len(changes)}


def _attribute(name: str, old, new, plan: Plan | None) -> dict:
    vi, en = FIELD_NAMES.get(name, (name, name))
    return {"field_vi": vi, "field_en": en, "before": _value(name, old, plan), "after": _value(name, new, plan)}


def _value(name: str, value, plan: Plan | None) -> str:
    """A field's value as a person reads it: a kind's name, a status's name, có/không."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "có / yes" if value else "không / no"
    if name == "kind" and plan is not None and value in plan.zone_kinds:
        return plan.zone_kinds[value].name_vi
    if name == "status" and value in STATUS:
        return " / ".join(STATUS[value])
    if name == "landuse":
        return str(value).replace(";", ", ")
    return str(value)


def rule_rows(changes: list[RuleChange]) -> list[dict]:
    rows = []
    for r in changes:
        findings = [{"zones": ", ".join(f["zone_ids"]) or "—",
                     "before": " / ".join(VERDICT[f["before"]]), "after": " / ".join(VERDICT[f["after"]]),
                     "after_ok": f["after"]} for f in r.findings]
        rows.append({"rule_id": r.rule_id, "title_vi": r.title_vi, "title_en": r.title_en,
                     "before": " / ".join(VERDICT[r.before]), "after": " / ".join(VERDICT[r.after]),
                     "after_ok": r.after, "findings": findings})
    return rows


def diff_model(d: VersionDiff, plan: Plan | None, boundary: gpd.GeoDataFrame | None) -> dict:
    """Everything the comparison page shows of one diff (kept per pair of versions)."""
    names = {z.id: z.name_vi for z in d.zones}
    return {"a": d.a, "b": d.b, "zones": zone_rows(d.zones, plan), "totals": totals(d.zones),
            "rules": rule_rows(d.rules), "data": d.to_dict(),
            "map": map_data(boundary, [("unchanged", d.pieces), ("removed", d.pieces), ("added", d.pieces)],
                            names)}


def map_data(boundary: gpd.GeoDataFrame | None, layers: list[tuple[str, gpd.GeoDataFrame]],
             names: dict[str, str], zones: gpd.GeoDataFrame | None = None, plan: Plan | None = None) -> dict:
    """The map's layers as GeoJSON in lon/lat, each with its style name (versionmap.js).

    ``layers``: (change, frame of pieces) drawn in that order, each frame filtered to that change."""
    out = []
    if boundary is not None and len(boundary):
        out.append({"style": "boundary", "name_vi": "Ranh giới xã", "name_en": "Commune boundary",
                    "geojson": _geojson(boundary[["geometry"]].assign(title="Ranh giới xã / Commune boundary"))})
    if zones is not None:
        frame = zones.reset_index(drop="id" in zones.columns)[["id", "kind", "name_vi", "geometry"]].copy()
        frame["title"] = [f"{i} · {n}" for i, n in zip(frame["id"], frame["name_vi"])]
        frame["color"] = [plan.zone_kinds[k].color if plan and k in plan.zone_kinds else "#cccccc"
                          for k in frame["kind"]]
        frame["line"] = [plan.zone_kinds[k].name_vi if plan and k in plan.zone_kinds else k for k in frame["kind"]]
        out.append({"style": "zones", "name_vi": "Vùng của bản nháp", "name_en": "Draft zones",
                    "geojson": _geojson(frame[["title", "line", "color", "geometry"]])})
    for change, pieces in layers:
        part = pieces[pieces["change"] == change]
        vi, en = PIECE_WORDS[change]
        frame = part.assign(title=[f"{zid} · {names.get(zid, '')}" for zid in part["zone_id"]],
                            line=f"{vi} / {en}")
        out.append({"style": change, "name_vi": vi, "name_en": en,
                    "geojson": _geojson(frame[["title", "line", "geometry"]])})
    bounds = _bounds(boundary if boundary is not None and len(boundary) else
                     (zones if zones is not None else layers[0][1]))
    return {"bounds": bounds, "focus": _bounds(_changed(layers[0][1])) if layers else None, "layers": out}


def _changed(pieces: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    """The added and removed pieces: where the map opens (zoomed in no further than a street
    map), so that a change of a few thousand m² is seen, not lost in the whole commune."""
    changed = pieces[pieces["change"] != "unchanged"]
    return changed if len(changed) else None


def _geojson(frame: gpd.GeoDataFrame) -> dict:
    if not len(frame):
        return {"type": "FeatureCollection", "features": []}
    return pagegeo.geojson(frame)


def _bounds(frame: gpd.GeoDataFrame | None) -> list[list[float]] | None:
    if frame is None or not len(frame):
        return None
    return pagegeo.bounds_latlng(frame)
