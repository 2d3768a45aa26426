/* Public display: cycles through the zones and the target summary, read-only; a slide whose list
   does not fit the panel is paged, never cut; ?slide=N starts at slide N and the arrow keys step.
   Polls /healthz and reloads when the server comes back or the data change. Plain Leaflet, no
   network beyond this server. */
"use strict";

function verdict(passed) {
  return passed ? h("span", {class: "ok"}, "ĐẠT ", h("span", {class: "en"}, "/ PASS"))
                : h("span", {class: "ko"}, "KHÔNG ĐẠT ", h("span", {class: "en"}, "/ FAIL"));
}

function en(text) {
  return h("span", {class: "en"}, text);
}

/* A slide as parts the cycle can page: ``head`` (made anew for each page), ``items`` (one node each,
   as many per page as fit), ``wrap`` (puts a page's items in their list or table), ``tail`` (after the
   last item). */
function zoneSlide(z, data) {
  function name() {
    return [h("div", {class: "top"}, z.illustrative ? h("span", {class: "mh"}, data.illustrative_mark) : null),
            h("h2", null, z.name_vi, en(z.name_en))];
  }
  var rules = z.failed_rules.map(function (r) {
    return h("li", {"data-rule": r.rule_id}, h("b", null, r.rule_id), " " + r.title_vi + " ", en("/ " + r.title_en));
  });
  return {
    head: function () {
      var swatch = h("span", {class: "swatch"});
      swatch.style.background = z.color;
      return name().concat([
        h("div", {class: "kind"}, swatch, z.kind_vi, " ", en("/ " + z.kind_en)),
        h("div", {class: "row"}, "Mã vùng ", en("/ zone"), ": ", h("b", null, z.id), " · Loại đất ",
          en("/ land use"), ": ", h("b", null, z.landuse)),
        h("div", {class: "big zone-area"}, formatNumber(z.area_ha, z.area_ha < 1 ? 4 : 1) + " ha"),  // a parcel: 0,0222 ha, not 0,0
        h("div", {class: "note"}, "diện tích phẳng VN-2000, chính thức ", en("/ official planar area, " + data.crs)),
        z.target ? h("div", {class: "row"}, "Chỉ tiêu cả loại ", en("/ whole-kind target"), ": ",
          h("b", null, z.target.target), " · đo được ", en("/ measured"),
          " " + formatNumber(z.target.measured_ha, 2) + " ha · ", verdict(z.target.passed)) : null,
        rules.length ? h("div", {class: "row ko"}, "Chưa đạt ", en("/ not met"), ":")
                     : h("div", {class: "row"}, "Các quy tắc ", en("/ rules"), ": ", verdict(true))]);
    },
    more: function () {
      return name().concat([h("div", {class: "row ko"}, "Chưa đạt (tiếp) ", en("/ not met (continued)"), ":")]);
    },
    items: rules,
    wrap: function (items) { return h("ul", {class: "rules"}, items); },
    tail: []
  };
}

function targetsShown(more) {
  // a per-parcel target names too many zones for the screen: how many of how many are listed
  if (!more) return null;
  return h("div", {class: "row targets-shown"}, "Chỉ tiêu theo từng vùng: hiển thị " + formatNumber(more.shown, 0) + "/" +
    formatNumber(more.total, 0) + " (" + formatNumber(more.failed, 0) + " không đạt; đủ trong báo cáo) ",
    en("/ single-zone targets: " + more.shown.toLocaleString("en") + " of " + more.total.toLocaleString("en") +
       " shown (" + more.failed.toLocaleString("en") + " failing; all in the report)"));
}

function summarySlide(data) {
  // a target: what it is about on a line of its own (the full width), then its figures
  var rows = data.targets.map(function (t) {
    return h("tbody", {"data-rule": t.rule_id},
      h("tr", {class: "subject"}, h("td", {colspan: "3"}, t.subject_vi, " ", en("/ " + t.subject_en))),
      h("tr", null, h("td", {class: "num"}, formatNumber(t.measured_ha, 2) + "\u00a0ha"), h("td", {class: "num"}, t.target),
        h("td", null, verdict(t.passed))));
  });
  var illustrative = data.sources.filter(function (s) { return s.illustrative; })
    .map(function (s) { return s.title_vi; }).join("; ");
  function title(more) {
    return [h("div", {class: "top"}), h("h2", null, "Chỉ tiêu diện tích" + (more ? " (tiếp)" : ""),
              en("Hectare targets" + (more ? " (continued)" : "")))];
  }
  return {
    head: function () { return title(false); },
    more: function () { return title(true); },
    items: rows,
    wrap: function (items) {
      return h("table", null, h("colgroup", null, h("col", {class: "measured"}), h("col", {class: "target"}), h("col")),
        h("thead", null, h("tr", null, h("th", {class: "num"}, "Đo được ", en("/ measured")),
          h("th", {class: "num"}, "Chỉ tiêu ", en("/ target")), h("th", null, "Kết quả ", en("/ result")))), items);
    },
    tail: [targetsShown(data.targets_more),
           h("div", {class: "row"}, "Quy tắc đạt ", en("/ rules met"), ": ",
             h("b", null, (data.rules_total - data.rules_failed) + "/" + data.rules_total)),
           h("div", {class: "note"}, data.illustrative_mark + ": " + illustrative)].filter(Boolean)
  };
}

