/* Planner map: draws the page's data (JSON in #planner-data, gis_service/web/plannermap.py) with
   the vendored Leaflet; every text from the data is set as text. Click to look a point up (tra
   cứu quy hoạch) in the version the map shows; zoom to a rule/zone from the URL
   (/?rule=R11&zone=SR-03 or #zone=SR-03) or to a durian plot (/?plot=SR-0012, plots.js). */
"use strict";

function verdictNode(passed) {
  return h("b", {class: passed ? "ok" : "ko"}, passed ? "ĐẠT / PASS" : "KHÔNG ĐẠT / FAIL");
}

function ruleItems(rules) {
  return h("ul", {class: "rules"}, rules.map(function (r) {
    return h("li", {class: r.passed ? "ok" : "ko"}, r.passed ? "✓ " : "✗ ", h("b", null, r.rule_id), " ",
             r.title_vi, " ", h("small", null, "/ " + r.title_en));
  }));
}

function row(label, value) {
  return h("tr", null, h("th", null, label), h("td", null, value));
}

function zonePopup(z, data) {
  var t = z.kind_target;
  var target = t ? ["Chỉ tiêu " + t.rule_id + " / Target: ", h("b", null, t.target),
                    " · toàn loại / whole kind " + t.measured_text + " · ", verdictNode(t.passed)]
                 : "Không có chỉ tiêu diện tích / No area target";
  return h("div", {class: "pp zone", "data-zone": z.id},
    z.illustrative ? h("div", {class: "mh"}, data.illustrativeMark) : null,
    h("b", {class: "zname"}, z.name_vi), h("br"), h("small", null, z.name_en),
    h("table", null,
      row("Mã vùng / Zone", z.id),
      row("Loại / Kind", [z.kind_vi, h("br"), h("small", null, z.kind_en)]),
      row("Mã loại đất / Land-use code", z.landuse),
      row("Diện tích / Area", [h("b", {class: "area", "data-ha": z.area_ha.toFixed(4)}, z.area_text),
                               " (phẳng VN-2000 / planar, " + data.planCrs + ")", h("br"),
                               h("small", null, "trắc địa / geodesic " + z.geodesic_text)]),
      row("Chỉ tiêu / Target", target),
      row("Trạng thái / Status", z.status_text),
      h("tr", null, h("th", null, "Nguồn / Provenance"), h("td", {class: "prov"}, provenance(z.provenance, data)))),
    ruleItems(z.rules));
}

/* Where the zone comes from: the version shown, the file (and its checksum) that brought the
   zones, the version's status and, when approved, the decision; the illustrative mark. */
function provenance(p, data) {
  return ["Phiên bản / version " + p.version +
            (p.zones_version !== p.version ? " (từ phiên bản / from version " + p.zones_version + ")" : ""), h("br"),
          p.source_file ? ["tệp / file ", h("b", null, p.source_file),
                           p.source_sha256 ? [" · sha256 ", h("code", null, p.source_sha256.slice(0, 12) + "…")] : null]
                        : null, h("br"),
          h("b", null, p.status_vi), " / " + p.status_en,
          p.decision_vi ? [h("br"), p.decision_vi, h("br"), h("small", null, p.decision_en)] : null,
          p.illustrative ? [h("br"), h("b", {class: "mh"}, data.illustrativeMark)] : null];
}

function plotPopup(p, layer, data) {
  return h("div", {class: "pp plot", "data-plot": p.plot_id},
    layer.illustrative ? h("div", {class: "mh"}, data.illustrativeMark) : null,
    h("b", {class: "zname"}, "Thửa / Plot " + p.plot_id), " ", h("small", null, "(" + p.zone_id + ")"),
    h("table", null, p.rows.map(function (r) { return row(r[0], r[1]); })),
    h("small", null, "Ngày xét / judged on " + p.on_vi));
}

function contextPopup(p, layer, data) {
  return h("div", {class: "pp"}, h("b", null, p.label), h("br"), layer.title_vi, h("br"),
           h("small", null, layer.title_en),
           layer.illustrative ? [h("br"), h("b", {class: "mh"}, data.illustrativeMark)] : null);
}

function violationPopup(v) {
  return h("div", {class: "pp viol"},
    h("b", null, "⚠ " + v.rule_id + " · Vi phạm / Violation"), h("br"), v.title_vi, h("br"),
    h("small", null, v.title_en), h("hr"), v.message_vi, h("br"), h("small", null, v.message_en), h("br"),
    "Đo được / Measured: ", h("b", null, v.measured_text), " · Chỉ tiêu / Target: ", h("b", null, v.target));
}

