/* Planner map: draws the page's data (JSON in #planner-data, gis_service/web/plannermap.py) with
   the vendored Leaflet; every text from the data is set as text. A click, the lookup box or a
   failing rule's link selects a zone or a violation: it is outlined on the map and described in
   the side panel (planner_panel.js), which nothing on the map covers. Zoom to a rule/zone from
   the URL (/?rule=R11&zone=SR-03 or #zone=SR-03) or to a durian plot (/?plot=SR-0012, plots.js).
   One function per concern: drawing a layer, labels, the layer list, selecting, looking up. */
"use strict";

var NARROW = "(max-width: 700px)";
var SELECTED = {weight: 5, color: "#000000", dashArray: null};
/* the ids of the zones selected: their style keeps the heavy outline through hover and reset */
var selectedZoneIds = new Set();
/* popups open clear of the zoom buttons (top left) and the folded layer list (top right) */
var POPUP = {maxWidth: 360, autoPanPaddingTopLeft: L.point(12, 96), autoPanPaddingBottomRight: L.point(12, 12)};

function drawLayer(map, layer, data, onSelect) {
  var o = {style: layer.style, popupOptions: POPUP};
  if (layer.kind === "zones" || layer.kind === "plots") {
    o.style = function (f) {
      var selected = layer.kind === "zones" && selectedZoneIds.has(f.properties.id);
      return Object.assign({}, layer.style, {fillColor: f.properties.color}, selected ? SELECTED : null);
    };
    o.highlight = layer.style.highlight;
  }
  if (layer.kind === "plots") {
    o.popup = function (p) { return plotCard(p, layer, data); };
    o.tooltip = function (p) { return p.tooltip; };
    o.pointStyle = {radius: 5, color: "#222", weight: 1, fill: true, fillOpacity: 0.9};
  } else if (layer.kind === "violations") {
    o.tooltip = function (p) { return "⚠ " + p.rule_id + ": " + p.message_vi; };
  } else if (layer.kind !== "zones") {
    o.popup = function (p) { return contextCard(p, layer, data); };
    o.tooltip = function (p) { return p.label; };
  }
  if (layer.point_colour) {
    o.pointStyle = {radius: 8, color: "#ffffff", weight: 2, fill: true, fillColor: layer.point_colour, fillOpacity: 1};
  }
  if (layer.tiles) return tiledLayer(map, layer, data);  // a large layer: vector tiles (tiles.js)
  var drawn = geoLayer(layer.geojson, o).addTo(map);
  if (layer.kind === "violations") {
    drawn.eachLayer(function (l) { l.on("click", function () { onSelect.violationClicked(l); }); });
  }
  return drawn;
}

/* Each zone's id (and, closer in, its name) on the map: a permanent tooltip whose content is
   an element built with text nodes, never HTML. Shown from the zoom that fits the commune. */
function zoneLabels(map, zonesLayer) {
  zonesLayer.eachLayer(function (l) {
    var p = l.feature.properties;
    l.bindTooltip(h("span", {class: "zl"}, h("b", {class: "zl-id"}, p.id), h("span", {class: "zl-name"}, p.name_vi)),
                  {permanent: true, direction: "center", className: "zone-label", interactive: false});
  });
  var fitZoom = map.getZoom();
  function update() {
    var z = map.getZoom(), box = map.getContainer().classList;
    box.toggle("labels-off", z < fitZoom - 1);
    box.toggle("labels-names", z >= fitZoom + 1);
    declutterLabels(map.getContainer());
  }
  map.on("zoomend", update);
  update();
}

/* A label that would overlap one drawn before it is hidden until the zoom gives it room. */
function declutterLabels(container) {
  var placed = [];
  container.querySelectorAll(".zone-label").forEach(function (el) {
    el.classList.remove("zl-hidden");
    var r = el.getBoundingClientRect();
    if (!r.width) return;
    var clash = placed.some(function (s) { return r.left < s.right && s.left < r.right && r.top < s.bottom && s.top < r.bottom; });
    if (clash) el.classList.add("zl-hidden"); else placed.push(r);
  });
}

/* The layer list, folded into its button (hover, a tap, or Enter opens it). The map's controls
   come first in the Tab order, before the hundreds of shapes that take focus to show a tooltip. */
function layerControl(map, overlays) {
  var control = L.control.layers(null, overlays, {collapsed: true, position: "topright"}).addTo(map);
  var box = map.getContainer();
  box.insertBefore(box.querySelector(".leaflet-control-container"), box.firstChild);
  [[".leaflet-control-layers-toggle", "Lớp bản đồ / Map layers"], [".leaflet-control-zoom-in", "Phóng to / Zoom in"],
   [".leaflet-control-zoom-out", "Thu nhỏ / Zoom out"]].forEach(function (pair) {
    var el = box.querySelector(pair[0]);
    if (el) { el.title = pair[1]; el.setAttribute("aria-label", pair[1]); }
  });
  return control;
}

