"""Inline SVG charts (no JavaScript, no CDN): measured hectares against the target band."""

from __future__ import annotations

from markupsafe import Markup, escape

from ..l10n import number
from .plandata import TargetRow, verdict

OK, KO, BAND = "#1e8a3c", "#c8102e", "#cfe3f5"


def targets_chart(rows: list[TargetRow], *, width: int = 900, bar_h: int = 34, font: int = 14) -> Markup:
    """One horizontal bar per target: the measured area, the target band behind it, the bounds
    marked. Labels in Vietnamese, English beside them."""
    if not rows:
        return Markup("")
    label_w, pad = int(width * 0.42), 10
    plot_w = width - label_w - 90
    top = max(max(r.measured_ha, r.max_ha or 0, r.min_ha or 0) for r in rows) * 1.15 or 1
    x = lambda v: label_w + plot_w * (v / top)  # noqa: E731
    row_h = bar_h + 26
    height = pad * 2 + row_h * len(rows) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" font-family="Noto Sans, DejaVu Sans, Arial" '
             f'font-size="{font}"><title>Chỉ tiêu diện tích / Hectare targets</title>']
    for i, r in enumerate(rows):
        y = pad + i * row_h
        lo, hi = r.min_ha or 0.0, r.max_ha if r.max_ha is not None else top
        parts.append(f'<rect x="{x(lo):.1f}" y="{y}" width="{x(hi) - x(lo):.1f}" height="{bar_h}" '
                     f'fill="{BAND}"/>')
        colour = OK if r.passed else KO
        parts.append(f'<rect class="bar" data-rule="{escape(r.rule_id)}" x="{label_w}" y="{y + 6}" '
                     f'width="{x(r.measured_ha) - label_w:.1f}" height="{bar_h - 12}" fill="{colour}"/>')
        for bound in (r.min_ha, r.max_ha):
            if bound is not None:
                parts.append(f'<line x1="{x(bound):.1f}" x2="{x(bound):.1f}" y1="{y - 2}" '
                             f'y2="{y + bar_h + 2}" stroke="#12355b" stroke-width="2" stroke-dasharray="4 3"/>')
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h / 2 - 2}" text-anchor="end">'
                     f'{escape(r.rule_id)} · {escape(_short(r.subject_vi))}</text>')
        parts.append(f'<text x="{label_w - 8}" y="{y + bar_h / 2 + font}" text-anchor="end" '
                     f'font-size="{font - 3}" fill="#555">{escape(_short(r.subject_en))}</text>')
        parts.append(f'<text x="{x(r.measured_ha) + 6:.1f}" y="{y + bar_h / 2 + 5}" fill="{colour}" '
                     f'font-weight="700">{escape(number(r.measured_ha, 2))} ha</text>')
        parts.append(f'<text x="{label_w}" y="{y + bar_h + 16}" font-size="{font - 2}" fill="#333">'
                     f'Chỉ tiêu / Target {escape(r.target)} — {verdict(r.passed)}</text>')
    axis_y = height - 12
    for k in range(5):
        v = top * k / 4
        parts.append(f'<text x="{x(v):.1f}" y="{axis_y}" font-size="{font - 3}" fill="#555" '
                     f'text-anchor="middle">{escape(number(v, 0))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
