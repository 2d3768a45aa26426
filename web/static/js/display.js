/* Public display: cycles through the zones and the target summary, read-only; polls /healthz
   and reloads when the server comes back or the data change. Plain Leaflet, no network beyond
   this server. */
"use strict";

function verdict(passed) {
  return passed ? h("span", {class: "ok"}, "ĐẠT ", h("span", {class: "en"}, "/ PASS"))
                : h("span", {class: "ko"}, "KHÔNG ĐẠT ", h("span", {class: "en"}, "/ FAIL"));
}

function en(text) {
  return h("span", {class: "en"}, text);
}

function zoneSlide(z, data) {
  var target = z.target ? h("div", {class: "row"}, "Chỉ tiêu cả loại ", en("/ whole-kind target"), ": ",
      h("b", null, z.target.target), " · đo được / measured " + formatNumber(z.target.measured_ha, 2) + " ha · ",
      verdict(z.target.passed)) : null;
  var failed = z.failed_rules.length
    ? h("div", {class: "row ko"}, "Chưa đạt ", en("/ not met"), ": ",
        z.failed_rules.map(function (r) { return r.rule_id + " " + r.title_vi; }).join("; "))
    : h("div", {class: "row"}, "Các quy tắc ", en("/ rules"), ": ", verdict(true));
  var swatch = h("span", {class: "swatch"});
  swatch.style.background = z.color;
  return [z.illustrative ? h("span", {class: "mh"}, data.illustrative_mark) : null,
    h("h2", null, z.name_vi, en(z.name_en)),
    h("div", {class: "kind"}, swatch, z.kind_vi, " ", en("/ " + z.kind_en)),
    h("div", {class: "row"}, "Mã vùng ", en("/ zone"), ": ", h("b", null, z.id), " · Mã loại đất ",
      en("/ land-use code"), ": ", h("b", null, z.landuse)),
    h("div", {class: "big zone-area"}, formatNumber(z.area_ha, 1) + " ha"),
    h("div", {class: "row en"}, "diện tích phẳng VN-2000 (chính thức) / official planar area, " + data.crs),
    target, failed];
}

function summarySlide(data) {
  var rows = data.targets.map(function (t) {
    return h("tr", null, h("td", null, t.subject_vi, h("br"), en(t.subject_en)),
      h("td", {class: "num"}, formatNumber(t.measured_ha, 2) + " ha"), h("td", {class: "num"}, t.target),
      h("td", null, verdict(t.passed)));
  });
  var illustrative = data.sources.filter(function (s) { return s.illustrative; })
    .map(function (s) { return s.title_vi; }).join("; ");
  return [h("h2", null, "Chỉ tiêu diện tích", en("Hectare targets")),
    h("table", null, h("tr", null, h("th", null, "Vùng ", en("/ zone")), h("th", null, "Đo được ", en("/ measured")),
      h("th", null, "Chỉ tiêu ", en("/ target")), h("th")), rows),
    h("div", {class: "row"}, "Quy tắc đạt ", en("/ rules met"), ": ",
      h("b", null, (data.rules_total - data.rules_failed) + "/" + data.rules_total)),
    h("div", {class: "row en"}, data.illustrative_mark + ": " + illustrative)];
}

function startDisplay(data, options) {
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

  var byId = {};
  zonesLayer.eachLayer(function (layer) { byId[layer.feature.properties.id] = layer; });
  var slides = data.zones.map(function (z) { return {id: z.id, zone: z}; });
  slides.push({id: "summary"});
  var panel = document.getElementById("panel");
  var progress = document.getElementById("progress");
  var index = -1;

  function show(i) {
    index = i % slides.length;
    var slide = slides[index];
    zonesLayer.eachLayer(function (layer) {
      var on = slide.zone && layer.feature.properties.id === slide.id;
      layer.setStyle({weight: on ? 6 : 2, color: on ? "#000" : "#333",
                      fillOpacity: slide.zone ? (on ? 0.95 : 0.35) : 0.85});
      if (on) layer.bringToFront();
    });
    panel.replaceChildren();
    appendTo(panel, slide.zone ? zoneSlide(slide.zone, data) : summarySlide(data));
    document.body.setAttribute("data-slide", slide.id);
    progress.style.transition = "none";
    progress.style.width = "0";
    void progress.offsetWidth;
    progress.style.transition = "width " + options.intervalMs + "ms linear";
    progress.style.width = "100%";
  }
  show(0);
  setInterval(function () { show(index + 1); }, options.intervalMs);

  var clock = document.getElementById("clock");
  function tick() {
    var d = new Date();
    clock.textContent = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2) + " · " +
      ("0" + d.getDate()).slice(-2) + "/" + ("0" + (d.getMonth() + 1)).slice(-2) + "/" + d.getFullYear();
  }
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
                                   healthMs: Number(document.body.dataset.healthMs)});
