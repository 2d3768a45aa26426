/* Durian plots on the planner map: /?plot=SR-0012 (or #plot=SR-0012) zooms to the plot and opens
   its popup, clear of the layer list. Plain Leaflet, no other library. */
"use strict";

function initPlots(map, plotsLayer) {
  var params = new URLSearchParams(window.location.search);
  var hash = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var wanted = params.get("plot") || hash.get("plot");
  if (!wanted) return;
  plotsLayer.eachLayer(function (layer) {
    if (layer.feature.properties.plot_id !== wanted) return;
    var bounds = layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()]);
    map.fitBounds(bounds, {padding: [80, 80], maxZoom: 16, animate: false});
    layer.openPopup(bounds.getCenter());
    clearOfControls(map);
    document.body.setAttribute("data-focused-plot", wanted);
  });
}

/* Nothing covers a popup: when the expanded layer list overlaps the open popup, move the map
   down by the overlap. */
function clearOfControls(map) {
  var popup = document.querySelector(".leaflet-popup");
  var control = document.querySelector(".leaflet-control-layers");
  if (!popup || !control) return;
  var p = popup.getBoundingClientRect(), c = control.getBoundingClientRect();
  var acrossX = p.left < c.right && p.right > c.left;
  var overlap = c.bottom - p.top + 12;
  if (acrossX && overlap > 0) map.panBy([0, -overlap], {animate: false});
}
