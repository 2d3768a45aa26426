/* The edge-matching map of /chia-se: our boundary, the neighbours, the overlaps (red) and gaps
   (blue) with a dot on each piece. Data come as JSON in #edgematch-data and are only ever set as
   text (popups are built from elements, never from HTML strings). Vendored Leaflet, no tiles. */
"use strict";

(function () {
  var source = document.getElementById("edgematch-data");
  var holder = document.getElementById("edgematch-map");
  if (!source || !holder || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(holder, {preferCanvas: false});

  function popup(lines) {
    var box = document.createElement("div");
    lines.forEach(function (line, i) {
      var p = document.createElement(i === 0 ? "b" : "div");
      p.textContent = line.text;
      if (line.en) { p.lang = "en"; p.className = "en"; }
      box.appendChild(p);
    });
    return box;
  }

  // the view first: Leaflet draws a vector layer only on a map that has one
  var ours = L.geoJSON(data.ours, {style: data.styles.ours, interactive: false});
  map.fitBounds(ours.getBounds(), {padding: [10, 10]});
  L.geoJSON(data.neighbours, {style: data.styles.neighbours, onEachFeature: function (f, layer) {
    layer.bindTooltip(String(f.properties.name || ""));
  }}).addTo(map);
  ours.addTo(map);
  L.geoJSON(data.pieces, {
    style: function (f) { return data.styles[f.properties.kind]; },
    onEachFeature: function (f, layer) {
      var lines = [{text: f.properties.message_vi}, {text: f.properties.message_en, en: true}];
      layer.bindPopup(popup(lines));
      var centre = layer.getBounds().getCenter();
      L.circleMarker(centre, {radius: 5, color: data.styles[f.properties.kind].color, fillOpacity: 0.9,
                              fill: true, weight: 1}).bindPopup(popup(lines)).addTo(map);
    }
  }).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  document.body.setAttribute("data-ready", "1");
})();