/* The slide's pages: as many items on each as the panel shows without overflowing; the tail on the
   last page, or on a page of its own when it does not fit there. A head too tall for the panel on its
   own is set in the compact type (the whole slide, so its pages match). Measured in the panel itself. */
function paginate(panel, slide) {
  function fits(nodes) {
    panel.replaceChildren();
    appendTo(panel, nodes);
    return panel.scrollHeight <= panel.clientHeight && panel.scrollWidth <= panel.clientWidth;
  }
  function compose(head, items, tail) {
    return withMarker(head, pageMarker(99, 99)).concat(items.length ? [slide.wrap(items)] : [], tail);
  }
  panel.classList.remove("compact");
  var compact = !fits(compose(slide.head(), [], slide.items.length ? [] : slide.tail));
  panel.classList.toggle("compact", compact);
  var pages = [], queue = slide.items.slice(), head = slide.head(), first = true;
  for (;;) {
    var taken = [];
    while (queue.length && fits(compose(head, taken.concat([queue[0]]), []))) taken.push(queue.shift());
    if (!taken.length && queue.length && !first) taken.push(queue.shift());  // cannot fit better: shown, never dropped
    if (!queue.length) {
      if (fits(compose(head, taken, slide.tail)) || !slide.tail.length) {
        pages.push({head: head, items: taken, tail: slide.tail});
        break;
      }
      pages.push({head: head, items: taken, tail: []});
      pages.push({head: slide.more(), items: [], tail: slide.tail});
      break;
    }
    pages.push({head: head, items: taken, tail: []});
    head = slide.more();
    first = false;
  }
  panel.classList.remove("compact");
  return pages.map(function (p, i) {
    return {compact: compact, nodes: withMarker(p.head, pages.length > 1 ? pageMarker(i + 1, pages.length) : null)
      .concat(p.items.length ? [slide.wrap(p.items)] : [], p.tail)};
  });
}

/* The head with the page marker in its top row (the head's first node). */
function withMarker(head, marker) {
  var top = head[0];
  Array.prototype.slice.call(top.querySelectorAll(".page")).forEach(function (old) { old.remove(); });
  if (marker) top.appendChild(marker);
  return head;
}

function pageMarker(n, of) {
  return h("div", {class: "page"}, "Trang " + n + "/" + of + " ", en("/ page " + n + " of " + of));
}

/* "05:52 · 24/11/2026": the commune's local time (Asia/Ho_Chi_Minh) whatever the machine's zone. */
var LOCAL_CLOCK = new Intl.DateTimeFormat("vi-VN", {timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit",
  day: "2-digit", month: "2-digit", year: "numeric", hourCycle: "h23"});

function localClock(date) {
  var part = {};
  LOCAL_CLOCK.formatToParts(date).forEach(function (p) { part[p.type] = p.value; });
  return part.hour + ":" + part.minute + " · " + part.day + "/" + part.month + "/" + part.year;
}

function drawMap(data) {
  var map = L.map("map", {zoomControl: false, attributionControl: false, dragging: false, scrollWheelZoom: false,
                          doubleClickZoom: false, boxZoom: false, keyboard: false, touchZoom: false,
                          zoomSnap: 0.25, fadeAnimation: false, zoomAnimation: false});
  var styles = data.styles;  // the planner map's styles, heavier lines (gis_service/web/styles.py)
  var colours = {};
  data.zones.forEach(function (z) { colours[z.id] = z.color; });
  var zonesLayer = L.geoJSON(data.zones_geojson, {style: function (f) {
    return {color: "#333", weight: 2, fillColor: colours[f.properties.id], fillOpacity: 0.85};
  }}).addTo(map);
  if (data.zones_tiles) vectorTiles(map, data.zones_tiles, {style: {weight: 2, fillOpacity: 0.85}, interactive: false}).addTo(map);
  ["thac_mo_lake", "residential", "road_ql14", "commune_boundary"].forEach(function (name) {
    if (data.layers[name]) L.geoJSON(data.layers[name], {style: styles[name]}).addTo(map);
  });
  if (data.layers.commune_seat) {
    L.geoJSON(data.layers.commune_seat, {pointToLayer: function (f, ll) {
      return L.circleMarker(ll, {radius: 11, color: "#fff", weight: 3, fillColor: data.point_colours.commune_seat, fillOpacity: 1});
    }}).addTo(map);
  }
  var whole = zonesLayer.getBounds().extend(L.geoJSON(data.layers.commune_boundary).getBounds());
  map.fitBounds(whole, {padding: [20, 20]});
  return {zones: zonesLayer, refit: function () { map.invalidateSize(); map.fitBounds(whole, {padding: [20, 20]}); }};
}

