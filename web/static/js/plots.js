/* Durian plots on the planner map: /?plot=SR-0012 (or #plot=SR-0012) zooms to the plot and opens
   its popup. Plain Leaflet, no other library. */
"use strict";

function initPlots(map, plotsLayer, options) {
  var params = new URLSearchParams(window.location.search);
  var hash = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var wanted = params.get("plot") || hash.get("plot");
  if (!wanted) return;
  plotsLayer.eachLayer(function (layer) {
    if (layer.feature.properties.plot_id !== wanted) return;
    var bounds = layer.getBounds ? layer.getBounds() : L.latLngBounds([layer.getLatLng()]);
    // the plot low and left of centre: its popup opens above it, clear of the layer list (top
    // right), the legend (bottom left) and the lookup panel (bottom right)
    map.fitBounds(bounds, {paddingTopLeft: [340, 520], paddingBottomRight: [560, 60], maxZoom: 16});
    layer.fire("click", {latlng: bounds.getCenter()}, true);
    document.body.setAttribute("data-focused-plot", wanted);
  });
}