function rasterOverlays(map, data, overlays) {
  if (!data.rasters.length) return;
  map.createPane("rasters");
  map.getPane("rasters").style.zIndex = 450;
  map.getPane("rasters").style.pointerEvents = "none";
  data.rasters.forEach(function (r) {
    overlays[layerLabel(r.title_vi, r.title_en, r.illustrative ? data.illustrativeMark : "")] =
      L.imageOverlay(r.url, r.bounds, {opacity: r.opacity, pane: "rasters", interactive: false,
                                       className: "raster-" + r.name});
  });
}

/* What is selected: zones outlined on the map, the panel describing them. */
function Selection(map, zonesLayer, violationsLayer, data) {
  this.map = map; this.zones = zonesLayer; this.violations = violationsLayer; this.data = data;
  this.outlined = [];
  this.marker = null;
}

Selection.prototype.zoneLayer = function (id) {
  var found = null;
  this.zones.eachLayer(function (l) { if (!found && l.feature.properties.id === id) found = l; });
  return found;
};

Selection.prototype.outline = function (layers) {
  var zones = this.zones, before = this.outlined;
  this.outlined = layers.filter(Boolean);
  selectedZoneIds = new Set(this.outlined.map(function (l) { return l.feature.properties.id; }));
  before.concat(this.outlined).forEach(function (l) { zones.resetStyle(l); });
  this.outlined.forEach(function (l) { l.bringToFront(); });
};

/* Show zones (JSON as the page or /lookup gives them), after an optional violation or point. */
Selection.prototype.show = function (zones, opts) {
  var self = this;
  opts = opts || {};
  this.outline(zones.map(function (z) { return z.id ? self.zoneLayer(z.id) : null; }));
  showSelection([opts.violation ? violationCard(opts.violation) : null,
                 opts.message ? h("p", {class: "lk-msg"}, opts.message[0], h("br"), h("small", null, opts.message[1])) : null,
                 opts.point ? pointHead(opts.point) : null,
                 zones.map(function (z) { return zoneCard(z, self.data); })]);
  document.body.setAttribute("data-selected", zones.map(function (z) { return z.id || "remaining"; }).join(","));
};

Selection.prototype.fit = function (bounds) {
  this.map.invalidateSize();
  this.map.fitBounds(bounds, {padding: [40, 40], maxZoom: 15, animate: false});
};

Selection.prototype.violation = function (layer) {
  var p = layer.feature.properties, self = this;
  this.fit(layer.getBounds());
  this.show(p.zone_ids.map(function (id) { var l = self.zoneLayer(id); return l ? l.feature.properties : null; })
             .filter(Boolean), {violation: p});
  layer.bringToFront();
};

/* The point looked up, drawn above the zone labels (tooltip pane: 650) so none hides it. */
Selection.prototype.pointMarker = function (latlng) {
  if (!this.map.getPane("lookup-point")) this.map.createPane("lookup-point").style.zIndex = 660;
  if (this.marker) this.map.removeLayer(this.marker);
  this.marker = L.circleMarker(latlng, {radius: 7, color: "#000", weight: 3, fillColor: "#fff", fillOpacity: 1,
                                        interactive: false, pane: "lookup-point"}).addTo(this.map);
};

/* A /lookup answer: a point (with the zones it lies in) or the zones found by id or name. */
Selection.prototype.answer = function (json, opts) {
  if (json.error) { showSelection(["Lỗi / Error: ", json.error.message || String(json.error)]); return; }
  opts = opts || {};
  if (json.query && json.query.q !== undefined) {
    this.show(json.zones, {message: [json.message_vi, json.message_en]});
    var layers = json.zones.map(function (z) { return this.zoneLayer(z.id); }, this).filter(Boolean);
    if (layers.length) this.fit(L.featureGroup(layers).getBounds());
    return;
  }
  var latlng = L.latLng(json.lat, json.lon);
  this.pointMarker(latlng);
  var message = json.inside_commune ? null : [json.message_vi, json.message_en];
  this.show(json.zones, {point: json, violation: opts.violation, message: message});
  this.map.invalidateSize();  // the panel may just have opened under the map (a phone)
  if (opts.pan) this.map.setView(latlng, Math.max(this.map.getZoom(), 14), {animate: false});
  else if (!this.map.getBounds().contains(latlng)) this.map.panTo(latlng, {animate: false});
};

function lookupUrl(data, params) {
  var query = new URLSearchParams(params);
  if (data.version) query.set("version", data.version);
  return data.lookupUrl + "?" + query.toString();
}

function fetchLookup(data, params) {
  return fetch(lookupUrl(data, params), {headers: {Accept: "application/json"}})
    .then(function (r) { return r.json(); });
}

