"""The office display (/display) at 1920×1080 in Debian's Chromium, stepped through EVERY state of
its cycle with the arrow keys the office staff use: nothing overflows its region or the screen, the
illustrative banner is inside the screen, every visible text has a contrast of at least 4.5:1 (WCAG
relative luminance, computed here from the colours Chromium computed), the footer's text is at least
28 px, the legend names every zone kind of the plan, the clock shows the commune's local time.

Run on the shipped store and on a store whose plan has many more failing rules and targets (built in
a temporary folder), so that the long lists go onto further pages of the cycle."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from browser_helpers import PageRecorder, browser, live_server  # noqa: F401  (fixtures)
from gis_service.build import build_store
from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.store import GeoPackageStore
from gis_service.web.serve import BackgroundServer
from web_expected import plan_yaml, source_zones

SCREEN = {"width": 1920, "height": 1080}
REGIONS = ("header", "#illustrative-banner", "#legend", "#map", "#panel", "footer")
#: extra rules of the many-violations plan: each fails on every zone (no zone is a million hectares)
EXTRA_FAILING = [f"RX{i:02d}" for i in range(1, 13)]

#: what the page tells about its layout: each region's box and overflow, each visible text run's
#: box, colour, font size and the backgrounds behind it (from the element up to the first opaque one)
MEASURE = """() => {
  const regions = {};
  for (const sel of %s) {
    const el = document.querySelector(sel);
    if (!el) continue;
    const r = el.getBoundingClientRect();
    regions[sel] = {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                    scrollHeight: el.scrollHeight, clientHeight: el.clientHeight,
                    scrollWidth: el.scrollWidth, clientWidth: el.clientWidth};
  }
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || el.closest('script, #map')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = Array.from(range.getClientRects()).filter(r => r.width > 0 && r.height > 0);
    const style = getComputedStyle(el);
    if (!rects.length || style.visibility !== 'visible' || el.closest('[hidden]')) continue;
    const backgrounds = [];
    for (let a = el; a; a = a.parentElement) {
      const bg = getComputedStyle(a).backgroundColor;
      backgrounds.push(bg);
      if (/^rgb\\(/.test(bg)) break;  // opaque: nothing behind it shows through
    }
    const region = %s.find(sel => el.closest(sel));
    texts.push({text: node.textContent.trim().slice(0, 60), color: style.color, size: parseFloat(style.fontSize),
                number: !!el.closest('td.num, .zone-area'),
                backgrounds, region: region || null,
                rects: rects.map(r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))});
  }
  return {regions, texts, page: {scrollWidth: document.documentElement.scrollWidth,
                                 scrollHeight: document.documentElement.scrollHeight}};
}""" % (list(REGIONS), list(REGIONS))


def _rgba(css: str) -> tuple[float, float, float, float]:
    values = [float(v) for v in re.findall(r"[\d.]+", css)]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def _over(top: tuple, bottom: tuple) -> tuple:
    """``top`` (r, g, b, alpha) painted over an opaque ``bottom`` colour."""
    a = top[3]
    return tuple(top[i] * a + bottom[i] * (1 - a) for i in range(3)) + (1.0,)


def _luminance(rgb: tuple) -> float:
    """WCAG 2 relative luminance of an sRGB colour (0–255 channels)."""
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(text: dict) -> float:
    """The contrast ratio of a text run against what lies behind it (the canvas is white)."""
    behind = (255.0, 255.0, 255.0, 1.0)
    for bg in reversed(text["backgrounds"]):  # from the opaque one outwards in
        behind = _over(_rgba(bg), behind)
    fore = _over(_rgba(text["color"]), behind)
    light, dark = sorted((_luminance(fore), _luminance(behind)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _inside(rect: dict, box: dict, slack: float = 0.5) -> bool:
    return (rect["left"] >= box["left"] - slack and rect["top"] >= box["top"] - slack
            and rect["right"] <= box["right"] + slack and rect["bottom"] <= box["bottom"] + slack)


def layout_problems(measured: dict) -> list[str]:
    """Everything a person would see as wrong: cut text, a region off the screen, low contrast, a
    small footer."""
    problems = []
    screen = {"left": 0, "top": 0, "right": SCREEN["width"], "bottom": SCREEN["height"]}
    regions = measured["regions"]
    problems += [f"{name} is missing" for name in REGIONS if name not in regions]
    for name, box in regions.items():
        if not _inside(box, screen):
            problems.append(f"{name} reaches outside the screen: {box}")
        scrolls = box["scrollHeight"] > box["clientHeight"] + 1 or box["scrollWidth"] > box["clientWidth"] + 1
        if scrolls and name != "#map":  # Leaflet's panes reach past the map, which clips them
            problems.append(f"{name} overflows: scroll {box['scrollWidth']}×{box['scrollHeight']} in "
                            f"{box['clientWidth']}×{box['clientHeight']}")
    for upper, lower in (("header", "#illustrative-banner"), ("#illustrative-banner", "#panel"),
                         ("#illustrative-banner", "#legend"), ("#panel", "footer"), ("#legend", "footer"),
                         ("#map", "footer")):
        if upper in regions and lower in regions and regions[upper]["bottom"] > regions[lower]["top"] + 0.5:
            problems.append(f"{upper} runs under {lower}")
    if measured["page"]["scrollWidth"] > SCREEN["width"] or measured["page"]["scrollHeight"] > SCREEN["height"]:
        problems.append(f"the page scrolls: {measured['page']}")
    for text in measured["texts"]:
        box = regions.get(text["region"], screen)
        if not all(_inside(r, box) and _inside(r, screen) for r in text["rects"]):
            problems.append(f"text {text['text']!r} is cut (outside {text['region'] or 'the screen'})")
        if text["number"] and len({round(r["top"]) for r in text["rects"]}) > 1:
            problems.append(f"number {text['text']!r} broken across lines")
        ratio = contrast(text)
        if ratio < 4.5:
            problems.append(f"text {text['text']!r}: contrast {ratio:.2f}:1 ({text['color']} on {text['backgrounds']})")
        if text["region"] == "footer" and text["size"] < 28:
            problems.append(f"footer text {text['text']!r} is {text['size']} px")
    return problems


def step_through_cycle(page: PageRecorder, url: str | None, shots: str | None = None) -> list[dict]:
    """Open the display at its first slide (or take it as it is, at its first slide) and press →
    through every state until the cycle is back at the first; the state, the panel's rules and
    target rows, and the layout problems of each."""
    p = page.page
    if url:
        p.goto(url + "/display?interval=600&health=600")
        p.wait_for_selector("body[data-ready='1']", timeout=15_000)
    count = int(p.get_attribute("body", "data-slide-count"))
    states = []
    for index in range(1, count + 1):
        assert p.get_attribute("body", "data-slide-index") == str(index)
        states.append({"slide": p.get_attribute("body", "data-slide"), "page": p.get_attribute("body", "data-slide-page"),
                       "rules": p.eval_on_selector_all("#panel ul.rules li", "els => els.map(e => e.dataset.rule)"),
                       "targets": p.eval_on_selector_all("#panel table [data-rule]", "els => els.map(e => e.dataset.rule)"),
                       "problems": layout_problems(p.evaluate(MEASURE))})
        if shots:
            page.screenshot(f"{shots}-{index:02d}-{states[-1]['slide']}")
        p.keyboard.press("ArrowRight")
    assert p.get_attribute("body", "data-slide-index") == "1", "the cycle wraps to its first state"
    return states


def _assert_every_state_fits(states: list[dict]) -> None:
    zones = set(source_zones())
    assert {s["slide"] for s in states} == zones | {"summary"}, "every zone and the targets are in the cycle"
    bad = {f"{i + 1} {s['slide']} {s['page']}": s["problems"] for i, s in enumerate(states) if s["problems"]}
    assert bad == {}


@pytest.fixture
def display(browser):  # noqa: F811
    recorder = PageRecorder(browser, viewport=SCREEN)
    yield recorder
    recorder.close()


def test_every_state_of_the_shipped_plan_fits_the_screen(display, live_server):  # noqa: F811
    states = step_through_cycle(display, live_server.url, shots="display-1920x1080")
    _assert_every_state_fits(states)
    assert display.console_errors == [] and display.foreign_requests == []
    assert display.csp_violations() == []


def test_a_screen_that_changes_size_gets_its_pages_anew(browser, live_server):  # noqa: F811
    """Loaded in a larger window (a browser's default size before the kiosk mode sets the screen's),
    then 1920×1080: the pages are measured anew and every state fits."""
    page = PageRecorder(browser, viewport={"width": 2560, "height": 1440})
    try:
        p = page.page
        p.goto(live_server.url + "/display?interval=600&health=600")
        p.wait_for_selector("body[data-ready='1'][data-screen='2560x1440']", timeout=15_000)
        p.set_viewport_size(SCREEN)
        p.wait_for_selector("body[data-screen='1920x1080']", timeout=5_000)
        assert p.get_attribute("body", "data-slide") == "TT-01"  # the slide on show is kept
        _assert_every_state_fits(step_through_cycle(page, None))
    finally:
        page.close()


def test_legend_names_every_zone_kind_of_the_plan(display, live_server):  # noqa: F811
    plan = plan_yaml()
    kinds = {z["kind"] for z in source_zones().values()}
    p = display.page
    p.goto(live_server.url + "/display?interval=600&health=600")
    p.wait_for_selector("body[data-ready='1']", timeout=15_000)
    shown = p.eval_on_selector_all("#legend li[data-kind]", """els => els.map(e => ({kind: e.dataset.kind,
        text: e.innerText, fill: getComputedStyle(e.querySelector('.swatch')).backgroundColor}))""")
    assert {s["kind"] for s in shown} == kinds
    for s in shown:
        spec = plan["zone_kinds"][s["kind"]]
        assert spec["name_vi"] in s["text"] and spec["name_en"] in s["text"]
        assert s["kind"] not in s["text"]  # names, never internal ids
        hex_colour = spec["color"].lstrip("#")
        assert _rgba(s["fill"])[:3] == tuple(float(int(hex_colour[i:i + 2], 16)) for i in (0, 2, 4))
    legend = p.locator("#legend").inner_text()
    assert not any(zone_id in legend for zone_id in source_zones())


def test_clock_shows_the_commune_time_whatever_the_machine_zone(browser, live_server):  # noqa: F811
    """A screen set to another time zone (New York here) still shows Asia/Ho_Chi_Minh, 24 h,
    dd/mm/yyyy."""
    page = PageRecorder(browser, viewport=SCREEN, timezone_id="America/New_York")
    try:
        before = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
        page.page.goto(live_server.url + "/display?interval=600&health=600")
        page.page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        shown = page.page.locator("#clock").inner_text()
        after = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
        expected = {t.strftime("%H:%M · %d/%m/%Y") for t in (before, after, before + timedelta(seconds=1))}
        assert shown in expected
    finally:
        page.close()


def test_slide_parameter_and_arrow_keys_choose_the_state(display, live_server, client):  # noqa: F811
    p = display.page
    p.goto(live_server.url + "/display?interval=600&health=600&slide=3")
    p.wait_for_selector("body[data-ready='1']", timeout=15_000)
    assert p.get_attribute("body", "data-slide-index") == "3"
    p.keyboard.press("ArrowLeft")
    assert p.get_attribute("body", "data-slide-index") == "2"
    for bad in ("0", "x", "1001", "²", "-1"):
        response = client.get(f"/display?slide={bad}")
        assert response.status_code == 400 and "slide" in response.get_data(as_text=True)


def test_offline_notice_is_legible_and_inside_the_screen(display, live_server):  # noqa: F811
    """The server becomes unreachable (every /healthz refused): the notice appears, every text
    of the screen, the notice's English line included, keeps a contrast of at least 4.5:1."""
    p = display.page
    p.goto(live_server.url + "/display?interval=600&health=0.5")
    p.wait_for_selector("body[data-ready='1']", timeout=15_000)
    p.route("**/healthz", lambda route: route.abort())
    p.wait_for_selector("#offline:not([hidden])", timeout=5_000)
    measured = p.evaluate(MEASURE)
    offline = [t for t in measured["texts"] if "Server unreachable" in t["text"] or "Mất kết nối" in t["text"]]
    assert len(offline) == 2
    assert layout_problems(measured) == []
    display.screenshot("display-1920x1080-offline")


