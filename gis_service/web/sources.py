"""Where each layer comes from, written for a reader of a filed document: no script names, no
internal layer names. The catalog keeps the technical source; pages and reports show this."""

from __future__ import annotations

import re

from ..l10n import LayerTitles

TEAM_VI = "Dữ liệu minh họa do nhóm dự án tạo, không phải số liệu khảo sát"
TEAM_EN = "illustrative data made by the project team, not surveyed"
_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\b")
_SCRIPT = re.compile(r"\s*\(?(?:gis-service [\w-]+|\S*scripts/[\w./-]+\.py)\)?")
#: layers the catalog lists that are the service's own working copies, not published
HIDDEN = frozenset({"zones_repaired"})


def reader_source(source: str, illustrative: bool, titles: LayerTitles) -> tuple[str, str]:
    """A layer's source in Vietnamese and in English, for a reader."""
    text = str(source or "").strip()
    if text.lower().startswith("computed"):
        named = [n for n in dict.fromkeys(_NAME.findall(text)) if n in titles]
        rules = "plan.yaml" in text
        vi = "Tính toán từ " + ", ".join([titles.title(n, "vi") for n in named]
                                         + (["tệp chỉ tiêu và quy tắc của quy hoạch"] if rules else []))
        en = "Computed from " + ", ".join([titles.title(n, "en") for n in named]
                                          + (["the plan's targets and rules file"] if rules else []))
        return vi, en
    if illustrative:
        plan = " (theo Kế hoạch 26-KH/ĐU)" if "26-KH" in text else ""
        plan_en = " (after action plan 26-KH/ĐU)" if plan else ""
        return TEAM_VI + plan, TEAM_EN[0].upper() + TEAM_EN[1:] + plan_en
    cleaned = _SCRIPT.sub("", text).strip(" ;,")
    return cleaned, cleaned


def provenance_rows(catalog_records: list[dict], titles: LayerTitles) -> list[dict]:
    """The provenance table: each published layer's titles, reader's source, licence, mark."""
    rows = []
    for c in catalog_records:
        if c["name"] in HIDDEN:
            continue
        illustrative = bool(c.get("illustrative"))
        vi, en = reader_source(c.get("source", ""), illustrative, titles)
        licence = str(c.get("licence") or "")
        if licence == "project":
            licence = "Nhóm dự án / project team"
        rows.append({"name": c["name"], "title_vi": c["title_vi"], "title_en": c["title_en"],
                     "source_vi": vi, "source_en": en, "licence": licence, "illustrative": illustrative})
    return rows
