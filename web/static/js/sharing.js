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

/* The upload form: the token goes in the Authorization header (a plain form cannot set it), the
   answer is shown as text: what was imported and its edge-matching, or the server's error. */
function initSendForm(form, result) {
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = new FormData(form);
    var token = body.get("token");
    body.delete("token");
    result.replaceChildren(h("p", null, "Đang gửi… ", h("span", {class: "en", lang: "en"}, "/ sending…")));
    fetch(form.action, {method: "POST", body: body, headers: {"Authorization": "Bearer " + token}})
      .then(function (r) { return r.json().then(function (answer) { return {ok: r.ok, status: r.status, answer: answer}; }); })
      .then(function (reply) {
        if (!reply.ok) {
          result.replaceChildren(h("p", {class: "error-box"}, "Không nhận tệp (" + reply.status + "): ",
                                   String(reply.answer.error || "")));
          return;
        }
        result.replaceChildren(h("p", null, h("b", null, "Đã nhận "), h("span", {class: "en", lang: "en"}, "/ received"), ": ",
                                 reply.answer.imported.join(", ")),
          h("ul", null, reply.answer.edgematch.map(function (m) {
            return h("li", {"data-neighbour": m.neighbour}, m.neighbour + ": chồng lấn " + formatNumber(m.overlap_ha, 2) +
                     " ha, khe hở " + formatNumber(m.gap_ha, 2) + " ha, khớp " + formatNumber(m.agreed_pct, 1) + " %",
                     h("span", {class: "en", lang: "en"}, " / overlap, gap, agreed"));
          })),
          h("p", null, h("a", {href: window.location.pathname + window.location.search}, "Tải lại trang để xem trên bản đồ ",
                         h("span", {class: "en", lang: "en"}, "/ reload the page to see it on the map"))));
      })
      .catch(function () {
        result.replaceChildren(h("p", {class: "error-box"}, "Không kết nối được máy chủ ",
                                 h("span", {class: "en", lang: "en"}, "/ the server cannot be reached")));
      });
  });
}

initSharingMap(readJson("edgematch-data"));
if (document.getElementById("send-form")) {
  initSendForm(document.getElementById("send-form"), document.getElementById("send-result"));
}