def write_violations_layers(target: Path) -> dict[str, int]:
    """A copy of layers/ at ``target`` whose plan adds twelve rules every zone fails and three
    hectare targets for every kind (the zones' lists and the targets table far longer than a page);
    returns each added target rule with its number of rows (one per kind)."""
    shutil.copytree(PROJECT_ROOT / "layers", target)
    plan = yaml.safe_load((target / "plan.yaml").read_text(encoding="utf-8"))
    for rule_id in EXTRA_FAILING:
        plan["rules"].append({"id": rule_id, "check": "area", "params": {"per": "feature", "min_ha": 1_000_000},
                              "title_vi": f"Mỗi vùng rộng ít nhất một triệu héc-ta (kiểm tra {rule_id})",
                              "title_en": f"Every zone at least a million hectares (check {rule_id})"})
    kinds = sorted({z["kind"] for z in source_zones().values()})
    for n, limit in enumerate((1, 2, 3)):
        plan["rules"].append({"id": f"RT{n}", "check": "area", "zones": kinds,
                              "params": {"per": "kind", "max_ha": limit},
                              "title_vi": f"Mỗi loại vùng không quá {limit} ha",
                              "title_en": f"Each kind of zone at most {limit} ha"})
    (target / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return {f"RT{n}": len(kinds) for n in range(3)}


@pytest.fixture(scope="module")
def violations_server(tmp_path_factory):
    """The many-violations plan built into a store in a temporary folder, served on loopback."""
    root = tmp_path_factory.mktemp("violations")
    target_rules = write_violations_layers(root / "layers")
    store = root / "store.gpkg"
    build_store(Settings(layers_dir=root / "layers", store=store), GeoPackageStore(store))
    server = BackgroundServer(Settings(layers_dir=root / "layers", store=store)).start()
    server.target_rules = target_rules
    yield server
    server.stop()


def test_many_failing_rules_go_onto_further_pages_never_cut(display, violations_server):
    states = step_through_cycle(display, violations_server.url, shots="display-violations")
    _assert_every_state_fits(states)
    for zone_id in source_zones():
        pages = [s for s in states if s["slide"] == zone_id]
        assert len(pages) > 1, f"{zone_id}: twelve more failing rules need more than one page"
        assert [s["page"] for s in pages] == [f"{i}/{len(pages)}" for i in range(1, len(pages) + 1)]
        listed = [rule for s in pages for rule in s["rules"]]
        assert len(listed) == len(set(listed)), f"{zone_id}: a rule listed twice"
        assert set(EXTRA_FAILING) <= set(listed), f"{zone_id}: a failing rule left out"
    summary = [s for s in states if s["slide"] == "summary"]
    assert len(summary) > 1
    rows = [rule for s in summary for rule in s["targets"]]
    for rule_id, kinds in violations_server.target_rules.items():
        assert rows.count(rule_id) == kinds, f"{rule_id}: every kind's row shown once"
    assert display.console_errors == [] and display.foreign_requests == []


def test_a_target_on_single_zones_names_them(violations_server):
    """Targets per zone (the extra rules are per feature) name each zone by its name beside its
    id, read here from the shipped zones file, not by the id alone."""
    from gis_service.web.plandata import load_plan_data

    store = GeoPackageStore(violations_server.app.config["SETTINGS"].store)
    rows = [t for t in load_plan_data(store, store.version()).targets if t.kind is None]
    zones = source_zones()
    assert rows and {t.rule_id for t in rows} == set(EXTRA_FAILING)
    for t in rows:
        (zone_id,) = t.zone_ids
        assert t.subject_vi == f"{zone_id} · {zones[zone_id]['name_vi']}"
        assert t.subject_en == f"{zone_id} · {zones[zone_id]['name_en']}"