function drawLayer(map, layer, data) {
  var o = {style: layer.style};
  if (layer.kind === "zones" || layer.kind === "plots") {
    o.style = function (f) { return Object.assign({}, layer.style, {fillColor: f.properties.color}); };
    o.highlight = layer.style.highlight;
  }
  if (layer.kind === "zones") {
    o.popup = function (p) { return zonePopup(p, data); };
    o.tooltip = function (p) { return p.id + " · " + p.name_vi; };
  } else if (layer.kind === "plots") {
    o.popup = function (p) { return plotPopup(p, layer, data); };
    o.tooltip = function (p) { return p.tooltip; };
    o.pointStyle = {radius: 5, color: "#222", weight: 1, fill: true, fillOpacity: 0.9};
  } else if (layer.kind === "violations") {
    o.popup = violationPopup;
    o.tooltip = function (p) { return "⚠ " + p.rule_id + ": " + p.message_vi; };
  } else {
    o.popup = function (p) { return contextPopup(p, layer, data); };
    o.tooltip = function (p) { return p.label; };
  }
  if (layer.point_colour) {
    o.pointStyle = {radius: 8, color: "#ffffff", weight: 2, fill: true, fillColor: layer.point_colour, fillOpacity: 1};
  }
  if (layer.tiles) return tiledLayer(map, layer, data);  // a large layer: vector tiles (tiles.js)
  return geoLayer(layer.geojson, o).addTo(map);
}

function lookupResult(result, data) {
  var head = h("div", {class: "lk-pos"}, result.lat.toFixed(6) + "°N, " + result.lon.toFixed(6) + "°E · VN-2000 " +
    result.plan_crs + ": E " + result.plan_x.toFixed(1) + ", N " + result.plan_y.toFixed(1));
  if (!result.inside_commune) {
    return [head, h("div", null, result.message_vi, h("br"), h("small", null, result.message_en))];
  }
  return [head].concat(result.zones.map(function (z) {
    return h("div", {class: "lk-zone"},
      z.illustrative ? [h("span", {class: "mh"}, data.illustrativeMark), h("br")] : null,
      h("b", null, z.name_vi), z.id ? " (" + z.id + ")" : "", h("br"), h("small", null, z.name_en), h("br"),
      "Mã loại đất / Land use: ", h("b", null, z.landuse), h("br"),
      "Diện tích / Area: ", h("b", {class: "lk-area"}, z.area_ha === null ? "—" : formatNumber(z.area_ha, 2) + " ha"), " ",
      z.passed === null ? null : verdictNode(z.passed),
      ruleItems(z.rules || []));
  }));
}

function show(box, content) {
  box.replaceChildren();
  appendTo(box, content);
}

/* Each raster as an image overlay from this server, off at first, above the zone fills and
   below markers and popups; clicks pass through it. */
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

function initPlanner(data) {
  var map = offlineMap("map", data.bounds, data.tiles);
  var overlays = {}, byId = {};
  data.layers.forEach(function (layer, i) {
    if (layer.kind === "zones") rasterOverlays(map, data, overlays);  // drawn below the zones' popups
    var drawn = drawLayer(map, layer, data);
    byId[layer.kind === "context" ? layer.id : layer.kind] = drawn;
    overlays[layerLabel(layer.title_vi, layer.title_en, layer.illustrative ? data.illustrativeMark : "",
                        layer.kind === "violations" ? "viol-label" : "")] = drawn;
  });
  L.control.layers(null, overlays, {collapsed: false, position: "topright"}).addTo(map);
  paintSwatches(document.getElementById("legend"));
  window.plannerMap = map;

  var box = document.getElementById("lookup-result");
  var marker = null;
  // preclick reaches the map even when a feature's popup stops the click itself
  map.on("preclick", function (e) {
    var url = data.lookupUrl + "?lon=" + e.latlng.lng.toFixed(7) + "&lat=" + e.latlng.lat.toFixed(7) +
      (data.version ? "&version=" + encodeURIComponent(data.version) : "");
    if (marker) map.removeLayer(marker);
    marker = L.circleMarker(e.latlng, {radius: 7, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1})
      .addTo(map);
    show(box, "…");
    fetch(url, {headers: {Accept: "application/json"}}).then(function (r) { return r.json(); }).then(function (json) {
      show(box, json.error ? json.error : lookupResult(json, data));
    }).catch(function (err) { show(box, "Lỗi / Error: " + err); });
  });

  var params = new URLSearchParams(window.location.search);
  var hash = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var rule = params.get("rule") || hash.get("rule");
  var zone = params.get("zone") || hash.get("zone");
  if (rule || zone) zoomTo(map, byId.zones, byId.violations, rule, zone);
  if (byId.plots) initPlots(map, byId.plots);
  markReady();
}

function zoomTo(map, zonesLayer, violationsLayer, rule, zone) {
  var target = null;
  violationsLayer.eachLayer(function (layer) {
    var p = layer.feature.properties;
    if (!target && (!rule || p.rule_id === rule) && (!zone || p.zone_ids.indexOf(zone) >= 0)) target = layer;
  });
  if (!target && zone) {
    zonesLayer.eachLayer(function (layer) {
      if (!target && layer.feature.properties.id === zone) target = layer;
    });
  }
  if (!target) return;
  var where = target.getBounds ? target.getBounds() : L.latLngBounds([target.getLatLng(), target.getLatLng()]);
  map.fitBounds(where, {padding: [60, 60], maxZoom: 15});
  target.openPopup(where.getCenter());
  document.body.setAttribute("data-focused", (rule || "") + ":" + (zone || ""));
}

initPlanner(readJson("planner-data"));
