/* Public display: cycles through the zones and the target summary, read-only; polls /healthz
   and reloads when the server comes back or the data change. Plain Leaflet, no network beyond
   this server. */
"use strict";

function verdict(passed) {
  return passed ? "<span class='ok'>ĐẠT <span class='en'>/ PASS</span></span>"
                : "<span class='ko'>KHÔNG ĐẠT <span class='en'>/ FAIL</span></span>";
}

function zoneSlide(z, data) {
  var target = z.target ? "<div class='row'>Chỉ tiêu cả loại <span class='en'>/ whole-kind target</span>: <b>" +
      escapeHtml(z.target.target) + "</b> · đo được / measured " + formatNumber(z.target.measured_ha, 1) + " ha · " +
      verdict(z.target.passed) + "</div>" : "";
  var failed = z.failed_rules.length ? "<div class='row ko'>Chưa đạt <span class='en'>/ not met</span>: " +
      z.failed_rules.map(function (r) { return escapeHtml(r.rule_id) + " " + escapeHtml(r.title_vi); }).join("; ") + "</div>"
    : "<div class='row'>Các quy tắc <span class='en'>/ rules</span>: " + verdict(true) + "</div>";
  return (z.illustrative ? "<span class='mh'>" + escapeHtml(data.illustrative_mark) + "</span>" : "") +
    "<h2>" + escapeHtml(z.name_vi) + "<span class='en'>" + escapeHtml(z.name_en) + "</span></h2>" +
    "<div class='kind'><span class='swatch' style='background:" + escapeHtml(z.color) + "'></span>" + escapeHtml(z.kind_vi) +
    " <span class='en'>/ " + escapeHtml(z.kind_en) + "</span></div>" +
    "<div class='row'>Mã vùng <span class='en'>/ zone</span>: <b>" + escapeHtml(z.id) + "</b> · Mã loại đất " +
    "<span class='en'>/ land-use code</span>: <b>" + escapeHtml(z.landuse) + "</b></div>" +
    "<div class='big zone-area'>" + formatNumber(z.area_ha, 1) + " ha</div>" +
    "<div class='row en'>diện tích phẳng VN-2000 (chính thức) / official planar area, " + escapeHtml(data.crs) + "</div>" +
    target + failed;
}

function summarySlide(data) {
  var rows = data.targets.map(function (t) {
    return "<tr><td>" + escapeHtml(t.subject_vi) + "<br><span class='en'>" + escapeHtml(t.subject_en) + "</span></td><td class='num'>" +
      formatNumber(t.measured_ha, 1) + " ha</td><td class='num'>" + escapeHtml(t.target) + "</td><td>" + verdict(t.passed) + "</td></tr>";
  }).join("");
  var passed = data.rules_total - data.rules_failed;
  return "<h2>Chỉ tiêu diện tích<span class='en'>Hectare targets</span></h2>" +
    "<table><tr><th>Vùng <span class='en'>/ zone</span></th><th>Đo được <span class='en'>/ measured</span></th>" +
    "<th>Chỉ tiêu <span class='en'>/ target</span></th><th></th></tr>" + rows + "</table>" +
    "<div class='row'>Quy tắc đạt <span class='en'>/ rules met</span>: <b>" + passed + "/" + data.rules_total +
    "</b></div><div class='row en'>" + escapeHtml(data.illustrative_mark) + ": " +
    data.sources.filter(function (s) { return s.illustrative; }).map(function (s) { return escapeHtml(s.title_vi); }).join("; ") +
    "</div>";
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
    panel.innerHTML = slide.zone ? zoneSlide(slide.zone, data) : summarySlide(data);
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
  requestAnimationFrame(function () {
    window.__readyAt = performance.now();
    document.body.setAttribute("data-ready", "1");
  });
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