function startDisplay(data, options) {
  paintSwatches(document.getElementById("legend"));
  var drawn = drawMap(data), zonesLayer = drawn.zones;
  var panel = document.getElementById("panel");
  var parts = data.zones.map(function (z) { return {id: z.id, zone: z, parts: zoneSlide(z, data)}; })
    .concat([{id: "summary", parts: summarySlide(data)}]);
  // the cycle's pages, measured for the screen as it is now
  function paged() {
    var slides = [];
    parts.forEach(function (s) {
      paginate(panel, s.parts).forEach(function (page, i, all) {
        slides.push({id: s.id, zone: s.zone, nodes: page.nodes, compact: page.compact, page: (i + 1) + "/" + all.length});
      });
    });
    document.body.setAttribute("data-slide-count", String(slides.length));
    document.body.setAttribute("data-screen", window.innerWidth + "x" + window.innerHeight);
    return slides;
  }
  var slides = paged();
  var progress = document.getElementById("progress");
  var index = 0, timer = null;

  function show(i) {
    index = ((i % slides.length) + slides.length) % slides.length;
    var slide = slides[index];
    zonesLayer.eachLayer(function (layer) {
      var on = slide.zone && layer.feature.properties.id === slide.id;
      layer.setStyle({weight: on ? 6 : 2, color: on ? "#000" : "#333",
                      fillOpacity: slide.zone ? (on ? 0.95 : 0.35) : 0.85});
      if (on) layer.bringToFront();
    });
    panel.classList.toggle("compact", slide.compact);
    panel.replaceChildren();
    appendTo(panel, slide.nodes);
    document.body.setAttribute("data-slide", slide.id);
    document.body.setAttribute("data-slide-index", String(index + 1));
    document.body.setAttribute("data-slide-page", slide.page);
    progress.style.transition = "none";
    progress.style.width = "0";
    void progress.offsetWidth;
    progress.style.transition = "width " + options.intervalMs + "ms linear";
    progress.style.width = "100%";
    clearTimeout(timer);
    timer = setTimeout(function () { show(index + 1); }, options.intervalMs);
  }
  // a screen that changes size (a browser going full screen after loading) gets its pages anew,
  // the slide on show kept
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      var on = slides[index].id;
      drawn.refit();
      slides = paged();
      show(slides.findIndex(function (s) { return s.id === on; }));
    }, 250);
  });
  // the office staff step through the cycle with the arrow keys (or a remote's page keys)
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight" || e.key === "PageDown") show(index + 1);
    else if (e.key === "ArrowLeft" || e.key === "PageUp") show(index - 1);
  });
  show(options.start - 1);

  var clock = document.getElementById("clock");
  function tick() { clock.textContent = localClock(new Date()); }
  tick();
  setInterval(tick, 10000);
  watchServer(options.healthMs || 5000);
  markReady();
}

/* Poll /healthz: show a notice while the server is away, reload when it is back or when the
   store's version changes (new data). */
function watchServer(everyMs) {
  var offline = document.getElementById("offline");
  var lost = false, version = null, inFlight = false, reloading = false;
  function poll() {
    if (inFlight || reloading) return;  // one poll at a time, and one reload
    inFlight = true;
    // a server that hangs (or a half-open connection) must count as away: give up in time
    var abort = new AbortController();
    var timer = setTimeout(function () { abort.abort(); }, Math.max(everyMs, 2000));
    fetch("/healthz", {cache: "no-store", signal: abort.signal}).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (h) {
      if (lost || (version !== null && h.version !== version)) {
        // reload only once the page itself answers: a reload that fails leaves the browser's
        // error page on the office screen, with no script left to recover it
        reloading = true;
        return fetch(window.location.href, {cache: "no-store"}).then(function (page) {
          if (page.ok) window.location.reload(); else reloading = false;
        });
      }
      version = h.version;
    }).catch(function () {
      lost = true;
      reloading = false;
      offline.hidden = false;
    }).finally(function () {
      clearTimeout(timer);
      inFlight = false;
    });
  }
  setInterval(poll, everyMs);
  poll();
}

startDisplay(readJson("payload"), {intervalMs: Number(document.body.dataset.intervalMs),
                                   healthMs: Number(document.body.dataset.healthMs),
                                   start: Number(document.body.dataset.start)});
