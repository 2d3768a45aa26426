"""What the dashboard and the map show of the durian register and the rasters: the coded and
export shares against their targets per zone and for the commune (from the stored report), each
plot's status on the report's reference date, the plots without a valid code, the codes whose
inspection is due, and the raster legends. No Flask here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np

from ..catalog import RasterEntry
from ..plan import parse_params
from ..raster import read_raster, render_png, stored_raster_names
from ..register import OWNER_TYPES, STATUSES, plot_status, to_date
from ..rules import local_today
from ..rules.plots import COMMUNE_EN, COMMUNE_VI, Due, inspections, zone_allotment
from ..vnfmt import date_en, date_vi, num_vi
from .plandata import PlanData

SHARE_CHECKS = {"plot_code_share": "coded", "plot_export_share": "export"}


@dataclass
class ShareCell:
    rule_id: str
    percent: float | None
    target: str
    passed: bool


@dataclass
class ShareRow:
    """One subject (a zone, or the whole commune) with its coded and export shares."""
    subject_vi: str
    subject_en: str
    zone_id: str | None
    cells: dict[str, ShareCell] = field(default_factory=dict)  # 'coded' / 'export' → cell


@dataclass
class RegisterView:
    name: str
    on: date
    illustrative: bool
    plots: gpd.GeoDataFrame      # with status, zone_id; plan CRS
    shares: list[ShareRow]
    uncoded: list[dict]          # plots without a valid code
    due: list[Due]               # codes overdue or due within warn_days
    interval_days: int | None
    warn_days: int

    @property
    def on_vi(self) -> str:
        return date_vi(self.on)

    @property
    def on_en(self) -> str:
        return date_en(self.on)

    def counts(self) -> dict[str, tuple[int, float]]:
        """Plots and hectares by status."""
        return {s: (int((self.plots["status"] == s).sum()),
                    float(self.plots.loc[self.plots["status"] == s, "area_ha"].sum())) for s in STATUSES}


def register_view(data: PlanData, name: str = "durian_plots") -> RegisterView | None:
    """The register ``name`` on the report's reference date, or None when the store has none."""
    if name not in data.store.layer_names():
        return None
    report = data.report
    on = to_date(report.reference_date) if report and report.reference_date else None
    on = on or local_today()
    plots = data.layer(name).copy()
    plots["status"] = plot_status(plots, on)
    zones = data.zones
    share = zone_allotment(plots, zones)
    has_zone = share.max(axis=1) > 0 if len(zones) else np.zeros(len(plots), dtype=bool)
    plots["zone_id"] = np.where(has_zone, zones["id"].to_numpy()[share.argmax(axis=1)] if len(zones) else "", "")
    inspection = _inspection_params(data, name)
    interval, warn = inspection if inspection else (None, 30)
    due = [d for d in inspections(plots, on, interval) if d.days_left <= warn] if interval else []
    uncoded = plots[plots["status"].isin(["none", "expired"])].sort_values(["zone_id", "plot_id"])
    return RegisterView(name, on, data.is_illustrative(name), plots, _share_rows(data, name),
                        [_plot_row(r) for r in uncoded.itertuples()], due, interval, warn)


def _inspection_params(data: PlanData, name: str) -> tuple[int, int] | None:
    for rule in data.plan.rules:
        if rule.check == "code_inspection":
            params = parse_params(rule)
            if params.register_name == name:
                return params.interval_days, params.warn_days
    return None


def _share_rows(data: PlanData, name: str) -> list[ShareRow]:
    """The share findings of the stored report, one row per subject: zones first, commune last."""
    rows: dict[str, ShareRow] = {}
    rules = {r.id: r for r in data.plan.rules}
    for outcome in data.report.outcomes if data.report else []:
        column = SHARE_CHECKS.get(outcome.check)
        rule = rules.get(outcome.rule_id)
        if column is None or rule is None or parse_params(rule).register_name != name:
            continue
        for f in outcome.findings:
            if f.unit != "%":
                continue
            key = f.zone_ids[0] if f.zone_ids else ""
            row = rows.setdefault(key, ShareRow(f"Vùng {key}" if key else COMMUNE_VI,
                                                f"Zone {key}" if key else COMMUNE_EN, key or None))
            row.cells[column] = ShareCell(outcome.rule_id, f.measured, f.target, f.passed)
    return sorted(rows.values(), key=lambda r: (r.zone_id is None, r.zone_id or ""))


def _plot_row(r) -> dict:
    colour, vi, en = STATUSES[r.status]
    return {"plot_id": r.plot_id, "owner": r.owner, "owner_type_vi": OWNER_TYPES[r.owner_type][0],
            "zone_id": r.zone_id or "—", "area_ha": float(r.area_ha), "status": r.status, "status_vi": vi,
            "status_en": en, "code": r.code or "—", "valid_to_vi": date_vi(to_date(r.valid_to))}


def plot_popup_rows(r) -> list[tuple[str, str]]:
    """A plot's popup as (label, value) rows; values in Vietnamese form (1.541,4; dd/mm/yyyy)."""
    colour, vi, en = STATUSES[r.status]
    owner_vi, owner_en = OWNER_TYPES.get(r.owner_type, (r.owner_type, r.owner_type))
    return [
        ("Chủ / Owner", f"{r.owner} ({owner_vi} / {owner_en})"),
        ("Mã số vùng trồng / Planting-area code", r.code or "— (chưa có / none)"),
        ("Thị trường / Market", r.market or "—"),
        ("Hiệu lực / Valid", f"{date_vi(to_date(r.valid_from))} – {date_vi(to_date(r.valid_to))}"
         if r.code else "—"),
        ("Chứng nhận / Certification", "không / none" if r.cert == "none" else r.cert),
        ("Chuẩn xuất khẩu / Export standard", "đạt / yes" if r.export else "chưa đạt / no"),
        ("Kiểm tra gần nhất / Last inspection", date_vi(to_date(r.inspected))),
        ("Diện tích / Area", f"{num_vi(r.area_ha, 2)} ha"),  # a number under a bilingual label: Vietnamese
        ("Trạng thái / Status", f"{vi} / {en}"),
    ]


# -- rasters ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RasterImage:
    name: str
    entry: RasterEntry
    png: bytes
    bounds: tuple[float, float, float, float]  # west, south, east, north (degrees)
    sha256: str


def raster_images(data: PlanData) -> list[RasterImage]:
    """Each raster of the store drawn for the map (rendered once per raster content)."""
    return [raster_image(data.store, name) for name in stored_raster_names(data.store)]


#: rendered images by raster content (sha256): a new raster renders anew, an unchanged one never
_RENDERED: dict[str, RasterImage] = {}


def raster_image(store, name: str) -> RasterImage:
    raster = read_raster(store, name)
    key = f"{raster.sha256}:{raster.entry.model_dump_json()}"  # a new legend recolours it
    if key not in _RENDERED:
        if len(_RENDERED) >= 8:
            _RENDERED.clear()
        png, bounds = render_png(raster)
        _RENDERED[key] = RasterImage(raster.entry.name, raster.entry, png, bounds, raster.sha256)
    return _RENDERED[key]
