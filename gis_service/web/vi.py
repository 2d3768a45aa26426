"""Vietnamese for the version pages: numbers (1.541,4 ha; +0,50 ha), dates (23/11/2026), local time
(Asia/Ho_Chi_Minh), the words for each kind of write and for a decision. English beside, with
English numbers only where a sentence is English. The formatting is the service's one locale
layer (gis_service.l10n); this module adds signs and words. No Flask here; ``register`` adds the
filters."""

from __future__ import annotations

from .. import l10n
from ..store import Approval

LOCAL_TIME = l10n.LOCAL_TZ
MINUS = "−"  # U+2212, as the other pages write a negative number

#: what each kind of write is called (the store's ``action``), Vietnamese and English
ACTIONS = {
    "build": ("Xây dựng từ layers/", "Built from layers/"),
    "import-plan": ("Nhập bản vẽ", "Plan drawing imported"),
    "import-neighbour": ("Ranh giới xã giáp ranh", "Neighbouring commune's boundary"),
    "restore": ("Khôi phục", "Restored"),
    "validate": ("Kiểm tra lại", "Checked again"),
}
OTHER_ACTION = ("Cập nhật dữ liệu", "Data update")

#: the zone fields the diff compares, as a person calls them
FIELD_NAMES = {
    "kind": ("Loại vùng", "Zone kind"), "name_vi": ("Tên tiếng Việt", "Vietnamese name"),
    "name_en": ("Tên tiếng Anh", "English name"), "landuse": ("Mã loại đất", "Land-use code"),
    "status": ("Trạng thái", "Status"), "source": ("Nguồn", "Source"),
    "illustrative": ("Minh họa", "Illustrative"),
}


def number(value: float | None, digits: int = 1) -> str:
    """1541.4 → '1.541,4': a dot between thousands, a comma before the decimals."""
    if value is None or value != value:
        return "—"
    return (MINUS if round(value, digits) < 0 else "") + l10n.number(abs(value), digits, "vi")


def signed(value: float, digits: int = 2) -> str:
    """+0,50 / −0,50 / 0,00: a sign on every change but none."""
    text = number(value, digits)
    return "+" + text if round(value, digits) > 0 else text


def ha(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{number(value, digits)} ha"


def signed_ha(value: float, digits: int = 2) -> str:
    return f"{signed(value, digits)} ha"


def local_time(iso_utc: str) -> str:
    """'2026-11-23T07:00:00+00:00' → '14:00 23/11/2026' (Vietnam time)."""
    if not iso_utc:
        return "—"
    try:
        return l10n.moment(iso_utc, "vi")
    except ValueError:
        return iso_utc


def vn_date(iso_date: str) -> str:
    """'2026-11-23' → '23/11/2026'."""
    try:
        return l10n.day(iso_date, "vi")
    except (TypeError, ValueError, AttributeError):
        return iso_date or "—"


def action_vi(action: str) -> str:
    return ACTIONS.get(action, OTHER_ACTION)[0]


def action_en(action: str) -> str:
    return ACTIONS.get(action, OTHER_ACTION)[1]


def decision_vi(approval: Approval | None) -> str:
    """'Quyết định số 123/QĐ-UBND ngày 23/11/2026 của UBND tỉnh Đồng Nai'. Anything with the
    decision's three fields will do (an Approval, a zone's Provenance)."""
    if approval is None:
        return ""
    return (f"Quyết định số {approval.decision_number} ngày {vn_date(approval.decision_date)} "
            f"của {approval.issuing_body}")


def decision_en(approval: Approval | None) -> str:
    if approval is None:
        return ""
    return (f"Decision No. {approval.decision_number} of {vn_date(approval.decision_date)}, "
            f"{approval.issuing_body}")


def short_sha(sha256: str) -> str:
    return sha256[:12] if sha256 else ""


def register(app) -> None:
    """The Jinja filters the version pages use: ``|vn_number``, ``|vn_ha``, ``|vn_time`` …"""
    app.jinja_env.filters.update(
        vn_number=number, vn_signed=signed, vn_ha=ha, vn_signed_ha=signed_ha, vn_time=local_time,
        vn_date=vn_date, action_vi=action_vi, action_en=action_en, short_sha=short_sha)
