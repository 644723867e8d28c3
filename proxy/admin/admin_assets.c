/* admin_assets.c: the migration page's stylesheet and script, served from
 * the binary (no CDN, no external font). The script only makes tables
 * sortable: the page is complete without it. */
#include <string.h>

#include "admin_page.h"

static const char app_css[] =
    "/* acme-bridge migration page */\n"
    ":root { --fg: #1d2330; --muted: #5b6475; --line: #d7dce5; --bg: #f6f7f9;\n"
    "  --ok: #3a78c9; --fail: #d2452f; --ver: #6a5acd; }\n"
    "* { box-sizing: border-box; }\n"
    "body { margin: 0; font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", "
    "Roboto, \"DejaVu Sans\", sans-serif; color: var(--fg); background: "
    "var(--bg); }\n"
    "header { padding: 16px 24px 8px; background: #fff; border-bottom: 1px "
    "solid var(--line); }\n"
    "h1 { font-size: 22px; margin: 0 0 6px; }\n"
    "h2 { font-size: 16px; margin: 0 0 8px; }\n"
    "main { padding: 12px 24px 32px; }\n"
    "section { background: #fff; border: 1px solid var(--line); border-radius: "
    "6px;\n"
    "  padding: 14px 16px; margin: 0 0 16px; }\n"
    ".summary { font-size: 16px; margin: 0 0 4px; }\n"
    ".generated, .note { color: var(--muted); margin: 0 0 8px; }\n"
    ".empty { color: var(--muted); font-style: italic; }\n"
    ".scroll { overflow-x: auto; }\n"
    "table { border-collapse: collapse; width: 100%; }\n"
    "th, td { text-align: left; vertical-align: top; padding: 5px 6px;\n"
    "  border-bottom: 1px solid var(--line); }\n"
    "th { background: #eef1f5; white-space: nowrap; font-weight: 600; }\n"
    "th.sortable-th { cursor: pointer; user-select: none; }\n"
    "th.sortable-th:hover, th.sortable-th:focus { background: #e1e6ee; }\n"
    "th[aria-sort=ascending]::after { content: \" \\25B2\"; font-size: 10px; "
    "}\n"
    "th[aria-sort=descending]::after { content: \" \\25BC\"; font-size: 10px; "
    "}\n"
    "td.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
    "td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }\n"
    "td.soon { color: #a35a00; font-weight: 600; }\n"
    "td.expired { color: var(--fail); font-weight: 600; }\n"
    "td.client { min-width: 10em; }\n"
    "td.client .family { display: block; font-weight: 600; }\n"
    "td.client .ua, td.error .at { display: block; color: var(--muted); "
    "font-size: 12px;\n"
    "  overflow-wrap: anywhere; }\n"
    "td.error, td.etype { color: var(--fail); }\n"
    "/* error details, and addresses and names past their min-width (an\n"
    "   IPv6 address, a long name), wrap anywhere: the inventory fits a\n"
    "   1280 px window; times and headers stay whole */\n"
    "td.error, td.detail { overflow-wrap: anywhere; }\n"
    "#inventory td:nth-child(4), #inventory td:nth-child(7) {\n"
    "  overflow-wrap: anywhere; min-width: 9em; }\n"
    "tbody tr:hover { background: #f3f6fb; }\n"
    "svg.chart { display: block; width: 100%; height: auto; max-width: 1100px; "
    "}\n"
    "svg .bar-ok { fill: var(--ok); }\n"
    "svg .bar-fail { fill: var(--fail); }\n"
    "svg .bar-version { fill: var(--ver); }\n"
    "svg .hour:hover rect { opacity: 0.7; }\n"
    "svg .axis { stroke: #8a93a3; stroke-width: 1; }\n"
    "svg .grid { stroke: #e3e7ee; stroke-width: 1; }\n"
    "svg .day { stroke: #c9cfda; stroke-width: 1; stroke-dasharray: 2 2; }\n"
    "svg text { font-size: 11px; fill: var(--muted); }\n"
    "svg .ylabel, svg .vlabel { text-anchor: end; }\n"
    "svg .xlabel { text-anchor: start; }\n"
    "svg .xlabel.now { text-anchor: end; }\n"
    "svg .vlabel { font-size: 12px; fill: var(--fg); }\n"
    "svg .nodata { font-size: 14px; text-anchor: middle; font-style: italic; "
    "}\n"
    ".key { display: inline-block; width: 10px; height: 10px; margin: 0 2px 0 "
    "10px;\n"
    "  vertical-align: baseline; }\n"
    ".key-ok { background: var(--ok); }\n"
    ".key-fail { background: var(--fail); }\n";

