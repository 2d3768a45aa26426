/* Helpers shared by the planner map, the edge-matching map and the public display. Data come
   from the server as JSON and are set as text: h() makes elements whose children are text
   nodes, so a name holding markup stays text. Leaflet's layer control takes its labels as HTML:
   they are made with escapeHtml(). No inline style anywhere: colours are set through the
   element's style object, which the page's Content-Security-Policy allows. */
"use strict";

function escapeHtml(text) {
  return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
    return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
  });
}

/* 1234.5 -> "1.234,50" with ``digits`` decimals: the Vietnamese way, as the server writes a
   number under a bilingual label (gis_service.l10n). */
function formatNumber(value, digits) {
  return Number(value).toLocaleString("vi-VN", {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

/* h("b", {class: "ok"}, "text", otherNode, [more]) — an element; strings become text nodes. */
function h(tag, attrs) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (name) {
    if (name === "class") node.className = attrs[name];
    else if (attrs[name] !== null && attrs[name] !== undefined) node.setAttribute(name, attrs[name]);
  });
  for (var i = 2; i < arguments.length; i++) appendTo(node, arguments[i]);
  return node;
}

function appendTo(node, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach(function (c) { appendTo(node, c); }); return; }
  node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
}

/* The JSON a page carries in <script type="application/json" id="…">. */
function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

/* Legend swatches: colours from data-fill / data-border (the CSP forbids style attributes). */
function paintSwatches(root) {
  (root || document).querySelectorAll("[data-fill], [data-border]").forEach(function (el) {
    if (el.dataset.fill) el.style.background = el.dataset.fill;
    if (el.dataset.border) el.style.borderColor = el.dataset.border;
  });
}

/* A label for Leaflet's layer control (it takes HTML): escaped text, the mark in red. */
function layerLabel(vi, en, mark, className) {
  return "<span class='" + (className || "") + "'>" + escapeHtml(vi) + " <small>/ " + escapeHtml(en) +
    "</small></span>" + (mark ? " <b class='mh'>" + escapeHtml(mark) + "</b>" : "");
}

/* An offline Leaflet map in element ``id`` fitted to [[s, w], [n, e]]: no tiles unless the
   server names an opt-in tile source, a metric scale. */
function offlineMap(id, bounds, tiles, options) {
  var map = L.map(id, Object.assign({preferCanvas: false}, options || {}));
  if (tiles) L.tileLayer(tiles.url, {attribution: escapeHtml(tiles.attribution)}).addTo(map);
  L.control.scale({imperial: false}).addTo(map);
  map.fitBounds(bounds);
  return map;
}

/* A GeoJSON layer: path style, points as circle markers of ``pointStyle``, a popup (with
   Leaflet's ``popupOptions``) and a tooltip made by functions of the feature's properties
   (returning elements or text). */
function geoLayer(geojson, o) {
  var styleOf = typeof o.style === "function" ? o.style : function () { return o.style || {}; };
  return L.geoJSON(geojson, {
    style: styleOf,
    pointToLayer: function (f, latlng) { return L.circleMarker(latlng, o.pointStyle || {radius: 6}); },
    onEachFeature: function (f, layer) {
      if (o.popup) layer.bindPopup(function () { return asNode(o.popup(f.properties)); },
                                   Object.assign({maxWidth: 420, className: "gj-popup"}, o.popupOptions));
      if (o.tooltip) layer.bindTooltip(function () { return asNode(o.tooltip(f.properties)); }, {sticky: true});
      if (o.highlight) {
        layer.on("mouseover", function () { layer.setStyle(o.highlight); });
        layer.on("mouseout", function () { layer.setStyle(styleOf(f)); });
      }
    }
  });
}

function asNode(content) {
  return typeof content === "object" ? content : h("span", null, content);
}

/* For tests and the page benchmark: the time from navigation to the first full render. */
function markReady() {
  requestAnimationFrame(function () {
    window.__readyAt = performance.now();
    document.body.setAttribute("data-ready", "1");
  });
}
