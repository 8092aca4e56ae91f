/* stclusters explorer: plain JavaScript over inline JSON and SVG, nothing fetched.
 * Data reach the page only as text nodes and attribute values (never as markup). */
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("data").textContent);
  const SVGNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const FULL = { x: -180, y: -D.lat_range[1], w: 360, h: D.lat_range[1] - D.lat_range[0] };
  const DIFF_COLOURS = { up: "#009E73", down: "#D55E00", same: "#7a7a7a", entered: "#0072B2" };

  /* ------------------------------------------------------------ data */
  const V = D.variants.map((v) => {
    v.clusters = v.rows.map((r) => {
      const o = {};
      v.fields.forEach((k, i) => { o[k] = r[i]; });
      o.codes = (o.economy || "").split("/").map((s) => s.trim()).filter(Boolean);
      return o;
    });
    v.byId = new Map(v.clusters.map((c) => [c.id, c]));
    v.maxScore = Math.max(1e-9, ...v.clusters.map((c) => c.score || 0));
    return v;
  });
  const byName = new Map(V.map((v) => [v.name, v]));
  const match = {};
  V.forEach((v) => { match[v.name] = {}; });
  D.pairs.forEach((p) => {
    const ab = new Map(), ba = new Map();
    p.pairs.forEach(([x, y]) => { ab.set(x, y); ba.set(y, x); });
    match[p.a][p.b] = ab;
    match[p.b][p.a] = ba;
  });
  /** the cluster of variant u matched to cluster id of variant v (null: none) */
  function counterpart(v, id, u) {
    if (v === u) return id;
    const m = match[v][u];
    return m && m.has(id) ? m.get(id) : null;
  }

  const state = { a: byName.has(D.default_variant) ? D.default_variant : V[0].name, b: null,
    view: "ranking", sort: { key: "rank", dir: 1 },
    selected: null, vb: Object.assign({}, FULL) };

  /* ------------------------------------------------------------ helpers */
  function el(tag, attrs, ...kids) {
    const e = tag.startsWith("svg:") ? document.createElementNS(SVGNS, tag.slice(4))
      : document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, val]) => {
      if (val === null || val === undefined || val === false) return;
      if (k === "class") e.setAttribute("class", val);
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), val);
      else e.setAttribute(k, String(val));
    });
    kids.flat().forEach((k) => {
      if (k === null || k === undefined) return;
      e.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    });
    return e;
  }
  const fmt = (x, d) => (x === null || x === undefined ? "" :
    Number(x).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));
  const interval = (c) => (c && c.p05_rank !== null && c.p05_rank !== undefined
    ? c.p05_rank + "–" + c.p95_rank : "");
  const width = (c) => (c.p05_rank === null ? null : c.p95_rank - c.p05_rank);
  const groupColour = (g) => D.groups[g] || D.groups[D.other_group] || "#000";
  const variant = () => byName.get(state.a);

  /* ------------------------------------------------------------ controls */
  function fillControls() {
    V.forEach((v) => {
      $("variant").appendChild(el("option", { value: v.name }, v.label));
      $("variantB").appendChild(el("option", { value: v.name }, v.label));
    });
    const codes = new Set();
    V.forEach((v) => v.clusters.forEach((c) => c.codes.forEach((k) => codes.add(k))));
    [...codes].sort().forEach((k) => $("economy").appendChild(el("option", { value: k }, k)));
    Object.keys(D.groups).forEach((g) => $("region").appendChild(el("option", { value: g }, g)));
    const other = V.find((v) => v.name !== state.a);
    state.b = byName.has(D.default_diff) ? D.default_diff : (other ? other.name : state.a);
    $("variant").value = state.a;
    $("variantB").value = state.b;
    resetFilters();
    $("footer").textContent = "stclusters rebuild of the GII S&T cluster ranking. Circle "
      + "area is proportional to the score. 90 % interval: 5th to 95th percentile of the "
      + "cluster's rank over the sensitivity runs (top " + D.sens_top_n + "). " + D.credit
      + " Scroll or use the buttons to zoom, drag to pan.";
  }
  function resetFilters() {
    $("q").value = "";
    $("economy").value = "";
    $("region").value = "";
    $("rmin").value = 1;
    $("rmax").value = D.top_n;
  }
  function filters() {
    const rmin = parseInt($("rmin").value, 10), rmax = parseInt($("rmax").value, 10);
    return { q: $("q").value.trim().toLowerCase(), eco: $("economy").value,
      region: $("region").value, rmin: isNaN(rmin) ? 1 : rmin,
      rmax: isNaN(rmax) ? Infinity : rmax };
  }
  function passes(c, f) {
    if (f.q && !(c.name || "").toLowerCase().includes(f.q)) return false;
    if (f.eco && !c.codes.includes(f.eco)) return false;
    if (f.region && c.region !== f.region) return false;
    return true;
  }

  /* ------------------------------------------------------------ rows of each view */
  function rankingRows() {
    const f = filters();
    return variant().clusters.filter((c) => c.rank >= f.rmin && c.rank <= f.rmax && passes(c, f))
      .map((c) => ({ key: c.id, c: c, rank: c.rank, name: c.name, economy: c.economy,
        region: c.region, score: c.score, pct_share: c.pct_share, pub_share: c.pub_share,
        vc_share: c.vc_share, interval: width(c), share_top: c.share_top,
        intensity_rank: c.intensity_rank, prev_rank: c.prev_rank, growth_pct: c.growth_pct }));
  }
  function diffRows() {
    const f = filters(), A = variant(), B = byName.get(state.b);
    const inRange = (r) => r !== null && r !== undefined && r >= f.rmin && r <= f.rmax;
    const rows = [], seenB = new Set();
    A.clusters.forEach((ca) => {
      const idb = counterpart(A.name, ca.id, B.name);
      const cb = idb === null ? null : B.byId.get(idb) || null;
      if (cb) seenB.add(cb.id);
      const ra = ca.rank, rb = cb ? cb.rank : null;
      if (!inRange(ra) && !inRange(rb)) return;
      rows.push({ ca: ca, cb: cb, ra: ra, rb: rb });
    });
    B.clusters.forEach((cb) => {
      if (seenB.has(cb.id) || !inRange(cb.rank)) return;
      rows.push({ ca: null, cb: cb, ra: null, rb: cb.rank });
    });
    return rows.filter((r) => passes(r.cb || r.ca, f)).map((r) => {
      const c = r.cb || r.ca;
      const status = inRange(r.ra) && inRange(r.rb) ? "both"
        : inRange(r.rb) ? "entered" : "left";
      const change = r.ra !== null && r.rb !== null ? r.ra - r.rb : null;
      return { key: (r.ca ? "a" + r.ca.id : "") + "/" + (r.cb ? "b" + r.cb.id : ""),
        c: r.ca || r.cb, cb: r.cb, name: c.name, economy: c.economy, region: c.region,
        rank_a: r.ra, rank_b: r.rb, change: change, status: status };
    });
  }

  /* ------------------------------------------------------------ table */
  function columns() {
    if (state.view === "diff") {
      const A = variant(), B = byName.get(state.b);
      return [
        { key: "name", label: "Cluster" }, { key: "economy", label: "Economy" },
        { key: "region", label: "Region" },
        { key: "rank_a", label: "Rank, " + A.name, n: true },
        { key: "rank_b", label: "Rank, " + B.name, n: true },
        { key: "change", label: "Change (+ = better in " + B.name + ")", n: true,
          show: (r) => (r.change === null ? "" : (r.change > 0 ? "+" : "") + r.change) },
        { key: "status", label: "Top " + (filters().rmax === Infinity ? "" : filters().rmax),
          show: (r) => ({ both: "in both", entered: "entrant", left: "leaver" })[r.status] },
      ];
    }
    const v = variant(), cols = [
      { key: "rank", label: "Rank", n: true }, { key: "name", label: "Cluster" },
      { key: "economy", label: "Economy" }, { key: "region", label: "Region" },
      { key: "score", label: "Score", n: true, show: (r) => fmt(r.score, 2) }];
    Object.keys(v.sources).forEach((s) => cols.push({ key: s + "_share", n: true,
      label: D.sources[s].label + " (%)", show: (r) => fmt(r[s + "_share"], 2) }));
    cols.push(
      { key: "interval", label: "90 % interval", n: true, show: (r) => interval(r.c) },
      { key: "share_top", label: "Runs in top " + D.sens_top_n + " (%)", n: true,
        show: (r) => (r.share_top === null || r.share_top === undefined ? ""
          : fmt(100 * r.share_top, 0)) },
      { key: "intensity_rank", label: "Intensity rank", n: true },
      { key: "prev_rank", label: "Previous rank", n: true },
      { key: "growth_pct", label: "Growth (%)", n: true, show: (r) => fmt(r.growth_pct, 1) });
    return cols;
  }
  function sortRows(rows) {
    const { key, dir } = state.sort;
    const tie = (r) => (r.rank !== undefined ? r.rank : (r.rank_b !== null ? r.rank_b : 1e9 + (r.rank_a || 0)));
    return rows.slice().sort((p, q) => {
      const x = p[key], y = q[key];
      const xn = x === null || x === undefined, yn = y === null || y === undefined;
      if (xn !== yn) return xn ? 1 : -1;
      if (!xn && x !== y) {
        if (typeof x === "number" && typeof y === "number") return dir * (x - y);
        return dir * String(x).localeCompare(String(y));
      }
      return tie(p) - tie(q);
    });
  }
  function renderTable(rows) {
    const cols = columns(), head = $("table").tHead, body = $("table").tBodies[0];
    head.textContent = "";
    head.appendChild(el("tr", {}, cols.map((c) => el("th", {
      class: [c.n ? "n" : "", state.sort.key === c.key ? "sorted" : "",
        state.sort.key === c.key && state.sort.dir < 0 ? "desc" : ""].join(" ").trim() || null,
      "data-key": c.key,
      onclick: () => {
        state.sort = { key: c.key, dir: state.sort.key === c.key ? -state.sort.dir : 1 };
        render();
      } }, c.label))));
    body.textContent = "";
    const frag = document.createDocumentFragment();
    sortRows(rows).forEach((r) => {
      const cls = (r.c && state.selected === r.c.id) ? "sel" : null;
      frag.appendChild(el("tr", { class: cls, "data-id": r.c ? r.c.id : "",
        onclick: () => select(r.c, r.cb) }, cols.map((c) => {
        const text = c.show ? c.show(r) : (r[c.key] === null || r[c.key] === undefined ? "" : r[c.key]);
        let kls = c.n ? "n" : "";
        if (c.key === "change" && r.change) kls += r.change > 0 ? " up" : " down";
        return el("td", { class: kls.trim() || null }, text);
      })));
    });
    body.appendChild(frag);
  }

  /* ------------------------------------------------------------ map */
  const svg = $("map");
  const land = el("svg:g", { class: "land" });
  D.basemap.forEach((d) => land.appendChild(el("svg:path", { d: d })));
  const dots = el("svg:g", { class: "dots" });
  svg.appendChild(land);
  svg.appendChild(dots);

  function setViewBox() {
    const b = state.vb;
    svg.setAttribute("viewBox", [b.x, b.y, b.w, b.h].map((x) => x.toFixed(4)).join(" "));
    const k = b.w / FULL.w;
    dots.querySelectorAll("circle").forEach((c) => c.setAttribute("r",
      (parseFloat(c.dataset.r) * k).toFixed(4)));
  }
  function zoom(factor, cx, cy) {
    const b = state.vb;
    const w = Math.min(FULL.w, Math.max(2, b.w / factor));
    const h = w * FULL.h / FULL.w;
    cx = cx === undefined ? b.x + b.w / 2 : cx;
    cy = cy === undefined ? b.y + b.h / 2 : cy;
    const fx = (cx - b.x) / b.w, fy = (cy - b.y) / b.h;
    state.vb = clampBox({ x: cx - fx * w, y: cy - fy * h, w: w, h: h });
    setViewBox();
  }
  function clampBox(b) {
    b.x = Math.min(Math.max(b.x, FULL.x), FULL.x + FULL.w - b.w);
    b.y = Math.min(Math.max(b.y, FULL.y), FULL.y + FULL.h - b.h);
    return b;
  }
  function svgPoint(evt) {
    const r = svg.getBoundingClientRect(), b = state.vb;
    return { x: b.x + (evt.clientX - r.left) / r.width * b.w,
      y: b.y + (evt.clientY - r.top) / r.height * b.h };
  }
  svg.addEventListener("wheel", (evt) => {
    evt.preventDefault();
    const p = svgPoint(evt);
    zoom(evt.deltaY < 0 ? 1.25 : 0.8, p.x, p.y);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("mousedown", (evt) => {
    drag = { x: evt.clientX, y: evt.clientY, vb: Object.assign({}, state.vb) };
    svg.classList.add("dragging");
  });
  window.addEventListener("mousemove", (evt) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    const dx = (evt.clientX - drag.x) / r.width * drag.vb.w;
    const dy = (evt.clientY - drag.y) / r.height * drag.vb.h;
    state.vb = clampBox({ x: drag.vb.x - dx, y: drag.vb.y - dy, w: drag.vb.w, h: drag.vb.h });
    setViewBox();
  });
  window.addEventListener("mouseup", () => { drag = null; svg.classList.remove("dragging"); });
  $("zoomin").addEventListener("click", () => zoom(1.6));
  $("zoomout").addEventListener("click", () => zoom(1 / 1.6));
  $("zoomreset").addEventListener("click", () => { state.vb = Object.assign({}, FULL); setViewBox(); });

  function dotColour(r) {
    if (state.view !== "diff") return groupColour(r.c.region);
    if (r.status === "entered") return DIFF_COLOURS.entered;
    if (r.change === null || r.change === 0) return DIFF_COLOURS.same;
    return r.change > 0 ? DIFF_COLOURS.up : DIFF_COLOURS.down;
  }
  function renderMap(rows) {
    dots.textContent = "";
    const v = variant();
    const sized = rows.map((r) => {
      const c = state.view === "diff" ? (r.cb || r.c) : r.c;
      const owner = state.view === "diff" && r.cb ? byName.get(state.b) : v;
      return { r: r, c: c, rad: 0.35 + 4.2 * Math.sqrt(Math.max(c.score || 0, 0) / owner.maxScore) };
    }).filter((s) => s.c.lat !== null && s.c.lon !== null);
    sized.sort((p, q) => q.rad - p.rad);  // small circles on top
    const k = state.vb.w / FULL.w;
    sized.forEach((s) => {
      const circle = el("svg:circle", { cx: s.c.lon, cy: -s.c.lat, r: (s.rad * k).toFixed(4),
        "data-r": s.rad, "data-id": s.r.c.id,
        class: [state.view === "diff" && s.r.status === "left" ? "left" : "",
          state.selected === s.r.c.id ? "sel" : ""].join(" ").trim() || null,
        fill: dotColour(s.r) });
      circle.addEventListener("mouseenter", (evt) => showTip(evt, s.r));
      circle.addEventListener("mousemove", (evt) => moveTip(evt));
      circle.addEventListener("mouseleave", hideTip);
      circle.addEventListener("click", (evt) => { evt.stopPropagation(); select(s.r.c, s.r.cb); });
      dots.appendChild(circle);
    });
    renderLegend();
  }
  function renderLegend() {
    const box = $("legend");
    box.textContent = "";
    const item = (colour, label, hollow) => el("span", {},
      el("span", { class: "key" + (hollow ? " hollow" : ""),
        style: hollow ? null : "background:" + colour }), label);
    if (state.view === "diff") {
      box.append(item(DIFF_COLOURS.up, "better in " + state.b),
        item(DIFF_COLOURS.down, "worse in " + state.b), item(DIFF_COLOURS.same, "unchanged"),
        item(DIFF_COLOURS.entered, "entrant"), item(null, "leaver (position in " + state.a + ")", true));
    } else {
      const present = new Set(variant().clusters.map((c) => c.region));
      Object.keys(D.groups).filter((g) => present.has(g))
        .forEach((g) => box.appendChild(item(groupColour(g), g)));
    }
  }

  /* ------------------------------------------------------------ tooltip and details */
  const tip = $("tooltip");
  function showTip(evt, r) {
    const c = r.cb && state.view === "diff" ? r.cb : r.c;
    tip.textContent = "";
    tip.append(el("strong", {}, c.name), el("br"), c.economy + " · " + c.region, el("br"));
    if (state.view === "diff") {
      tip.append("Rank " + state.a + ": " + (r.rank_a === null ? "–" : r.rank_a)
        + " · " + state.b + ": " + (r.rank_b === null ? "–" : r.rank_b));
    } else {
      tip.append("Rank " + c.rank + " · score " + fmt(c.score, 2));
      if (c.p05_rank !== null && c.p05_rank !== undefined) {
        tip.append(el("br"), "90 % interval " + interval(c));
      }
    }
    tip.hidden = false;
    moveTip(evt);
  }
  function moveTip(evt) {
    const box = $("mapbox").getBoundingClientRect();
    tip.style.left = Math.min(evt.clientX - box.left + 12, box.width - 200) + "px";
    tip.style.top = (evt.clientY - box.top + 12) + "px";
  }
  function hideTip() { tip.hidden = true; }

  function select(c, cb) {
    if (!c) return;
    state.selected = c.id;
    renderDetail(c, variant().byId.get(c.id) === c ? state.a : state.b);
    document.querySelectorAll("#map circle.sel, #table tr.sel").forEach((e) => e.classList.remove("sel"));
    document.querySelectorAll('#map circle[data-id="' + c.id + '"], #table tr[data-id="' + c.id + '"]')
      .forEach((e) => e.classList.add("sel"));
  }
  function rankChart(rows) {
    const n = rows.length, hi = Math.max(2, ...rows.map((r) => Math.max(r.rank || 0, r.p95 || 0)));
    const W = 260, rowH = 22, L = 70, R = 12;
    const x = (rank) => L + (W - L - R) * (1 - (rank - 1) / (hi * 1.08));
    const top = 18;
    const g = el("svg:svg", { viewBox: "0 0 " + W + " " + (top + n * rowH + 10), width: "100%",
      role: "img", "aria-label": "rank under every variant" });
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      g.appendChild(el("svg:text", { x: 0, y: y + 4, "font-size": 11, fill: "#333" }, r.variant));
      if (r.rank === null) {
        g.appendChild(el("svg:text", { x: L, y: y + 4, "font-size": 11, fill: "#777" }, "no match"));
        return;
      }
      const colour = r.own ? "#D55E00" : "#0072B2";
      if (r.p05 !== null && r.p05 !== undefined) {
        g.appendChild(el("svg:line", { x1: x(r.p05), x2: x(r.p95), y1: y, y2: y, stroke: colour,
          "stroke-width": 5, "stroke-opacity": 0.4 }));
      }
      g.appendChild(el("svg:circle", { cx: x(r.rank), cy: y, r: 4, fill: colour }));
      g.appendChild(el("svg:text", { x: x(r.rank), y: y - 6, "font-size": 10,
        "text-anchor": "middle" }, r.rank));
    });
    g.appendChild(el("svg:text", { x: L, y: top + n * rowH + 4, "font-size": 10, fill: "#666" },
      "rank " + Math.round(hi * 1.08) + " ← → 1 (bar: 90 % interval)"));
    return g;
  }
  function renderDetail(c, vname) {
    const box = $("detail"), v = byName.get(vname);
    box.textContent = "";
    box.append(el("h2", {}, c.rank + ". " + c.name),
      el("p", { class: "muted" }, c.economy + " · " + c.region + " · " + v.label));
    const dl = el("dl");
    const add = (k, val) => { if (val !== "" && val !== null && val !== undefined) dl.append(el("dt", {}, k), el("dd", {}, val)); };
    add("Score", fmt(c.score, 2));
    Object.keys(v.sources).forEach((s) => add(D.sources[s].label,
      fmt(c[s + "_count"], 1) + " (" + fmt(c[s + "_share"], 2) + " % of world)"));
    add("90 % interval", c.p05_rank === null || c.p05_rank === undefined ? "no sensitivity run"
      : interval(c) + " (median " + fmt(c.median_rank, 0) + ")");
    if (c.share_top !== null && c.share_top !== undefined) add("Runs in top " + D.sens_top_n, fmt(100 * c.share_top, 0) + " %");
    add("S&T intensity", c.intensity === null ? "" : fmt(c.intensity, 3) + (c.intensity_rank ? " (rank " + c.intensity_rank + ")" : ""));
    add("Previous rank", c.prev_rank);
    add("Growth", c.growth_pct === null ? "" : fmt(c.growth_pct, 1) + " %");
    add("Top applicant", c.top_applicant);
    add("Top organisation", c.top_organization);
    add("Top VC company", c.top_vc_company);
    box.append(dl);
    const rows = V.map((u) => {
      const id = counterpart(vname, c.id, u.name);
      const m = id === null ? null : u.byId.get(id);
      return { variant: u.name, own: u.name === vname, rank: m ? m.rank : null,
        p05: m ? m.p05_rank : null, p95: m ? m.p95_rank : null };
    });
    box.append(el("h3", {}, "Rank under every variant"), rankChart(rows));
    if (c.brief) box.append(el("p", {}, el("a", { href: c.brief, target: "_blank" }, "Open the cluster brief")));
  }

  /* ------------------------------------------------------------ render */
  function renderSummary(rows) {
    const box = $("diffsummary");
    if (state.view !== "diff") { box.hidden = true; return; }
    const count = (s) => rows.filter((r) => r.status === s).length;
    const moved = rows.filter((r) => r.change !== null && r.change !== 0).length;
    box.hidden = false;
    box.textContent = state.a + " → " + state.b + ": " + count("both") + " clusters in both, "
      + count("entered") + " entrants, " + count("left") + " leavers, " + moved
      + " with a different rank.";
  }
  function render() {
    const rows = state.view === "diff" ? diffRows() : rankingRows();
    const v = variant();
    $("counter").textContent = state.view === "diff"
      ? rows.length + " clusters · " + v.name + " vs " + state.b
      : "Showing " + rows.length + " of " + v.clusters.length + " clusters · " + v.label;
    renderTable(rows);
    renderMap(rows);
    renderSummary(rows);
  }

  fillControls();
  $("variant").addEventListener("change", () => { state.a = $("variant").value; state.selected = null; render(); });
  $("variantB").addEventListener("change", () => { state.b = $("variantB").value; render(); });
  $("view").addEventListener("change", () => {
    state.view = $("view").value;
    $("diffwrap").hidden = state.view !== "diff";
    state.sort = state.view === "diff" ? { key: "rank_b", dir: 1 } : { key: "rank", dir: 1 };
    render();
  });
  ["q", "economy", "region", "rmin", "rmax"].forEach((id) => $(id).addEventListener("input", render));
  $("reset").addEventListener("click", () => { resetFilters(); render(); });
  setViewBox();
  render();
  document.body.dataset.ready = "1";
})();
