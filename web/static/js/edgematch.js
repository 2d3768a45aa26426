/* Edge-matching map: draws the page's data (JSON in #edgematch-data,
   gis_service/web/sharing_map.py): the neighbours, our border, the overlaps and gaps with a
   marker on each. Every text from the data is set as text. */
"use strict";

function piecePopup(p) {
  return h("div", {class: "pp"}, p.message_vi, h("br"), h("i", null, p.message_en));
}

function initEdgematch(data) {
  var map = offlineMap("map", data.bounds, null);
  var overlays = {};
  overlays[layerLabel("Xã giáp ranh", "Neighbours")] = geoLayer(data.neighbours, {
    style: {color: "#777777", weight: 1, fillOpacity: 0.05},
    tooltip: function (p) { return p.name; }}).addTo(map);
  overlays[layerLabel("Ranh giới xã Nghĩa Trung", "Our boundary")] = geoLayer(data.boundary, {
    style: {color: "#000000", weight: 2, fill: false}}).addTo(map);
  data.pieces.forEach(function (kind) {
    var group = L.featureGroup().addTo(map);
    geoLayer(kind.polygons, {style: kind.style, popup: piecePopup}).addTo(group);
    geoLayer(kind.markers, {popup: piecePopup, pointStyle: {radius: 5, color: kind.style.color, fill: true,
                                                              fillOpacity: 0.9}}).addTo(group);
    overlays[layerLabel(kind.title_vi, kind.title_en)] = group;
  });
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  window.edgematchMap = map;
  markReady();
}

initEdgematch(readJson("edgematch-data"));