/* A click anywhere looks the point up; a click on a violation also names that violation. */
function clickLookup(map, data, selection) {
  var clickedViolation = null;
  map.on("preclick", function (e) {
    clickedViolation = null;
    selection.pointMarker(e.latlng);
    showSelection("…");
    fetchLookup(data, {lon: e.latlng.lng.toFixed(7), lat: e.latlng.lat.toFixed(7)}).then(function (json) {
      selection.answer(json, {violation: clickedViolation});
    }).catch(function (err) { showSelection("Lỗi / Error: " + err); });
  });
  return {violationClicked: function (layer) { clickedViolation = layer.feature.properties; }};
}

/* The lookup box: coordinates (VN-2000 x; y in the chosen zone, or lon; lat) or a zone id/name. */
function lookupBox(data, selection) {
  var form = document.getElementById("find");
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = document.getElementById("find-text").value.trim();
    if (!text) return;
    showSelection("…");
    fetchLookup(data, {q: text, crs: document.getElementById("find-crs").value}).then(function (json) {
      selection.answer(json, {pan: true});
    }).catch(function (err) { showSelection("Lỗi / Error: " + err); });
  });
}

/* Each failing rule's "show on the map" link: zoom to that violation and describe it. */
function failingRuleLinks(violationsLayer, selection, data) {
  var features = data.layers.filter(function (l) { return l.kind === "violations"; })[0].geojson.features;
  var byFeature = new Map();
  violationsLayer.eachLayer(function (l) { byFeature.set(l.feature, l); });
  document.querySelectorAll("a.viol-link").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var layer = byFeature.get(features[Number(a.dataset.violation)]);
      if (!layer) return;  // the link's own address still works
      e.preventDefault();
      selection.violation(layer);
      document.body.setAttribute("data-focused", a.dataset.rule + ":" + (layer.feature.properties.zone_ids[0] || ""));
      document.getElementById("selection").focus({preventScroll: true});
    });
  });
  var status = document.querySelector("a#rules-status");
  if (status) status.addEventListener("click", function () {
    setPanelOpen(true);
    document.getElementById("failing-rules").open = true;
  });
}

/* /?rule=R11&zone=SR-03: the first violation of that rule (and zone), else the zone. */
function focusFromUrl(selection, violationsLayer) {
  var params = new URLSearchParams(window.location.search);
  var hash = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var rule = params.get("rule") || hash.get("rule");
  var zone = params.get("zone") || hash.get("zone");
  if (!rule && !zone) return;
  var target = null;
  violationsLayer.eachLayer(function (l) {
    var p = l.feature.properties;
    if (!target && (!rule || p.rule_id === rule) && (!zone || p.zone_ids.indexOf(zone) >= 0)) target = l;
  });
  if (target) {
    selection.violation(target);
  } else if (zone && selection.zoneLayer(zone)) {
    var layer = selection.zoneLayer(zone);
    selection.fit(layer.getBounds());
    selection.show([layer.feature.properties]);
  } else {
    return;
  }
  document.body.setAttribute("data-focused", (rule || "") + ":" + (zone || ""));
}

/* The skip links move the focus itself (the lookup box may be in the folded panel). */
function skipLinks() {
  document.querySelectorAll("a.skip-link").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var target = document.querySelector(a.getAttribute("href"));
      if (!target) return;
      e.preventDefault();
      if (target.closest("#side")) setPanelOpen(true);
      target.focus();
    });
  });
}

/* Leaflet must know when the panel beside or below the map changes the map's size. */
function followMapSize(map) {
  if (window.ResizeObserver) new ResizeObserver(function () { map.invalidateSize(); }).observe(map.getContainer());
}

function initPlanner(data) {
  var narrow = window.matchMedia(NARROW).matches;
  initPanelToggle(narrow);
  skipLinks();
  var map = offlineMap("map", data.bounds, data.tiles);
  var overlays = {}, byId = {};
  followMapSize(map);
  var selectHooks = {violationClicked: function () {}};
  data.layers.forEach(function (layer) {
    if (layer.kind === "zones") rasterOverlays(map, data, overlays);  // drawn below the zones
    var drawn = drawLayer(map, layer, data, {violationClicked: function (l) { selectHooks.violationClicked(l); }});
    byId[layer.kind === "context" ? layer.id : layer.kind] = drawn;
    overlays[layerLabel(layer.title_vi, layer.title_en, layer.illustrative ? data.illustrativeMark : "",
                        layer.kind === "violations" ? "viol-label" : "")] = drawn;
  });
  layerControl(map, overlays);
  zoneLabels(map, byId.zones);
  paintSwatches(document.getElementById("legend"));
  window.plannerMap = map;

  var selection = new Selection(map, byId.zones, byId.violations, data);
  selectHooks = clickLookup(map, data, selection);
  lookupBox(data, selection);
  failingRuleLinks(byId.violations, selection, data);
  focusFromUrl(selection, byId.violations);
  if (byId.plots) initPlots(map, byId.plots);
  markReady();
}

initPlanner(readJson("planner-data"));
