"""Edge-matching our commune boundary against each neighbour's: where the two polygons overlap,
where there is a gap between them, and how much of the shared border agrees within a tolerance.

All measures are planar in the plan CRS (VN-2000 TM-3, metres). Neighbours are found from
geometry (``build.neighbours``), never from a list; imported neighbour boundaries are kept in the
store's ``imported_neighbours`` layer and compared the same way. No Flask here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from . import deadline
from .build import NEIGHBOURS_LAYER, neighbours
from .errors import InputError, NotFound
from .geom import closing, greatest_width_m
from .geomcheck import feature_label
from .l10n import number
from .layerio import file_sha256, read_vector
from .store import Store, WriteInfo
from .validate import BOUNDARY_LAYER

IMPORTED_LAYER = "imported_neighbours"
#: a polygon within this distance of ours is a neighbour (as in build.neighbours)
SEARCH_M = 50.0
#: the shared border "agrees" where their border lies within this distance of ours
DEFAULT_TOLERANCE_M = 10.0
#: gaps narrower than twice this width are found (morphological closing of the two polygons)
GAP_WIDTH_M = 25.0
#: pieces smaller than this are numerical noise of the overlay, not disagreements
MIN_PIECE_M2 = 1.0
NAME_FIELDS = ("name", "name_vi", "ten_xa", "tenxa", "ten", "tên", "ten_dvhc")
#: a neighbour's polygon lies outside ours: at most this share of it inside (the overlaps found
#: on the real boundaries are a few hectares of thousands, under 0.1 %)
MAX_INSIDE_SHARE = 0.10
#: a neighbour's file covers our surroundings: every feature within this distance of our border
#: (the whole province is; the other VN-2000 zone's numbers read as this one's are not)
SURROUNDINGS_M = 200_000.0


@dataclass
class Piece:
    """One overlap or gap polygon between our boundary and a neighbour's."""
    neighbour: str
    source: str
    kind: str  # "overlap" | "gap"
    area_ha: float
    max_width_m: float
    geometry: BaseGeometry


@dataclass
class NeighbourMatch:
    neighbour: str
    source: str  # "store" (found in the communes layer) or "imported: <file>"
    shared_border_m: float
    agreed_border_m: float
    tolerance_m: float
    overlap_ha: float
    overlap_count: int
    overlap_max_width_m: float
    gap_ha: float
    gap_count: int
    gap_max_width_m: float
    pieces: list[Piece] = field(default_factory=list, repr=False)

    @property
    def agreed_pct(self) -> float:
        return round(100.0 * self.agreed_border_m / self.shared_border_m, 1) if self.shared_border_m else 0.0

    def summary(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "pieces"}
        out["agreed_pct"] = self.agreed_pct
        return out


def _polygons(geom) -> list[BaseGeometry]:
    """The polygon parts of an overlay result (an intersection also yields lines and points)."""
    return [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area >= MIN_PIECE_M2]


def gaps_between(ours, theirs, gap_width_m: float = GAP_WIDTH_M) -> list[BaseGeometry]:
    """Slivers that belong to neither polygon but lie between them: the morphological closing of
    the union minus the union, keeping only pieces that touch both borders."""
    union = shapely.union(ours, theirs)
    closed = closing(union, gap_width_m)
    pieces = _polygons(closed.difference(union))
    return [p for p in pieces if p.distance(ours) < 1e-6 and p.distance(theirs) < 1e-6]


def match_one(ours, theirs, name: str, source: str = "store",
              tolerance_m: float = DEFAULT_TOLERANCE_M) -> NeighbourMatch:
    """Compare our polygon with one neighbour's (both in the same projected CRS, metres)."""
    ours, theirs = shapely.make_valid(ours), shapely.make_valid(theirs)
    border = ours.boundary
    shared = border.intersection(theirs.buffer(SEARCH_M)).length
    agreed = border.intersection(theirs.boundary.buffer(tolerance_m)).length
    pieces = [Piece(name, source, "overlap", p.area / 10_000, greatest_width_m(p), p)
              for p in _polygons(ours.intersection(theirs))]
    pieces += [Piece(name, source, "gap", p.area / 10_000, greatest_width_m(p), p)
               for p in gaps_between(ours, theirs)]
    overlaps = [p for p in pieces if p.kind == "overlap"]
    gaps = [p for p in pieces if p.kind == "gap"]
    return NeighbourMatch(
        name, source, round(shared, 1), round(agreed, 1), tolerance_m,
        round(sum(p.area_ha for p in overlaps), 4), len(overlaps),
        round(max((p.max_width_m for p in overlaps), default=0.0), 1),
        round(sum(p.area_ha for p in gaps), 4), len(gaps),
        round(max((p.max_width_m for p in gaps), default=0.0), 1), pieces)


