/* The planner map's side panel: what is selected (a zone: its area against the target, rule
   status and provenance; a violation; a point looked up) drawn with h(), every text as text.
   planner.js decides what is selected; this file only draws it. */
"use strict";

function verdictNode(passed) {
  return h("b", {class: passed ? "ok" : "ko"}, passed ? "ĐẠT / PASS" : "KHÔNG ĐẠT / FAIL");
}

/* The zone's rules, the failing ones first (stable order otherwise). */
function ruleItems(rules) {
  var failingFirst = rules.filter(function (r) { return !r.passed; }).concat(rules.filter(function (r) { return r.passed; }));
  return h("ul", {class: "rules"}, failingFirst.map(function (r) {
    return h("li", {class: r.passed ? "ok" : "ko", "data-rule": r.rule_id}, r.passed ? "✓ " : "✗ ",
             h("b", null, r.rule_id), " ", r.title_vi, " ", h("small", null, "/ " + r.title_en));
  }));
}

function row(label, value, className) {
  return h("tr", className ? {class: className} : null, h("th", null, label), h("td", null, value));
}

/* A zone as the panel shows it: the properties of the zones layer or a /lookup answer's zone. */
function zoneCard(z, data) {
  if (!z.id) return remainingCard(z, data);
  var t = z.kind_target;
  var target = t ? [h("b", {class: "target"}, t.target), " (" + t.rule_id + ")", h("br"),
                    "toàn loại đo được / whole kind measures " + t.measured_text + " · ", verdictNode(t.passed)]
                 : "Không có chỉ tiêu diện tích / No area target";
  return h("article", {class: "card zone " + (z.passed ? "pass" : "fail"), "data-zone": z.id},
    z.illustrative ? h("div", {class: "mh"}, data.illustrativeMark) : null,
    h("h3", null, h("span", {class: "zid"}, z.id), " · ", z.name_vi, " ", h("small", null, "/ " + z.name_en)),
    h("table", null,
      row("Loại / Kind", [z.kind_vi, h("br"), h("small", null, z.kind_en)]),
      row("Mã loại đất / Land-use code", z.landuse),
      row("Diện tích / Area", [h("b", {class: "area", "data-ha": z.area_ha.toFixed(4)}, z.area_text),
                               " phẳng / planar " + data.planCrs, h("br"),
                               h("small", null, "trắc địa / geodesic " + z.geodesic_text)], "area-row"),
      row("Chỉ tiêu / Target", target, "target-row"),
      row("Trạng thái / Status", z.status_text),
      row("Nguồn / Provenance", provenance(z.provenance, data), "prov")),
    h("div", {class: "rules-head"}, "Quy tắc / Rules: ", z.rules.length ? verdictNode(z.passed) : "—"),
    ruleItems(z.rules));
}

function remainingCard(z, data) {
  return h("article", {class: "card zone remaining"},
    z.illustrative ? h("div", {class: "mh"}, data.illustrativeMark) : null,
    h("h3", null, z.name_vi, " ", h("small", null, "/ " + z.name_en)),
    h("p", null, "Mã loại đất / Land-use code: ", h("b", null, z.landuse)),
    h("p", null, "Trong xã nhưng ngoài các vùng quy hoạch / inside the commune, in no zone"));
}

/* Where the zone comes from: the version shown, the file (and its checksum) that brought the
   zones, the version's status and, when approved, the decision; the illustrative mark. */
function provenance(p, data) {
  return ["Phiên bản / version " + p.version +
            (p.zones_version !== p.version ? " (từ phiên bản / from version " + p.zones_version + ")" : ""), h("br"),
          p.source_file ? ["tệp / file ", h("b", null, p.source_file),
                           p.source_sha256 ? [" · sha256 ", h("code", null, p.source_sha256.slice(0, 12) + "…")] : null,
                           h("br")] : null,
          h("b", null, p.status_vi), " / " + p.status_en,
          p.decision_vi ? [h("br"), p.decision_vi, h("br"), h("small", null, p.decision_en)] : null,
          p.illustrative ? [h("br"), h("b", {class: "mh"}, data.illustrativeMark)] : null];
}

function violationCard(v) {
  return h("article", {class: "card viol", "data-rule": v.rule_id},
    h("h3", null, "⚠ ", h("span", {class: "rid"}, v.rule_id), " · Vi phạm / Violation"),
    h("p", null, v.title_vi, " ", h("small", null, "/ " + v.title_en)),
    h("p", null, v.message_vi, h("br"), h("small", null, v.message_en)),
    h("p", null, "Đo được / Measured: ", h("b", {class: "measured"}, v.measured_text),
      " · Chỉ tiêu / Target: ", h("b", null, v.target)));
}

function pointHead(result) {
  return h("p", {class: "lk-pos"}, formatNumber(result.lat, 6) + "° N, " + formatNumber(result.lon, 6) + "° E · VN-2000 " +
    result.plan_crs + ": x " + formatNumber(result.plan_x, 1) + ", y " + formatNumber(result.plan_y, 1));
}

function plotCard(p, layer, data) {
  return h("div", {class: "pp plot", "data-plot": p.plot_id},
    layer.illustrative ? h("div", {class: "mh"}, data.illustrativeMark) : null,
    h("b", {class: "zname"}, "Thửa / Plot " + p.plot_id), " ", h("small", null, "(" + p.zone_id + ")"),
    h("table", null, p.rows.map(function (r) { return row(r[0], r[1]); })),
    h("small", null, "Ngày xét / judged on " + p.on_vi));
}

function contextCard(p, layer, data) {
  return h("div", {class: "pp"}, h("b", null, p.label), h("br"), layer.title_vi, h("br"),
           h("small", null, layer.title_en),
           layer.illustrative ? [h("br"), h("b", {class: "mh"}, data.illustrativeMark)] : null);
}

/* The panel's selection area: replaced whole; the panel opens if it was folded away. */
function showSelection(content) {
  var box = document.getElementById("selection-body");
  box.replaceChildren();
  appendTo(box, content);
  setPanelOpen(true);
  document.getElementById("selection").scrollIntoView({block: "start"});
}

function setPanelOpen(open) {
  var side = document.getElementById("side");
  side.classList.toggle("collapsed", !open);
  document.getElementById("side-toggle").setAttribute("aria-expanded", open ? "true" : "false");
}

function initPanelToggle(narrow) {
  document.getElementById("side-toggle").addEventListener("click", function () {
    setPanelOpen(document.getElementById("side").classList.contains("collapsed"));
  });
  if (narrow) setPanelOpen(false);  // a phone starts with the whole map
}
