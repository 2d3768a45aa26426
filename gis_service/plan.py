"""The plan file (layers/plan.yaml): zone kinds, the plan CRS and the rules, checked by a schema."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from .config import Strict, parse, parse_yaml
from .crs import PLAN_CRSS
from .errors import InputError


class ZoneKind(Strict):
    name_vi: str
    name_en: str
    landuse: list[str] = Field(min_length=1)  # Thông tư 08/2024/TT-BTNMT land-category codes
    color: str = Field(pattern=r"^#[0-9a-fA-F]{6}$")


class Rule(Strict):
    id: str
    check: str
    title_vi: str
    title_en: str
    zones: list[str] | Literal["all"] = "all"
    params: dict[str, Any] = Field(default_factory=dict)


class Plan(Strict):
    name_vi: str
    name_en: str
    crs: Literal[PLAN_CRSS]  # type: ignore[valid-type]
    zone_kinds: dict[str, ZoneKind]
    remaining: ZoneKind
    rules: list[Rule]

    def kinds_of(self, rule: Rule) -> list[str]:
        return list(self.zone_kinds) if rule.zones == "all" else list(rule.zones)


def load_plan(path: Path, layer_names: set[str] | None = None) -> Plan:
    """Load and check the plan file: schema, unknown zone kinds, unknown checks and their params."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    return parse_plan(text, str(path), layer_names)


def parse_plan(text: str, file: str, layer_names: set[str] | None = None) -> Plan:
    """Check a plan's YAML text (a file's, or the one kept with a store version)."""
    from .rules import CHECKS  # the registry; imported here to keep plan.py free of geometry

    plan = parse_yaml(text, Plan, file)
    seen: set[str] = set()
    for rule in plan.rules:
        if rule.id in seen:
            raise InputError("rule id used twice", file=file, feature=f"'{rule.id}'", field="id")
        seen.add(rule.id)
        if rule.check not in CHECKS:
            raise InputError(f"unknown check {rule.check!r}; known: {', '.join(sorted(CHECKS))}",
                             file=file, feature=f"'{rule.id}'", field="check")
        for kind in ([] if rule.zones == "all" else rule.zones):
            _known_kind(plan, kind, file, rule.id, "zones")
        params = parse_params(rule, file)
        for kind in _kinds_named_in(params):
            _known_kind(plan, kind, file, rule.id, "params")
        for key in ("layer", "register", "raster"):  # the catalog entries a check asks for
            layer = getattr(params, "register_name" if key == "register" else key, None)
            if layer_names is not None and layer and layer not in layer_names:
                raise InputError(f"unknown {key} {layer!r}; known: {', '.join(sorted(layer_names))}",
                                 file=file, feature=f"'{rule.id}'", field=f"params.{key}")
    return plan


def parse_params(rule: Rule, file: str = "plan"):
    from .rules import CHECKS

    try:
        return parse(rule.params, CHECKS[rule.check].params, file)
    except InputError as err:
        raise InputError(err.message, file=file, feature=f"'{rule.id}'",
                         field=f"params.{err.field}" if err.field else "params") from None


def _kinds_named_in(params) -> list[str]:
    pairs = getattr(params, "allowed", None) or []
    return [k for pair in pairs for k in pair]


def _known_kind(plan: Plan, kind: str, file: str, rule_id: str, field: str) -> None:
    if kind not in plan.zone_kinds:
        raise InputError(f"unknown zone kind {kind!r}; known: {', '.join(plan.zone_kinds)}",
                         file=file, feature=f"'{rule_id}'", field=field)
