/* Helpers shared by the planner map (planner.js) and the public display (display.js). */
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