static const char app_js[] =
    "// acme-bridge migration page: click a table header to sort by it\n"
    "// (again to reverse). Nothing else depends on this script.\n"
    "(function () {\n"
    "  'use strict';\n"
    "  function key(td, num) {\n"
    "    var v = td && td.hasAttribute('data-sort') ? "
    "td.getAttribute('data-sort')\n"
    "      : (td ? td.textContent.trim() : '');\n"
    "    if (num) {\n"
    "      var n = parseFloat(v);\n"
    "      return isNaN(n) ? -Infinity : n;\n"
    "    }\n"
    "    return v.toLowerCase();\n"
    "  }\n"
    "  function sortBy(table, th, idx) {\n"
    "    var num = th.getAttribute('data-type') === 'num';\n"
    "    var asc = th.getAttribute('aria-sort') !== 'ascending';\n"
    "    var body = table.tBodies[0];\n"
    "    var rows = Array.prototype.filter.call(body.rows, function (r) {\n"
    "      return !r.classList.contains('empty');\n"
    "    });\n"
    "    rows.sort(function (a, b) {\n"
    "      var x = key(a.cells[idx], num), y = key(b.cells[idx], num);\n"
    "      var c = x < y ? -1 : (x > y ? 1 : 0);\n"
    "      return asc ? c : -c;\n"
    "    });\n"
    "    rows.forEach(function (r) { body.appendChild(r); });\n"
    "    Array.prototype.forEach.call(th.parentNode.cells, function (h) {\n"
    "      h.removeAttribute('aria-sort');\n"
    "    });\n"
    "    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');\n"
    "  }\n"
    "  function setup(table) {\n"
    "    var head = table.tHead && table.tHead.rows[0];\n"
    "    if (!head) return;\n"
    "    Array.prototype.forEach.call(head.cells, function (th, idx) {\n"
    "      th.classList.add('sortable-th');\n"
    "      th.tabIndex = 0;\n"
    "      th.title = 'Sort by ' + th.textContent.trim().toLowerCase();\n"
    "      th.addEventListener('click', function () { sortBy(table, th, idx); "
    "});\n"
    "      th.addEventListener('keydown', function (e) {\n"
    "        if (e.key === 'Enter' || e.key === ' ') {\n"
    "          e.preventDefault();\n"
    "          sortBy(table, th, idx);\n"
    "        }\n"
    "      });\n"
    "    });\n"
    "  }\n"
    "  function init() {\n"
    "    "
    "Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), "
    "setup);\n"
    "  }\n"
    "  if (document.readyState === 'loading')\n"
    "    document.addEventListener('DOMContentLoaded', init);\n"
    "  else\n"
    "    init();\n"
    "})();\n";

/* The tab icon: without one, browsers ask for /favicon.ico (a 404 and a
 * console error). */
static const char favicon_svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">"
    "<rect width=\"16\" height=\"16\" rx=\"3\" fill=\"#3a78c9\"/>"
    "<rect x=\"3\" y=\"9\" width=\"2\" height=\"4\" fill=\"#fff\"/>"
    "<rect x=\"7\" y=\"6\" width=\"2\" height=\"7\" fill=\"#fff\"/>"
    "<rect x=\"11\" y=\"3\" width=\"2\" height=\"10\" fill=\"#fff\"/>"
    "</svg>\n";

static const struct admin_asset assets[] = {
	{ "/static/app.css", "text/css; charset=utf-8", app_css,
	    sizeof(app_css) - 1 },
	{ "/static/app.js", "text/javascript; charset=utf-8", app_js,
	    sizeof(app_js) - 1 },
	{ "/static/favicon.svg", "image/svg+xml", favicon_svg,
	    sizeof(favicon_svg) - 1 },
};

const struct admin_asset *
admin_asset_find(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(assets[i].path, path) == 0)
			return &assets[i];
	return NULL;
}
