/* A large layer from vector tiles (gis_service/web/tiles.py) instead of GeoJSON in the page: the
   payload names the tiles ({url, layer, minZoom, colours}), the vendored Leaflet.VectorGrid draws
   them on canvas. Each feature carries id, kind and name; a click selects it (outlined, a popup
   with its id and name, body[data-selected]) and passes the point to the map's "preclick"
   listeners, so the planner's lookup answers as for a GeoJSON layer. Below the layer's minimum
   zoom no tile is asked for and a note says to zoom in. */
"use strict";

// Leaflet 1.8 dropped L.DomEvent.fakeStop, which VectorGrid 1.3's canvas click handler calls;
// _stopped is what Leaflet's own handlers check to leave an event to the layer that took it
if (!L.DomEvent.fakeStop) L.DomEvent.fakeStop = function (e) { e._stopped = true; };

/* No tile is asked for below the layer's first zoom (its tiles would be empty). Not GridLayer's
   minZoom option: Leaflet makes that the whole map's minimum zoom and zooms the map in to it. */
var TiledGrid = L.VectorGrid.Protobuf.extend({
  _isValidTile: function (coords) {
    return coords.z >= this.options.firstZoom && L.VectorGrid.Protobuf.prototype._isValidTile.call(this, coords);
  }
});

/* A payload layer with "tiles" (gis_service/web/plannermap.py), drawn and added to the map. */
function tiledLayer(map, layer, data) {
  return vectorTiles(map, layer.tiles, {style: layer.style, highlight: layer.style.highlight,
                                        mark: layer.illustrative ? data.illustrativeMark : ""}).addTo(map);
}

/* tiled: {url, layer, minZoom, colours, title_vi, title_en}; o: {style, highlight, mark,
   interactive}. Returns the layer, not yet added. */
function vectorTiles(map, tiled, o) {
  var colours = tiled.colours || {};
  function styleOf(p) {
    return Object.assign({weight: 1, color: "#333333", fillOpacity: 0.6}, o.style || {},
                         {fill: true, fillColor: colours[p.kind] || "#888888"});
  }
  var styles = {};
  styles[tiled.layer] = styleOf;
  var layer = new TiledGrid(tiled.url, {
    vectorTileLayerStyles: styles, rendererFactory: L.canvas.tile, interactive: o.interactive !== false,
    firstZoom: tiled.minZoom, maxNativeZoom: 18, getFeatureId: function (f) { return f.properties.id; }
  });
  layer.eachLayer = function () {};  // no feature is held on the page: nothing to walk
  var selected = null;
  layer.on("click", function (e) {
    var p = e.layer.properties;
    map.fire("preclick", {latlng: e.latlng});  // the page's click-to-look-up, as on a GeoJSON layer
    if (selected !== null) layer.resetFeatureStyle(selected);
    selected = p.id;
    layer.setFeatureStyle(p.id, Object.assign(styleOf(p), o.highlight || {weight: 4, color: "#000000"}));
    document.body.setAttribute("data-selected", p.id);
    L.popup({maxWidth: 420, className: "gj-popup"}).setLatLng(e.latlng)
      .setContent(featurePopup(p, tiled, o.mark)).openOn(map);
  });
  zoomHint(map, layer, tiled, o.interactive !== false);
  return layer;
}

function featurePopup(p, tiled, mark) {
  return h("div", {class: "pp tile-feature", "data-id": p.id},
    mark ? h("div", {class: "mh"}, mark) : null,
    h("b", {class: "zname"}, p.name_vi || p.name || p.id), h("br"),
    h("small", null, tiled.title_vi + " / " + tiled.title_en), h("br"),
    "Mã / Id: ", h("b", null, p.id), h("br"),
    h("small", null, "Chi tiết ở bảng thông tin / details in the side panel"));
}

/* Below the first zoom: "zoom in" on a map one can zoom; on the office display (not interactive),
   that the layer is too dense to draw at this scale. */
function zoomHint(map, layer, tiled, interactive) {
  var minZoom = tiled.minZoom, count = formatNumber(tiled.count, 0);
  var box = interactive
    ? h("div", {class: "zoom-hint"}, "Phóng to để xem " + tiled.title_vi + " (từ mức " + minZoom + ")", h("br"),
        h("small", null, "Zoom in to see " + tiled.title_en + " (from level " + minZoom + ")"))
    : h("div", {class: "zoom-hint"}, tiled.title_vi + ": " + count + " — quá dày để vẽ ở tỷ lệ này", h("br"),
        h("small", null, tiled.title_en + ": " + count + " — too dense to draw at this scale"));
  var control = L.control({position: "bottomleft"});
  control.onAdd = function () { return box; };
  control.addTo(map);
  function update() { box.hidden = !map.hasLayer(layer) || map.getZoom() >= minZoom; }
  map.on("zoomend layeradd layerremove", update);
  update();
}
