// crowdaudit HTML report: worker table, charts and worker detail, drawn from the embedded JSON.
// No library, no network. Every string from the data reaches the page through textContent or a
// text node, never through the HTML parser, so worker-written labels and ids always show as text.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var D = JSON.parse(document.getElementById("crowdaudit-data").textContent);
  var COLS = D.columns;
  var ROWS = D.rows;
  var N = ROWS.length;
  var colIndex = {};
  COLS.forEach(function (c, i) { colIndex[c.name] = i; });

  // ---- small DOM helpers ------------------------------------------------------------------
  function add(parent, children) {
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      if (Array.isArray(child)) { add(parent, child); return; }
      parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return parent;
  }
  function h(tag, attrs) {
    var el = document.createElement(tag);
    setAttrs(el, attrs);
    return add(el, Array.prototype.slice.call(arguments, 2));
  }
  function s(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    setAttrs(el, attrs);
    return add(el, Array.prototype.slice.call(arguments, 2));
  }
  function setAttrs(el, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      el.setAttribute(k, String(v));
    });
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }
  function byId(id) { return document.getElementById(id); }
  function truncate(text, n) { text = String(text); return text.length > n ? text.slice(0, n - 1) + "\u2026" : text; }

  // ---- formatting -------------------------------------------------------------------------
  function isNum(v) { return typeof v === "number" && isFinite(v); }
  // One formatter and one collator: building them per call costs a millisecond each.
  var INT_FORMAT = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var COLLATOR = new Intl.Collator("en", { numeric: true });
  function fmtInt(v) { return INT_FORMAT.format(Math.round(v)); }
  // A share that is not exactly 0 or 1 never reads as 0% or 100% (as report/figures.py does):
  // more decimals, up to 3, then "over 99.999%" / "under 0.001%".
  function fmtPct(v) {
    var exact = v === 0 || v === 1;
    for (var d = 1; d <= 3; d++) {
      var t = (v * 100).toFixed(d);
      if (exact || (Number(t) !== 0 && Number(t) !== 100)) return t + "%";
    }
    return v > 0.5 ? "over 99.999%" : "under 0.001%";
  }
  function fmtFloat(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    if (a >= 1000) return fmtInt(v);
    return Number(v.toPrecision(3)).toString();
  }
  function fmtSeconds(v) {
    if (v < 60) return (v < 10 ? v.toFixed(1) : v.toFixed(0)) + " s";
    if (v < 3600) return (v / 60).toFixed(v < 600 ? 1 : 0) + " min";
    if (v < 86400 * 2) return (v / 3600).toFixed(1) + " h";
    return (v / 86400).toFixed(1) + " d";
  }
  function fmtDate(v) { return String(v).replace("T", " ").slice(0, 16); }
  function fmt(kind, v) {
    if (v === null || v === undefined) return "\u2014";
    switch (kind) {
      case "int": return fmtInt(v);
      case "rate": return fmtPct(v);
      case "float": return fmtFloat(v);
      case "seconds": return fmtSeconds(v);
      case "datetime": return fmtDate(v);
      case "flag": case "bool": return v ? "yes" : "no";
      default: return String(v);
    }
  }
  function val(row, name) { var i = colIndex[name]; return i === undefined ? null : ROWS[row][i]; }
  function title(name) { var i = colIndex[name]; return i === undefined ? name : COLS[i].title; }
  function rowFlags(row) { return D.flags.filter(function (f) { return val(row, f) === true; }); }
  function workerName(row) { var w = val(row, "worker"); return w === null ? "(unknown worker)" : String(w); }
  function ciOf(row, name) {
    var lo = val(row, name + "_low"), hi = val(row, name + "_high");
    return isNum(lo) && isNum(hi) ? [lo, hi] : null;
  }

  // ---- worker table -----------------------------------------------------------------------
  var jobs = {};
  if (colIndex.job !== undefined) ROWS.forEach(function (r) { if (r[colIndex.job] !== null) jobs[r[colIndex.job]] = true; });
  var hasJob = Object.keys(jobs).length > 1;
  var visible = COLS.filter(function (c) {
    if (c.kind === "flag") return false;
    if (c.name === "job" && !hasJob) return false;
    var m = /^(.*)_(low|high)$/.exec(c.name);
    return !(m && colIndex[m[1]] !== undefined);
  });
  var showFlags = D.flags.length > 0;
  var tableCols = [];
  visible.forEach(function (c) {
    tableCols.push(c);
    if (c.name === "worker" && showFlags) tableCols.push({ name: "__flags", kind: "flags", title: "flags" });
  });
  if (showFlags && colIndex.worker === undefined) tableCols.push({ name: "__flags", kind: "flags", title: "flags" });

  var order = [];
  for (var i = 0; i < N; i++) order.push(i);
  var sortState = { name: null, dir: 1 };
  var selected = null;
  var shown = order.slice();
  var trs = [];

  function sortKey(row, col) {
    if (col.kind === "flags") return rowFlags(row).length;
    var v = val(row, col.name);
    if (typeof v === "boolean") return v ? 1 : 0;
    return v;
  }
  function compare(a, b) {
    if (a === null || a === undefined) return b === null || b === undefined ? 0 : 1;
    if (b === null || b === undefined) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return COLLATOR.compare(String(a), String(b));
  }

  function cellFor(row, col) {
    if (col.kind === "flags") {
      var flags = rowFlags(row);
      return h("td", { class: "flags" }, flags.map(function (f) { return h("span", { class: "badge" }, title(f)); }));
    }
    var v = val(row, col.name);
    var cls = col.name === "worker" ? "worker" : col.kind;
    if (v === null || v === undefined) cls += " null";
    var td = h("td", { class: cls }, fmt(col.kind, v));
    if (col.name === "worker" && v !== null) td.setAttribute("title", String(v));
    if (col.kind === "datetime" && v !== null) td.setAttribute("title", String(v));
    var ci = isNum(v) ? ciOf(row, col.name) : null;
    if (ci) add(td, [" ", h("span", { class: "ci" }, "[" + fmtPct(ci[0]) + "\u2013" + fmtPct(ci[1]) + "]")]);
    return td;
  }

  function buildTable() {
    var thead = byId("worker-thead");
    var tr = h("tr", null);
    tableCols.forEach(function (col) {
      var th = h("th", { class: col.kind === "text" || col.kind === "flags" ? "text" : col.kind, title: col.name === "__flags" ? "flags raised on evidence" : (col.help || col.title), "data-col": col.name, scope: "col", tabindex: "0" }, col.title);
      th.addEventListener("click", function () { sortBy(col); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortBy(col); });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    for (var r = 0; r < N; r++) {
      var row = h("tr", { "data-row": r, tabindex: "0" }, tableCols.map(cellFor.bind(null, r)));
      if (rowFlags(r).length) row.classList.add("flagged");
      row.addEventListener("click", openDetail.bind(null, r));
      row.addEventListener("keydown", (function (rr) { return function (e) { if (e.key === "Enter") openDetail(rr); }; })(r));
      trs.push(row);
    }
  }

  function sortBy(col) {
    if (sortState.name === col.name) sortState.dir = -sortState.dir;
    else { sortState.name = col.name; sortState.dir = col.kind === "text" ? 1 : -1; }
    var dir = sortState.dir;
    order.sort(function (a, b) {
      var ka = sortKey(a, col), kb = sortKey(b, col);
      var nullA = ka === null || ka === undefined, nullB = kb === null || kb === undefined;
      if (nullA || nullB) return compare(ka, kb) || a - b;  // nulls last in both directions
      return dir * compare(ka, kb) || a - b;
    });
    Array.prototype.forEach.call(byId("worker-thead").querySelectorAll("th"), function (th) {
      if (th.getAttribute("data-col") === col.name) th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    });
    applyFilter();
  }

  function searchText(row) {
    var parts = [];
    COLS.forEach(function (c) { if (c.kind === "text") { var v = val(row, c.name); if (v !== null) parts.push(String(v)); } });
    rowFlags(row).forEach(function (f) { parts.push(title(f)); parts.push(f); });
    return parts.join("\n").toLowerCase();
  }
  var haystack = [];
  for (var j = 0; j < N; j++) haystack.push(searchText(j));

  // Rows are put in the table a page at a time: laying out a table of thousands of rows takes
  // seconds, and nobody scrolls past the first few hundred; sorting and search cover all rows.
  var PAGE = 250;
  var limit = PAGE;
  function applyFilter() {
    var q = byId("worker-search").value.trim().toLowerCase();
    var flaggedOnly = byId("flagged-only").checked;
    shown = order.filter(function (r) {
      if (flaggedOnly && !rowFlags(r).length) return false;
      return !q || haystack[r].indexOf(q) >= 0;
    });
    var fragment = document.createDocumentFragment();
    shown.slice(0, limit).forEach(function (r) { fragment.appendChild(trs[r]); });
    clear(byId("worker-tbody")).appendChild(fragment);
    var inTable = Math.min(limit, shown.length);
    var count = "showing " + fmtInt(shown.length) + " of " + fmtInt(N) + " workers";
    if (inTable < shown.length) count += " (the first " + fmtInt(inTable) + " in the table)";
    byId("worker-count").textContent = count;
    byId("worker-more").hidden = inTable >= shown.length;
    byId("worker-all").hidden = inTable >= shown.length;
    drawTiming();
  }

  // ---- chart helpers ----------------------------------------------------------------------
  function linear(d0, d1, r0, r1) {
    var span = d1 - d0 || 1;
    return function (v) { return r0 + (v - d0) / span * (r1 - r0); };
  }
  function niceTicks(lo, hi, count) {
    var span = hi - lo;
    if (!(span > 0)) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10(span / count)));
    var err = span / count / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var ticks = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
    return ticks;
  }
  function svgRoot(width, height, label) {
    return s("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img", "aria-label": label });
  }
  function chartWidth(el, fallback) {
    var w = el.clientWidth - 18;
    return w > 400 ? Math.min(w, 1300) : fallback;
  }
  function emptyNote(el, text) { clear(el); el.appendChild(h("p", { class: "note" }, text)); }

  // ---- accuracy against agreement scatter -------------------------------------------------
  function fillSelect(sel, current) {
    D.scatter.options.forEach(function (name) {
      var o = h("option", { value: name }, title(name));
      if (name === current) o.selected = true;
      sel.appendChild(o);
    });
  }
  function domainOf(name, rows) {
    var kind = COLS[colIndex[name]].kind;
    if (kind === "rate") return [0, 1];
    var lo = Infinity, hi = -Infinity;
    rows.forEach(function (r) {
      var v = val(r, name), ci = ciOf(r, name);
      if (isNum(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      if (ci) { lo = Math.min(lo, ci[0]); hi = Math.max(hi, ci[1]); }
    });
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    var pad = (hi - lo) * 0.05;
    return [lo - pad, hi + pad];
  }
  function tickLabel(name, v) { return COLS[colIndex[name]].kind === "rate" ? Math.round(v * 100) + "%" : fmtFloat(v); }

  function drawScatter() {
    var el = byId("scatter");
    var xName = byId("scatter-x").value, yName = byId("scatter-y").value;
    if (!xName || !yName) { emptyNote(el, "No accuracy or agreement figures to plot."); return; }
    var rows = [], missing = 0;
    for (var r = 0; r < N; r++) {
      if (isNum(val(r, xName)) && isNum(val(r, yName))) rows.push(r); else missing++;
    }
    var W = chartWidth(el, 760), H = Math.round(Math.min(560, Math.max(400, W * 0.5))), m = { l: 62, r: 24, t: 22, b: 50 };
    var dx = domainOf(xName, rows), dy = domainOf(yName, rows);
    var x = linear(dx[0], dx[1], m.l, W - m.r), y = linear(dy[0], dy[1], H - m.b, m.t);
    var svg = svgRoot(W, H, title(yName) + " against " + title(xName));
    var grid = s("g", { class: "grid" }), axis = s("g", { class: "axis" });
    niceTicks(dx[0], dx[1], 8).forEach(function (t) {
      grid.appendChild(s("line", { x1: x(t), x2: x(t), y1: m.t, y2: H - m.b }));
      axis.appendChild(s("text", { x: x(t), y: H - m.b + 16, "text-anchor": "middle" }, tickLabel(xName, t)));
    });
    niceTicks(dy[0], dy[1], 8).forEach(function (t) {
      grid.appendChild(s("line", { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t) }));
      axis.appendChild(s("text", { x: m.l - 8, y: y(t) + 4, "text-anchor": "end" }, tickLabel(yName, t)));
    });
    axis.appendChild(s("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
    axis.appendChild(s("line", { x1: m.l, x2: m.l, y1: m.t, y2: H - m.b }));
    axis.appendChild(s("text", { x: (m.l + W - m.r) / 2, y: H - 10, "text-anchor": "middle", class: "label-strong" }, title(xName)));
    axis.appendChild(s("text", { x: 16, y: (m.t + H - m.b) / 2, "text-anchor": "middle", class: "label-strong", transform: "rotate(-90 16 " + (m.t + H - m.b) / 2 + ")" }, title(yName)));
    svg.appendChild(grid);
    svg.appendChild(axis);
    var lo = Math.max(dx[0], dy[0]), hi = Math.min(dx[1], dy[1]);
    if (hi > lo) svg.appendChild(s("line", { class: "diag", x1: x(lo), y1: y(lo), x2: x(hi), y2: y(hi) }));

    var maxN = 1;
    rows.forEach(function (r) { var n = val(r, "n_objects"); if (isNum(n)) maxN = Math.max(maxN, n); });
    var radius = function (r) { var n = val(r, "n_objects"); return 3 + 11 * Math.sqrt((isNum(n) ? n : 0) / maxN); };
    var bars = s("g", null), dots = s("g", null);
    rows.slice().sort(function (a, b) { return radius(b) - radius(a); }).forEach(function (r) {
      var flagged = rowFlags(r).length > 0, cx = x(val(r, xName)), cy = y(val(r, yName));
      var ciy = ciOf(r, yName), cix = ciOf(r, xName);
      var cls = "ci-bar" + (flagged ? " flagged" : "");
      if (ciy) bars.appendChild(s("line", { class: cls, x1: cx, x2: cx, y1: y(ciy[0]), y2: y(ciy[1]) }));
      if (cix) bars.appendChild(s("line", { class: cls, x1: x(cix[0]), x2: x(cix[1]), y1: cy, y2: cy }));
      var tip = workerName(r) + "\n" + title(yName) + ": " + fmt(COLS[colIndex[yName]].kind, val(r, yName)) +
        (ciy ? " [" + fmtPct(ciy[0]) + "\u2013" + fmtPct(ciy[1]) + "]" : "") +
        "\n" + title(xName) + ": " + fmt(COLS[colIndex[xName]].kind, val(r, xName)) +
        "\nobjects: " + fmt("int", val(r, "n_objects")) +
        (flagged ? "\nflags: " + rowFlags(r).map(title).join(", ") : "");
      var dot = s("circle", { class: "dot" + (flagged ? " flagged" : "") + (r === selected ? " selected" : ""), cx: cx, cy: cy, r: radius(r), "data-row": r }, s("title", null, tip));
      dot.addEventListener("click", openDetail.bind(null, r));
      dots.appendChild(dot);
    });
    svg.appendChild(bars);
    svg.appendChild(dots);
    clear(el).appendChild(svg);
    byId("scatter-note").textContent = missing
      ? fmtInt(missing) + " of " + fmtInt(N) + " workers are not shown: they have no " + title(yName) + " or no " + title(xName) + "."
      : "All " + fmtInt(N) + " workers shown.";
  }

  // ---- time per object ----------------------------------------------------------------------
  var TIMING_ROWS = 40;
  function drawTiming() {
    var el = byId("timing-chart");
    if (!D.hist.length) { emptyNote(el, "These answers carry no time information."); return; }
    // Workers to check first, then the fastest: a fast spammer is never below the fold.
    var toCheck = function (r) { return rowFlags(r).length > 0 || val(r, "verdict") === "check"; };
    var rows = shown.filter(function (r) { return D.detail[r].q; }).sort(function (a, b) {
      var ca = toCheck(a) ? 0 : 1, cb = toCheck(b) ? 0 : 1;
      return ca !== cb ? ca - cb : D.detail[a].q[2] - D.detail[b].q[2];
    }).slice(0, TIMING_ROWS);
    if (!rows.length) { emptyNote(el, "No worker in the table's current selection has timed answers."); return; }
    var rowH = 17, W = chartWidth(el, 760), m = { l: 230, r: 20, t: 8, b: 40 };
    var H = m.t + m.b + rows.length * rowH;
    var lo = Math.log(D.hist[0]), hi = Math.log(D.hist[D.hist.length - 1]);
    var x = function (v) { return m.l + (Math.log(Math.max(v, D.hist[0])) - lo) / (hi - lo || 1) * (W - m.l - m.r); };
    var svg = svgRoot(W, H, "Seconds per object per worker");
    var grid = s("g", { class: "grid" }), axis = s("g", { class: "axis" });
    [0.1, 0.3, 1, 3, 10, 30, 60, 180, 600, 1800, 3600, 10800, 36000, 86400].forEach(function (t) {
      if (t < D.hist[0] || t > D.hist[D.hist.length - 1]) return;
      grid.appendChild(s("line", { x1: x(t), x2: x(t), y1: m.t, y2: H - m.b }));
      axis.appendChild(s("text", { x: x(t), y: H - m.b + 15, "text-anchor": "middle" }, fmtSeconds(t)));
    });
    axis.appendChild(s("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
    axis.appendChild(s("text", { x: (m.l + W - m.r) / 2, y: H - 6, "text-anchor": "middle", class: "label-strong" }, "seconds per object (log scale): whiskers 5\u201395%, box 25\u201375%, line median"));
    svg.appendChild(grid);
    svg.appendChild(axis);
    rows.forEach(function (r, k) {
      var q = D.detail[r].q, top = m.t + k * rowH, mid = top + rowH / 2;
      var flagged = rowFlags(r).length > 0;
      var g = s("g", { class: "box-row" + (r === selected ? " selected" : ""), "data-row": r },
        s("title", null, workerName(r) + "\nmedian " + fmtSeconds(q[2]) + ", 25\u201375%: " + fmtSeconds(q[1]) + "\u2013" + fmtSeconds(q[3]) + ", 5\u201395%: " + fmtSeconds(q[0]) + "\u2013" + fmtSeconds(q[4]) + "\n" + fmtInt(q[5]) + " timed answers"),
        s("rect", { class: "row-bg", x: 0, y: top, width: W, height: rowH }),
        s("text", { x: m.l - 8, y: mid + 4, "text-anchor": "end", class: flagged || toCheck(r) ? "label-strong" : null }, truncate(workerName(r), 34)),
        s("line", { class: "whisker", x1: x(q[0]), x2: x(q[4]), y1: mid, y2: mid }),
        s("rect", { class: "box" + (flagged ? " flagged" : ""), x: x(q[1]), y: top + 3, width: Math.max(1, x(q[3]) - x(q[1])), height: rowH - 6 }),
        s("line", { class: "median", x1: x(q[2]), x2: x(q[2]), y1: top + 2, y2: top + rowH - 2 }));
      g.addEventListener("click", openDetail.bind(null, r));
      svg.appendChild(g);
    });
    clear(el).appendChild(svg);
    byId("timing-note").textContent = fmtInt(rows.length) + " workers of the table's current search" +
      (shown.length > rows.length ? " (of " + fmtInt(shown.length) + ")" : "") + ": workers to check or flagged first (bold), then the fastest by median time; search the worker table to change which.";
  }

  // ---- contribution over time ---------------------------------------------------------------
  function bucketLabel(b, withTime) {
    var d = new Date(D.time.start + b * D.time.width).toISOString();
    return withTime ? d.slice(5, 10) + " " + d.slice(11, 16) : d.slice(0, 10);
  }
  function barChart(el, totals, mine, label, W, H) {
    var m = { l: 52, r: 14, t: 10, b: 40 };
    var maxV = 1;
    totals.forEach(function (v) { maxV = Math.max(maxV, v); });
    var n = totals.length, bw = (W - m.l - m.r) / n;
    var y = linear(0, maxV, H - m.b, m.t);
    var svg = svgRoot(W, H, label);
    var grid = s("g", { class: "grid" }), axis = s("g", { class: "axis" });
    niceTicks(0, maxV, 5).forEach(function (t) {
      if (t !== Math.round(t)) return;
      grid.appendChild(s("line", { x1: m.l, x2: W - m.r, y1: y(t), y2: y(t) }));
      axis.appendChild(s("text", { x: m.l - 6, y: y(t) + 4, "text-anchor": "end" }, fmtInt(t)));
    });
    var hourly = D.time.unit === "hour" || D.time.unit === "minute";
    var every = Math.max(1, Math.ceil(n / (W / (hourly ? 90 : 80))));
    for (var b = 0; b < n; b += every) {
      axis.appendChild(s("text", { x: m.l + (b + 0.5) * bw, y: H - m.b + 15, "text-anchor": "middle" }, bucketLabel(b, hourly)));
    }
    axis.appendChild(s("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
    axis.appendChild(s("text", { x: (m.l + W - m.r) / 2, y: H - 6, "text-anchor": "middle", class: "label-strong" }, "answers per " + D.time.unit + " (UTC)"));
    svg.appendChild(grid);
    svg.appendChild(axis);
    var gap = bw > 4 ? 1 : 0;
    totals.forEach(function (v, k) {
      if (!v) return;
      svg.appendChild(s("rect", { class: "bar", x: m.l + k * bw + gap / 2, y: y(v), width: Math.max(0.5, bw - gap), height: y(0) - y(v) },
        s("title", null, bucketLabel(k, hourly) + ": " + fmtInt(v) + " answers")));
    });
    (mine || []).forEach(function (p) {
      svg.appendChild(s("rect", { class: "bar mine", x: m.l + p[0] * bw + gap / 2, y: y(p[1]), width: Math.max(0.5, bw - gap), height: y(0) - y(p[1]) },
        s("title", null, bucketLabel(p[0], hourly) + ": " + fmtInt(p[1]) + " answers by this worker")));
    });
    clear(el).appendChild(svg);
  }
  function drawContribution() {
    var el = byId("contribution-chart");
    if (!D.time) { emptyNote(el, "These answers carry no submission times."); return; }
    barChart(el, D.time.totals, selected === null ? null : D.detail[selected].t, "Answers over time", chartWidth(el, 760), 260);
    var legend = byId("contribution-legend");
    clear(legend);
    add(legend, [h("span", null, h("span", { class: "swatch bar" }), "all workers")]);
    if (selected !== null) add(legend, [h("span", null, h("span", { class: "swatch mine" }), "selected: ", h("span", { class: "worker-id" }, truncate(workerName(selected), 60)))]);
  }

  // ---- worker detail ----------------------------------------------------------------------
  function confusionTable(detail) {
    var cells = detail.cm, byLabel = {};
    cells.forEach(function (c) { byLabel[c[0]] = (byLabel[c[0]] || 0) + c[2]; byLabel[c[1]] = (byLabel[c[1]] || 0) + c[2]; });
    var labels = Object.keys(byLabel).map(Number).sort(function (a, b) { return byLabel[b] - byLabel[a] || a - b; });
    var MAX = 24, OTHER = -1;
    var keep = {};
    labels.slice(0, MAX).forEach(function (l) { keep[l] = true; });
    var shownLabels = labels.slice(0, MAX).sort(function (a, b) { return compare(D.labels[a], D.labels[b]); });
    if (labels.length > MAX) shownLabels.push(OTHER);
    var grid = {}, rowTot = {}, colTot = {}, total = 0, agree = 0, maxCell = 1;
    cells.forEach(function (c) {
      var a = keep[c[0]] ? c[0] : OTHER, ref = keep[c[1]] ? c[1] : OTHER, k = ref + ":" + a;
      grid[k] = (grid[k] || 0) + c[2];
      maxCell = Math.max(maxCell, grid[k]);
      rowTot[ref] = (rowTot[ref] || 0) + c[2];
      colTot[a] = (colTot[a] || 0) + c[2];
      total += c[2];
      if (c[0] === c[1]) agree += c[2];
    });
    var name = function (l) { return l === OTHER ? "(other labels)" : D.labels[l]; };
    var head = h("tr", null, h("th", { class: "corner" }, (detail.ref || "reference") + " \u2193 / answer \u2192"));
    shownLabels.forEach(function (l) { head.appendChild(h("th", { scope: "col", title: name(l) }, truncate(name(l), 18))); });
    head.appendChild(h("th", { scope: "col" }, "total"));
    var body = h("tbody", null);
    shownLabels.forEach(function (ref) {
      var tr = h("tr", null, h("th", { scope: "row", title: name(ref) }, truncate(name(ref), 24)));
      shownLabels.forEach(function (a) {
        var v = grid[ref + ":" + a] || 0;
        var td = h("td", { class: (a === ref && ref !== OTHER ? "diag" : "") + (v ? "" : " zero") }, String(v));
        if (v) {
          var alpha = 0.12 + 0.6 * v / maxCell;
          td.style.backgroundColor = a === ref && ref !== OTHER ? "rgba(31,138,76," + alpha + ")" : "rgba(192,57,43," + alpha + ")";
        }
        tr.appendChild(td);
      });
      tr.appendChild(h("td", null, String(rowTot[ref] || 0)));
      body.appendChild(tr);
    });
    var foot = h("tr", null, h("th", { scope: "row" }, "total"));
    shownLabels.forEach(function (a) { foot.appendChild(h("td", null, String(colTot[a] || 0))); });
    foot.appendChild(h("td", null, String(total)));
    body.appendChild(foot);
    return {
      table: h("div", { class: "scroll-x" }, h("table", { class: "confusion" }, h("thead", null, head), body)),
      summary: fmtInt(agree) + " of " + fmtInt(total) + " answers match the " + (detail.ref === "gold" ? "gold label" : "consolidated label") + " (" + fmtPct(agree / (total || 1)) + ")."
    };
  }

  function histogram(detail) {
    var totals = [];
    for (var b = 0; b < D.hist.length - 1; b++) totals.push(0);
    detail.h.forEach(function (p) { totals[p[0]] = p[1]; });
    var W = 500, H = 170, m = { l: 40, r: 10, t: 8, b: 34 };
    var maxV = 1;
    totals.forEach(function (v) { maxV = Math.max(maxV, v); });
    var bw = (W - m.l - m.r) / totals.length, y = linear(0, maxV, H - m.b, m.t);
    var svg = svgRoot(W, H, "Seconds per object");
    var axis = s("g", { class: "axis" });
    niceTicks(0, maxV, 4).forEach(function (t) {
      if (t === Math.round(t)) axis.appendChild(s("text", { x: m.l - 6, y: y(t) + 4, "text-anchor": "end" }, fmtInt(t)));
    });
    for (var e = 0; e < D.hist.length; e += 4) {
      axis.appendChild(s("text", { x: m.l + e * bw, y: H - m.b + 14, "text-anchor": "middle" }, fmtSeconds(D.hist[e])));
    }
    axis.appendChild(s("line", { x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b }));
    axis.appendChild(s("text", { x: (m.l + W - m.r) / 2, y: H - 4, "text-anchor": "middle", class: "label-strong" }, "seconds per object (log scale)"));
    svg.appendChild(axis);
    totals.forEach(function (v, k) {
      if (!v) return;
      svg.appendChild(s("rect", { class: "bar", x: m.l + k * bw + 0.5, y: y(v), width: bw - 1, height: y(0) - y(v) },
        s("title", null, fmtSeconds(D.hist[k]) + "\u2013" + fmtSeconds(D.hist[k + 1]) + ": " + fmtInt(v) + " answers")));
    });
    return svg;
  }

  function openDetail(r) {
    selected = r;
    var d = D.detail[r], panel = byId("detail"), body = clear(byId("detail-body"));
    var flags = rowFlags(r);
    add(body, [
      h("h2", null, h("span", { class: "worker-id" }, workerName(r))),
      val(r, "job") !== null ? h("p", { class: "note" }, "job: ", String(val(r, "job"))) : null,
      flags.length ? h("p", null, flags.map(function (f) { return h("span", { class: "badge" }, title(f)); })) : null
    ]);
    var dl = h("dl", { class: "stats" });
    visible.forEach(function (c) {
      if (c.name === "worker" || c.name === "job") return;
      var v = val(r, c.name), ci = isNum(v) ? ciOf(r, c.name) : null;
      add(dl, [h("dt", null, c.title), h("dd", null, fmt(c.kind, v), ci ? " [" + fmtPct(ci[0]) + "\u2013" + fmtPct(ci[1]) + "]" : "")]);
    });
    body.appendChild(dl);

    body.appendChild(h("h3", null, "Confusion matrix" + (d.ref ? " against " + (d.ref === "gold" ? "gold" : "the consolidated label") : "")));
    if (d.cm.length) {
      var cm = confusionTable(d);
      add(body, [h("p", { class: "note" }, "Rows: the " + (d.ref === "gold" ? "gold" : "consolidated") + " label; columns: this worker's answer. " + cm.summary), cm.table]);
    } else {
      body.appendChild(h("p", { class: "note" }, D.too_many_labels ? "Too many distinct labels for a confusion matrix." : "No answer of this worker has a gold or consolidated label to compare with."));
    }

    if (d.c && d.c.length) {
      body.appendChild(h("h3", null, "Comments"));
      body.appendChild(h("ul", { class: "comments" }, d.c.map(function (c) { return h("li", null, "object " + c[0] + ": " + c[1]); })));
    }

    body.appendChild(h("h3", null, "Time per object"));
    if (d.q) {
      add(body, [h("p", { class: "note" }, "median " + fmtSeconds(d.q[2]) + "; 25\u201375%: " + fmtSeconds(d.q[1]) + "\u2013" + fmtSeconds(d.q[3]) + "; 5\u201395%: " + fmtSeconds(d.q[0]) + "\u2013" + fmtSeconds(d.q[4]) + "; " + fmtInt(d.q[5]) + " timed answers"),
        h("div", { class: "chart" }, histogram(d))]);
    } else body.appendChild(h("p", { class: "note" }, "No timed answers."));

    body.appendChild(h("h3", null, "Contribution over time"));
    if (D.time && d.t.length) {
      var mineTotals = D.time.totals.map(function () { return 0; });
      d.t.forEach(function (p) { mineTotals[p[0]] = p[1]; });
      var box = h("div", { class: "chart" });
      barChart(box, mineTotals, null, "This worker's answers over time", 500, 190);
      body.appendChild(box);
    } else body.appendChild(h("p", { class: "note" }, "No dated answers."));

    panel.hidden = false;
    panel.scrollTop = 0;
    trs.forEach(function (tr) { tr.classList.remove("selected"); });
    trs[r].classList.add("selected");
    drawScatter();
    drawTiming();
    drawContribution();
    byId("detail-close").focus();
  }
  function closeDetail() {
    byId("detail").hidden = true;
    if (selected !== null) trs[selected].classList.remove("selected");
    selected = null;
    drawScatter();
    drawTiming();
    drawContribution();
  }

  // ---- start --------------------------------------------------------------------------------
  buildTable();
  fillSelect(byId("scatter-x"), D.scatter.x);
  fillSelect(byId("scatter-y"), D.scatter.y);
  byId("scatter-x").addEventListener("change", drawScatter);
  byId("scatter-y").addEventListener("change", drawScatter);
  byId("worker-search").addEventListener("input", applyFilter);
  byId("flagged-only").addEventListener("change", applyFilter);
  byId("worker-more").addEventListener("click", function () { limit += PAGE; applyFilter(); });
  byId("worker-all").addEventListener("click", function () { limit = N; applyFilter(); });
  byId("detail-close").addEventListener("click", closeDetail);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape" && selected !== null) closeDetail(); });
  if (!showFlags) byId("flagged-only-label").hidden = true;
  // "show in the table" beside each worker to check: the table narrowed to that worker.
  Array.prototype.forEach.call(document.querySelectorAll("a.items-link"), function (a) {
    a.addEventListener("click", function () {
      byId("worker-search").value = a.getAttribute("data-worker");
      applyFilter();
    });
  });
  applyFilter();
  drawScatter();
  drawContribution();
  var resizeTimer = null, lastWidth = window.innerWidth;
  window.addEventListener("resize", function () {
    if (window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { drawScatter(); drawTiming(); drawContribution(); }, 150);
  });
  document.documentElement.setAttribute("data-ready", "1");
})();
