"""The items of a collection at any size. A small layer is read whole (once per version, kept) and
paged in pandas, as it always was; a large one (a million parcels) is never read whole for a page:
- no bbox: the page is read with limit/offset, numberMatched is the layer's count (``layer_extent``);
- a bbox: reprojected to the layer's CRS (``query.bbox_in``), its envelope pushed into the store's
  read, then the exact intersects filter on the candidates; numberMatched is their number;
- a bbox expected to hold more than ``BBOX_READ_MAX`` features (or a layer whose ids are positions,
  which a bbox read does not give): the layer is scanned in its order, ``SCAN_ROWS`` at a time,
  until the page is full; numberMatched is omitted (OGC API – Features Part 1 allows it) unless
  the scan reached the layer's end;
- one feature: by its id pushed into the read (``where``), or by its position (limit/offset).
Feature ids are the same as the small path gives (``query.with_ids``): the id column where its
values are unique and filled over the whole layer (checked once per version), else positions from 1.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .. import deadline
from ..errors import NotFound
from .collections import Collection, LayerSource
from .query import ItemsQuery, bbox_in, crs_uri, feature_by_id, select, with_ids

#: a layer with at most this many features is read whole (kept per version) and paged in pandas
WHOLE_READ_MAX = 20_000
#: a bbox whose share of the layer's extent would hold more features than this is scanned in
#: the layer's order instead of read at once (the memory a request may take)
BBOX_READ_MAX = 50_000
#: rows read at a time by a scan
SCAN_ROWS = 50_000


def is_large(c: Collection) -> bool:
    return c.layer is not None and c.layer.count > WHOLE_READ_MAX


def items_page(c: Collection, query: ItemsQuery) -> tuple[gpd.GeoDataFrame, int | None]:
    """The page the query asks for, indexed by feature id, and the number matched (None: not
    counted, the bbox holds too many to read at once)."""
    if not is_large(c):
        return select(with_ids(c.read(), c.id_column), query)
    src = c.layer
    unique = src.ids_unique(c.id_column)
    if query.bbox is None:
        rows = src.raw(limit=query.limit, offset=query.offset)
        return src.finish(_labelled(rows, c, unique, query.offset)), src.count
    area = bbox_in(query.bbox, query.bbox_crs, crs_uri(src.crs))
    if area is None:
        return src.read(limit=1).iloc[:0], 0
    if unique and _expected_in(src, area.bounds) <= BBOX_READ_MAX:
        candidates = src.raw(bbox=tuple(area.bounds))
        deadline.check()
        hits = candidates[shapely.intersects(candidates.geometry.values, area)]
        rows = hits.iloc[query.offset:query.offset + query.limit]
        return src.finish(_labelled(rows, c, unique, None)), len(hits)
    return _scan(c, area, query, unique)


def feature(c: Collection, feature_id: str) -> gpd.GeoDataFrame:
    """One feature by its id as the URL gives it (``query.feature_by_id``'s answer)."""
    if not is_large(c):
        return feature_by_id(with_ids(c.read(), c.id_column), feature_id)
    src = c.layer
    missing = NotFound(f"no feature {feature_id!r} / không có đối tượng {feature_id!r}")
    if src.ids_unique(c.id_column):
        if "\x00" in feature_id:
            raise missing
        rows = src.raw(where={c.id_column: feature_id})
        if rows.empty:
            raise missing
        return src.finish(_labelled(rows.iloc[:1], c, True, None))
    try:
        position = int(feature_id)
    except ValueError:
        raise missing from None
    if not 1 <= position <= src.count:
        raise missing
    return src.finish(_labelled(src.raw(offset=position - 1, limit=1), c, False, position - 1))


def _labelled(rows: gpd.GeoDataFrame, c: Collection, unique: bool, start: int | None,
              positions: np.ndarray | None = None) -> gpd.GeoDataFrame:
    """``rows`` indexed by their feature ids: the id column's values where they are unique over
    the layer, else positions from 1 (``start``: the first row's position from 0, or each row's)."""
    rows = rows.reset_index(drop=True)
    if unique:
        rows.index = rows[c.id_column].astype(str).to_numpy()
    elif positions is not None:
        rows.index = positions + 1
    else:
        rows.index = np.arange(start + 1, start + 1 + len(rows))
    return rows


def _expected_in(src: LayerSource, box) -> float:
    """The features a box would hold were they spread evenly over the layer's bounds."""
    count, bounds = src.extent
    if bounds is None:
        return 0
    width, height = bounds[2] - bounds[0], bounds[3] - bounds[1]
    if width <= 0 or height <= 0:
        return count
    overlap_w = max(0.0, min(box[2], bounds[2]) - max(box[0], bounds[0]))
    overlap_h = max(0.0, min(box[3], bounds[3]) - max(box[1], bounds[1]))
    return count * (overlap_w / width) * (overlap_h / height)


def _scan(c: Collection, area, query: ItemsQuery, unique: bool) -> tuple[gpd.GeoDataFrame, int | None]:
    """The page of a bbox query found by reading the layer in its order, ``SCAN_ROWS`` at a time,
    until the page is full: memory bounded by a chunk however many features the bbox holds."""
    src, want = c.layer, query.offset + query.limit
    parts, matched, start = [], 0, 0
    while True:
        deadline.check()
        chunk = src.raw(offset=start, limit=SCAN_ROWS)
        hits = np.flatnonzero(shapely.intersects(chunk.geometry.values, area))
        take = hits[max(0, query.offset - matched):max(0, want - matched)]
        if len(take):
            parts.append(_labelled(chunk.iloc[take], c, unique, None, positions=start + take))
        matched += len(hits)
        start += len(chunk)
        if len(chunk) < SCAN_ROWS or start >= src.count:
            complete = True
            break
        if matched >= want:
            complete = False
            break
    page = pd.concat(parts) if parts else chunk.iloc[:0]
    return src.finish(page), (matched if complete else None)
