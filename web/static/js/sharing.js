/* The edge-matching map of /chia-se: our boundary, the neighbours, the overlaps (red) and gaps
   (blue) with a dot inside each piece (they are tens of metres wide: invisible at commune scale
   without one); the page's legend explains each symbol. Data come as JSON in #edgematch-data
   (gis_service/web/chiase.py) and are only ever set as text (common.js: popups and tooltips are
   elements, never HTML strings). Vendored Leaflet, no tiles. */
"use strict";

function piecePopup(p) {
  return h("div", null, h("b", null, p.message_vi), h("div", {class: "en", lang: "en"}, p.message_en));
}

function initSharingMap(data) {
  // the view first: Leaflet draws a vector layer only on a map that has one
  var ours = geoLayer(data.ours, {style: data.styles.ours});
  var map = offlineMap("edgematch-map", ours.getBounds().pad(0.02), null);
  geoLayer(data.neighbours, {style: data.styles.neighbours, tooltip: function (p) { return p.name; }}).addTo(map);
  ours.addTo(map);
  var byKind = function (f) { return data.styles[f.properties.kind]; };
  geoLayer(data.pieces, {style: byKind, popup: piecePopup}).addTo(map);
  geoLayer(data.dots, {popup: piecePopup, pointStyle: {radius: 5}, style: function (f) {  // as the legend draws them
    return {color: byKind(f).color, fillColor: byKind(f).color, weight: 1, fillOpacity: 0.9};
  }}).addTo(map);
  window.edgematchMap = map;
  markReady();
}

initSharingMap(readJson("edgematch-data"));