def edgematch_store(store: Store, tolerance_m: float = DEFAULT_TOLERANCE_M) -> list[NeighbourMatch]:
    """Edge-match our boundary against every neighbour in the store: those found from geometry
    in the communes layer and those imported from neighbours' own files."""
    ours = our_boundary(store)
    names = store.layer_names()
    results = []
    for layer, label in ((NEIGHBOURS_LAYER, None), (IMPORTED_LAYER, "imported")):
        if layer not in names:
            continue
        frame = store.read_layer(layer)
        for row in frame.itertuples():
            deadline.check()
            source = "store" if label is None else f"imported: {row.source_file}"
            results.append(match_one(ours, row.geometry, str(row.name), source, tolerance_m))
    if not results:
        raise NotFound("no neighbour in the store: build it with the communes layer, or import one")
    return results


def our_boundary(store: Store):
    return shapely.union_all(store.read_layer(BOUNDARY_LAYER).geometry.values)


def pieces_frame(results: list[NeighbourMatch], crs) -> gpd.GeoDataFrame:
    """Every overlap and gap polygon as a row, with the message a map popup shows."""
    rows = []
    for r in results:
        for p in r.pieces:
            what_vi, what_en = ("Chồng lấn", "Overlap") if p.kind == "overlap" else ("Khe hở", "Gap")
            rows.append({"neighbour": p.neighbour, "source": p.source, "kind": p.kind,
                         "area_ha": round(p.area_ha, 4), "max_width_m": round(p.max_width_m, 1),
                         "message_vi": f"{what_vi} với xã {p.neighbour}: {number(p.area_ha, 4, 'vi')} ha, "
                                       f"rộng nhất {number(p.max_width_m, 1, 'vi')} m",
                         "message_en": f"{what_en} with {p.neighbour}: {p.area_ha:.4f} ha, "
                                       f"at most {p.max_width_m:.1f} m wide",
                         "geometry": p.geometry})
    columns = ["neighbour", "source", "kind", "area_ha", "max_width_m", "message_vi", "message_en",
               "geometry"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=crs)


def summary_frame(results: list[NeighbourMatch]) -> pd.DataFrame:
    return pd.DataFrame([r.summary() for r in results])


def report_text(results: list[NeighbourMatch]) -> str:
    """A console / plain-text report: one line per neighbour."""
    tol = results[0].tolerance_m if results else DEFAULT_TOLERANCE_M
    lines = ["So khớp ranh giới với các xã giáp ranh / Edge-matching with neighbouring communes",
             f"(mặt phẳng VN-2000 TM-3; khớp khi lệch ≤ {tol:g} m / planar VN-2000 TM-3; "
             f"agreed within {tol:g} m)", "",
             f"{'Xã / Commune':<16} {'Chồng lấn / overlap':>21} {'Khe hở / gap':>18} "
             f"{'Ranh chung / shared':>20} {'Khớp / agreed':>19}  Nguồn / source"]
    for r in results:
        lines.append(f"{r.neighbour:<16} {r.overlap_ha:>9.2f} ha ({r.overlap_count:>2}) {r.overlap_max_width_m:>4.0f} m"
                     f" {r.gap_ha:>6.2f} ha ({r.gap_count:>2}) {r.gap_max_width_m:>3.0f} m"
                     f" {r.shared_border_m / 1000:>17.2f} km {r.agreed_border_m / 1000:>9.2f} km "
                     f"{r.agreed_pct:>5.1f} %  {r.source}")
    lines += ["", "(n) số mảnh / number of pieces; m: bề rộng lớn nhất / greatest width"]
    return "\n".join(lines)


# -- importing a neighbour's boundary ------------------------------------------------------------

