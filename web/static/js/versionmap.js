/* Maps of the version pages (comparison, draft preview): every element `.vmap[data-map=ID]` is drawn
   from the JSON in <script type="application/json" id="ID">. Styles: added (green, solid), removed
   (red, dashed outline, hatched), unchanged (grey), draft zones (their kind's colour), the commune
   boundary. Popups and tooltips are built as DOM text, never as HTML from the data. */
"use strict";

(function () {
  var STYLES = {
    boundary: {color: "#1a1a1a", weight: 3, fill: false, interactive: false},
    zones: {color: "#333333", weight: 1.2, fillOpacity: 0.75},
    unchanged: {color: "#7a7a7a", weight: 1, fillColor: "#b8b8b8", fillOpacity: 0.55},
    added: {color: "#0b6b26", weight: 2.5, fillColor: "#22b14c", fillOpacity: 0.75},
    removed: {color: "#c8102e", weight: 2.5, dashArray: "7 5", fillColor: "#c8102e", fillOpacity: 1,
              className: "chg-removed"}
  };
  var SVG = "http://www.w3.org/2000/svg";

  function textBox(props) {
    var box = document.createElement("div");
    box.className = "vm-pop";
    var title = document.createElement("b");
    title.textContent = props.title || "";
    box.appendChild(title);
    if (props.line) {
      box.appendChild(document.createElement("br"));
      var line = document.createElement("span");
      line.textContent = props.line;
      box.appendChild(line);
    }
    return box;
  }

  /* A hatch pattern for the removed pieces, in the overlay SVG's own <defs>. */
  function addHatch(map) {
    var svg = map.getPanes().overlayPane.querySelector("svg");
    if (!svg || svg.querySelector("#hatch-removed")) return;
    var defs = document.createElementNS(SVG, "defs");
    var pattern = document.createElementNS(SVG, "pattern");
    pattern.setAttribute("id", "hatch-removed");
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "8");
    pattern.setAttribute("height", "8");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var back = document.createElementNS(SVG, "rect");
    back.setAttribute("width", "8");
    back.setAttribute("height", "8");
    back.setAttribute("fill", "#fde3e6");
    var stripe = document.createElementNS(SVG, "rect");
    stripe.setAttribute("width", "3");
    stripe.setAttribute("height", "8");
    stripe.setAttribute("fill", "#c8102e");
    pattern.appendChild(back);
    pattern.appendChild(stripe);
    defs.appendChild(pattern);
    svg.insertBefore(defs, svg.firstChild);
  }

  /* A button back to the whole commune when the map opened on the changed zones. */
  function addWholeCommune(map, bounds) {
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var button = L.DomUtil.create("button", "vm-whole");
      button.type = "button";
      button.textContent = "Toàn xã / Whole commune";
      L.DomEvent.disableClickPropagation(button);
      L.DomEvent.on(button, "click", function () { map.fitBounds(bounds, {padding: [12, 12]}); });
      return button;
    };
    control.addTo(map);
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-map"));
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var map = L.map(element, {preferCanvas: false, scrollWheelZoom: false});
    L.control.scale({imperial: false}).addTo(map);
    var overlays = {};
    var counts = {};
    data.layers.forEach(function (layer) {
      var base = STYLES[layer.style] || STYLES.unchanged;
      var group = L.geoJSON(layer.geojson, {
        style: function (feature) {
          var style = Object.assign({}, base);
          if (layer.style === "zones" && feature.properties.color) style.fillColor = feature.properties.color;
          return style;
        },
        onEachFeature: function (feature, path) {
          if (layer.style === "boundary") return;
          path.bindPopup(textBox(feature.properties));
          path.bindTooltip(textBox({title: feature.properties.title}), {sticky: true});
        }
      }).addTo(map);
      counts[layer.style] = (layer.geojson.features || []).length;
      var label = document.createElement("span");
      label.textContent = layer.name_vi + " / " + layer.name_en;
      overlays[label.outerHTML] = group;  // the label is escaped text
    });
    L.control.layers(null, overlays, {collapsed: window.innerWidth < 700}).addTo(map);
    if (data.focus) {  // the pieces that changed, with room around them
      map.fitBounds(data.focus, {padding: [60, 60], maxZoom: 16});
    } else if (data.bounds) {
      map.fitBounds(data.bounds, {padding: [12, 12]});
    } else {
      map.setView([11.85, 107.0], 12);
    }
    if (data.focus && data.bounds) addWholeCommune(map, data.bounds);
    addHatch(map);
    element.setAttribute("data-counts", JSON.stringify(counts));
    element.setAttribute("data-ready", "1");
  }

  function start() {
    var maps = document.querySelectorAll(".vmap[data-map]");
    for (var i = 0; i < maps.length; i++) draw(maps[i]);
    document.body.setAttribute("data-ready", "1");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
