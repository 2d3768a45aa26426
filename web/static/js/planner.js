/* Planner map behaviour: click-to-lookup (tra cứu quy hoạch), zoom to a rule/zone from the URL
   (/?rule=R11&zone=SR-03 or #zone=SR-03), attribution. Plain Leaflet, no other library. */
"use strict";

function formatHa(value) {
  return value === null || value === undefined ? "—" : formatNumber(value, 2) + " ha";
}

function renderLookup(result, options) {
  var head = "<div class='lk-pos'>" + result.lat.toFixed(6) + "°N, " + result.lon.toFixed(6) + "°E · VN-2000 " +
    escapeHtml(result.plan_crs) + ": E " + result.plan_x.toFixed(1) + ", N " + result.plan_y.toFixed(1) + "</div>";
  if (!result.inside_commune) {
    return head + "<div>" + escapeHtml(result.message_vi) + "<br><small>" + escapeHtml(result.message_en) + "</small></div>";
  }
  return head + result.zones.map(function (z) {
    var rules = (z.rules || []).map(function (r) {
      return "<li class='" + (r.passed ? "ok" : "ko") + "'>" + (r.passed ? "✓ " : "✗ ") + escapeHtml(r.rule_id) +
        " " + escapeHtml(r.title_vi) + "</li>";
    }).join("");
    var status = z.passed === null ? "" : (z.passed ? "<b class='ok'>ĐẠT / PASS</b>" : "<b class='ko'>KHÔNG ĐẠT / FAIL</b>");
    return "<div class='lk-zone'>" + (z.illustrative ? "<span class='mh'>" + escapeHtml(options.illustrativeMark) + "</span><br>" : "") +
      "<b>" + escapeHtml(z.name_vi) + "</b>" + (z.id ? " (" + escapeHtml(z.id) + ")" : "") +
      "<br><small>" + escapeHtml(z.name_en) + "</small><br>Mã loại đất / Land use: <b>" + escapeHtml(z.landuse) +
      "</b><br>Diện tích / Area: <b class='lk-area'>" + formatHa(z.area_ha) + "</b> " + status +
      "<ul class='rules'>" + rules + "</ul></div>";
  }).join("");
}

function initPlanner(map, zonesLayer, violationsLayer, options) {
  var resultBox = document.getElementById("lookup-result");
  var marker = null;

  // preclick reaches the map even when a feature's popup stops the click itself
  map.on("preclick", function (e) {
    var url = options.lookupUrl + "?lon=" + e.latlng.lng.toFixed(7) + "&lat=" + e.latlng.lat.toFixed(7) +
      (options.version ? "&version=" + encodeURIComponent(options.version) : "");
    if (marker) map.removeLayer(marker);
    marker = L.circleMarker(e.latlng, {radius: 7, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1})
      .addTo(map);
    resultBox.innerHTML = "…";
    fetch(url).then(function (r) { return r.json(); }).then(function (json) {
      resultBox.innerHTML = json.error ? escapeHtml(json.error) : renderLookup(json, options);
    }).catch(function (err) { resultBox.textContent = "Lỗi / Error: " + err; });
  });

  var params = new URLSearchParams(window.location.search);
  var hash = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var rule = params.get("rule") || hash.get("rule");
  var zone = params.get("zone") || hash.get("zone");
  if (rule || zone) zoomTo(map, zonesLayer, violationsLayer, rule, zone);
  markReady();
}

/* For tests and the page benchmark: the time from navigation to the first full render. */
function markReady() {
  requestAnimationFrame(function () {
    window.__readyAt = performance.now();
    document.body.setAttribute("data-ready", "1");
  });
}

function zoomTo(map, zonesLayer, violationsLayer, rule, zone) {
  var target = null;
  violationsLayer.eachLayer(function (layer) {
    var p = layer.feature.properties;
    var zones = (p.zone_ids || "").split(";");
    if (!target && (!rule || p.rule_id === rule) && (!zone || zones.indexOf(zone) >= 0)) target = layer;
  });
  if (!target && zone) {
    zonesLayer.eachLayer(function (layer) {
      if (!target && layer.feature.properties.zone_id === zone) target = layer;
    });
  }
  if (!target) return;
  map.fitBounds(target.getBounds(), {padding: [60, 60], maxZoom: 15});
  // the popup is bound on the GeoJSON group: a click on the feature opens it for that feature
  target.fire("click", {latlng: target.getBounds().getCenter()}, true);
  document.body.setAttribute("data-focused", (rule || "") + ":" + (zone || ""));
}
