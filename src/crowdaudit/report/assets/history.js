// crowdaudit report, "workers over time": one worker's quality job by job against the median of
// all workers, drawn from the embedded JSON with createElementNS and textContent only.
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var source = document.getElementById("crowdaudit-history");
  if (!source) return;
  var H = JSON.parse(source.textContent);
  var select = document.getElementById("history-worker");
  var chart = document.getElementById("history-chart");
  var W = 720, HT = 260, L = 48, R = 16, T = 16, B = 56;

  function svg(tag, attrs, text) {
    var el = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) el.textContent = String(text);
    return el;
  }
  function x(order) {
    var n = Math.max(H.jobs.length - 1, 1);
    return L + (order - 1) * (W - L - R) / n;
  }
  function y(quality) { return T + (1 - quality) * (HT - T - B); }

  function medians() {
    var perJob = H.jobs.map(function () { return []; });
    Object.keys(H.workers).forEach(function (w) {
      H.workers[w].forEach(function (p) { if (p[1] !== null) perJob[p[0] - 1].push(p[1]); });
    });
    return perJob.map(function (values, i) {
      if (!values.length) return null;
      values.sort(function (a, b) { return a - b; });
      var m = values.length >> 1;
      return [i + 1, values.length % 2 ? values[m] : (values[m - 1] + values[m]) / 2];
    }).filter(function (p) { return p !== null; });
  }

  function line(points, cls) {
    var d = points.map(function (p, i) { return (i ? "L" : "M") + x(p[0]) + "," + y(p[1]); });
    return svg("path", { d: d.join(" "), "class": cls });
  }

  function draw(worker) {
    while (chart.firstChild) chart.removeChild(chart.firstChild);
    var root = svg("svg", { viewBox: "0 0 " + W + " " + HT, role: "img", "class": "history-svg" });
    [0, 0.25, 0.5, 0.75, 1].forEach(function (q) {
      root.appendChild(svg("line", { x1: L, x2: W - R, y1: y(q), y2: y(q), "class": "grid" }));
      root.appendChild(svg("text", { x: L - 6, y: y(q) + 4, "class": "tick", "text-anchor": "end" }, q));
    });
    var named = H.jobs.length <= 8;
    H.jobs.forEach(function (job, i) {
      var text = named ? (job.length > 14 ? job.slice(0, 13) + "…" : job) : i + 1;
      var label = svg("text", { x: x(i + 1), y: HT - B + 16, "class": "tick", "text-anchor": "middle" }, text);
      label.appendChild(svg("title", {}, job));
      root.appendChild(label);
    });
    root.appendChild(svg("text", { x: (W + L) / 2, y: HT - 8, "class": "axis", "text-anchor": "middle" },
      named ? "jobs, in the order they started" : "job, in the order it started (hover for its name)"));
    root.appendChild(line(medians(), "median"));
    var points = (H.workers[worker] || []).filter(function (p) { return p[1] !== null; });
    root.appendChild(line(points, "worker"));
    points.forEach(function (p) {
      var dot = svg("circle", { cx: x(p[0]), cy: y(p[1]), r: 4, "class": "worker-dot" });
      dot.appendChild(svg("title", {}, H.jobs[p[0] - 1] + ": quality " + p[1].toFixed(3) +
        ", " + p[2] + " objects" + (p[3] === null ? "" : ", gold accuracy " + p[3].toFixed(3))));
      root.appendChild(dot);
    });
    chart.appendChild(root);
    var legend = document.createElement("p");
    legend.className = "note";
    legend.textContent = "solid: the chosen worker; dashed: median of all workers in each job";
    chart.appendChild(legend);
  }

  var names = Object.keys(H.workers).sort(function (a, b) {
    return H.workers[b].length - H.workers[a].length || (a < b ? -1 : a > b ? 1 : 0);
  });
  names.forEach(function (w) {
    var option = document.createElement("option");
    option.value = w;
    option.textContent = w + " (" + H.workers[w].length + " jobs)";
    select.appendChild(option);
  });
  select.addEventListener("change", function () { draw(select.value); });
  var first = H.focus !== null && H.workers[H.focus] ? H.focus : names[0];
  if (first !== undefined) { select.value = first; draw(first); }
})();