def read_neighbour_file(path: Path | str, ours, plan_crs, *, name: str | None = None,
                        assume_crs: str | None = None, display_name: str | None = None,
                        notes: list[str] | None = None, source_file: str | None = None) -> gpd.GeoDataFrame:
    """Read a neighbour's boundary file (any format and CRS GDAL reads), reproject it to the plan
    CRS and keep only the polygons that border ours (found from geometry). Every feature lies in
    our surroundings; each one kept is one polygon, mostly outside ours. Raises InputError
    naming the file, feature and field; nothing is stored here."""
    label = display_name or str(path)
    gdf = read_vector(path, assume_crs=assume_crs, target_crs=plan_crs, label=label, notes=notes,
                      expect="polygon")
    deadline.check()
    gdf = gdf.copy()
    gdf["geometry"] = gdf.geometry.make_valid()
    _check_surroundings(gdf, ours, label)
    name_field = next((f for f in gdf.columns if f.lower() in NAME_FIELDS), None)
    gdf["name"] = [_feature_name(gdf, i, name_field, label) for i in range(len(gdf))]
    found = neighbours(gdf[["name", "geometry"]], ours, SEARCH_M)
    if found.empty:
        raise InputError(f"không có ranh giới nào giáp xã Nghĩa Trung / no polygon comes within {SEARCH_M:g} m of the "
                         "Nghĩa Trung border (wrong CRS or wrong file?)",
                         file=label, field="geometry")
    if name:
        if len(found) > 1:
            raise InputError(f"--name given but the file has {len(found)} polygons bordering ours "
                             f"({', '.join(found['name'])}); import one commune per file or omit --name",
                             file=label, field="name")
        found["name"] = [name]
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out = found[["name", "geometry"]].copy()
    out.insert(1, "source_file", source_file or Path(label).name)
    out.insert(2, "imported_at", stamp)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=plan_crs).reset_index(drop=True)


def _check_surroundings(gdf: gpd.GeoDataFrame, ours, label: str) -> None:
    """Every feature within SURROUNDINGS_M of ours (a file far away is in the wrong CRS or is
    the wrong file); each one that would be kept as a neighbour is one polygon lying mostly
    outside ours (our own zones, or our commune drawn again, are not a neighbour)."""
    distances = gdf.distance(ours).to_numpy()
    for i in np.flatnonzero(distances > SURROUNDINGS_M)[:1]:
        raise InputError(f"nằm cách xã Nghĩa Trung {distances[i] / 1000:,.0f} km / lies "
                         f"{distances[i] / 1000:,.0f} km from Nghĩa Trung, beyond its surroundings "
                         f"({SURROUNDINGS_M / 1000:,.0f} km): wrong CRS or wrong file?",
                         file=label, feature=feature_label(gdf, int(i)), field="geometry")
    candidate = (distances <= SEARCH_M) & ~gdf.geometry.covers(ours.representative_point()).to_numpy()
    for i in np.flatnonzero(candidate):
        geom = gdf.geometry.iloc[i]
        parts = shapely.get_num_geometries(geom) if geom.geom_type == "MultiPolygon" else 1
        if parts > 1:
            raise InputError(f"ranh giới xã giáp ranh phải là một vùng / a neighbour's boundary must be "
                             f"one polygon: this one has {parts} parts", file=label,
                             feature=feature_label(gdf, int(i)), field="geometry")
        inside = geom.intersection(ours).area / geom.area if geom.area else 1.0
        if inside > MAX_INSIDE_SHARE:
            raise InputError(f"{inside:.0%} nằm trong xã Nghĩa Trung / {inside:.0%} of it lies inside "
                             "Nghĩa Trung: a neighbour's boundary lies outside ours (our own zones?)",
                             file=label, feature=feature_label(gdf, int(i)), field="geometry")


def _feature_name(gdf, i: int, name_field: str | None, label: str) -> str:
    value = gdf[name_field].iloc[i] if name_field else None
    if isinstance(value, str) and value.strip():
        return value.strip()
    return f"{Path(label).stem} #{i + 1}"


def import_neighbour(store: Store, path: Path | str, plan_crs, *, name: str | None = None,
                     assume_crs: str | None = None, display_name: str | None = None,
                     notes: list[str] | None = None, source_file: str | None = None,
                     user: str = "system") -> gpd.GeoDataFrame:
    """Validate a neighbour's file and keep its bordering polygons in a new version of the store,
    replacing an earlier import of the same name. The write happens only after the file passed
    every check."""
    if not store.exists():
        raise InputError("kho dữ liệu chưa được xây dựng / the store has not been built: run gis-service build first")
    new = read_neighbour_file(path, our_boundary(store), plan_crs, name=name, assume_crs=assume_crs,
                              display_name=display_name, notes=notes, source_file=source_file)
    with store.updating():  # two uploads at once must not drop each other's boundary
        if IMPORTED_LAYER in store.layer_names():
            old = store.read_layer(IMPORTED_LAYER)
            old = old[~old["name"].isin(new["name"])]
            new = gpd.GeoDataFrame(pd.concat([old, new], ignore_index=True), geometry="geometry", crs=plan_crs)
        label = source_file or Path(display_name or str(path)).name
        info = WriteInfo("import-neighbour", user, label, file_sha256(path),
                         f"Ranh giới / boundary: {', '.join(new['name'][new['source_file'] == label])}")
        store.write({IMPORTED_LAYER: new}, info, descriptions={
            IMPORTED_LAYER: "Ranh giới do xã giáp ranh gửi / Boundaries sent by neighbouring communes"})
    return new
