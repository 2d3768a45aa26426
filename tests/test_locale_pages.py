"""Every page, crawled with Flask's test client from the navigation: its Vietnamese text never
carries an internal name (a store layer such as residential or thac_mo_lake, or a status id such
as draft) nor an English-style number; every page is lang="vi" with an h1 and a favicon. What
counts as Vietnamese text: text outside elements marked English (lang="en", class="en", <small>
subtitles), before the first " / " (Vietnamese comes first); in a page's scripts, the strings
that hold Vietnamese letters (map popups, the display's data)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

VIETNAMESE = re.compile(r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I)
#: English-style numbers: 1,541.4 and 12.5 ha (Vietnamese: 1.541,4 and 12,5 ha)
ENGLISH_NUMBER = re.compile(r"\d,\d{3}(?:,\d{3})*\.\d|(?<![\d.,])\d+\.\d{1,2}(?!\d)\s?(?:ha|m²|km|m)\b")
STATUS_IDS = ("draft", "approved", "superseded")
SKIPPED_TAGS = {"script", "style", "code", "pre", "small", "title"}
START = ["/", "/dashboard", "/report", "/report?period=year", "/display", "/tra-cuu",
         "/tra-cuu?q=sau+rieng", "/downloads/", "/ogcapi?f=html", "/chia-se",
         "/dang-nhap"]
NOT_PAGES = re.compile(r"\.(gpkg|geojson|zip|pdf|json|txt|svg|png|js|css)(\?|$)|[?&]f=json")
MAX_PAGES = 150
#: of one collection's features, a few pages are enough
ITEMS_PER_COLLECTION = 3


class PageText(HTMLParser):
    """The Vietnamese text nodes of a page, its scripts, its lang, h1, icon links and links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, English or skipped)
        self.texts: list[str] = []
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.lang = None
        self.h1 = 0
        self.icon = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        self.h1 += tag == "h1"
        if tag == "link" and "icon" in (a.get("rel") or "").split():
            self.icon = True
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in {"br", "img", "input", "meta", "link", "hr", "col", "source", "area", "wbr"}:
            return
        english = (a.get("lang") == "en" or "en" in (a.get("class") or "").split() or tag in SKIPPED_TAGS
                   or (a.get("type") or "") == "application/json")
        inherited = bool(self.stack and self.stack[-1][1])
        self.stack.append((tag, english or inherited))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] == "script":
            self.scripts.append(data)
        elif self.stack and self.stack[-1][0] == "title":
            self.texts.append(data)
        elif data.strip() and not (self.stack and self.stack[-1][1]):
            self.texts.append(data)


def vietnamese_part(text: str) -> str:
    return " ".join(text.split(" / ")[0].split())


def script_strings(script: str) -> list[str]:
    """The strings of a script that hold Vietnamese text (popups, display data), HTML or not;
    the values of English keys (message_en, name_en …) are left out."""
    out = []
    script = re.sub(r'"\w+_en"\s*:\s*"(?:[^"\\]|\\.)*"', "", script)
    for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', script):
        try:
            value = json.loads(f'"{literal}"')
        except ValueError:
            continue
        if not VIETNAMESE.search(value):
            continue
        if "<" in value:
            inner = PageText()
            inner.feed(value)
            out += inner.texts
        else:
            out.append(value)
    return out


def problems(text: str, names: set[str]) -> list[str]:
    part = vietnamese_part(text)
    found = [n for n in names if re.search(rf"(?<![\w./-]){re.escape(n)}(?![\w-])", part)]  # not in a path
    found += [m.group(0) for m in ENGLISH_NUMBER.finditer(part)]
    return found


@pytest.fixture
def crawl(client, app):
    """Every page reachable from START within the app, with its parsed text."""
    seen, queue, pages, items = set(), list(START), {}, {}
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        feature = re.match(r"/ogcapi/collections/([^/]+)/items/", path)
        if feature:
            items[feature.group(1)] = items.get(feature.group(1), 0) + 1
            if items[feature.group(1)] > ITEMS_PER_COLLECTION:
                continue
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parsed = PageText()
        parsed.feed(response.get_data(as_text=True))
        pages[path] = parsed
        for href in parsed.links:
            target = urljoin("http://localhost" + path, href)
            parts = urlsplit(target)
            # the planner map's ?rule=… and ?plot=… links show the same page, zoomed
            same_map = parts.path == "/" and parts.query
            if parts.netloc == "localhost" and not NOT_PAGES.search(target) and not parts.fragment and not same_map:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return pages


def test_no_internal_name_or_english_number_in_vietnamese_text(crawl, app):
    names = set(app.config["STORE"].layer_names()) | set(STATUS_IDS)
    assert {"residential", "thac_mo_lake", "road_ql14", "commune_seat", "remaining_land"} <= names
    assert len(crawl) >= 30, sorted(crawl)
    found = {}
    for path, page in crawl.items():
        texts = page.texts + [s for script in page.scripts for s in script_strings(script)]
        bad = [(vietnamese_part(t)[:120], p) for t in texts for p in problems(t, names)]
        if bad:
            found[path] = bad[:5]
    assert found == {}


#: pages that have no heading by design: none (the office display's title is its h1).
#: /favicon.ico serves the icon to any page that does not name one.
LEFT_FOR_LATER: tuple[str, ...] = ()


def test_every_page_is_vietnamese_with_a_heading_and_an_icon(crawl, client):
    assert {"/tra-cuu", "/chia-se", "/downloads/", "/report", "/dashboard", "/ogcapi/collections?f=html"} <= set(crawl)
    checked = 0
    for path, page in crawl.items():
        if path in LEFT_FOR_LATER:
            continue
        checked += 1
        assert page.lang == "vi", path
        assert page.h1 == 1, path
        assert page.icon, path
    assert checked >= 30
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
