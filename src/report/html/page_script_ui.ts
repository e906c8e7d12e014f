/**
 * The report page's script, part 2: the summary, the findings list (choosing
 * a finding selects it, zooms the timeline to its evidence and shows its
 * evidence lines), per-vCPU statistics with latency histograms, and start-up.
 * Every string from the trace reaches the DOM through `textContent`.
 *
 * @module
 */

/** UI script (runs inside the page's IIFE, after the timeline script). */
export const UI_SCRIPT = String.raw`
// --- summary, findings, statistics, and start-up ---
function dlRow(dl, term, value) {
  dl.appendChild(el("dt", null, term));
  const dd = el("dd");
  if (typeof value === "string" || typeof value === "number") dd.textContent = String(value);
  else dd.appendChild(value);
  dl.appendChild(dd);
  return dd;
}

function decimationText(file) {
  const d = file.decimation;
  if (d.exact) {
    return "Every mode interval (" + fmtCount(d.intervals.total) + "), kick and IPI event (" +
      fmtCount(d.points.total) + ") and request (" + fmtCount(d.requests.total) +
      ") is drawn exactly.";
  }
  const windows = d.windows.length / 2;
  return "This trace is larger than the page's budget: " + fmtCount(d.intervals.kept) + " of " +
    fmtCount(d.intervals.total) + " mode intervals, " + fmtCount(d.points.kept) + " of " +
    fmtCount(d.points.total) + " kick/IPI events and " + fmtCount(d.requests.kept) + " of " +
    fmtCount(d.requests.total) + " requests are drawn exactly, inside " + windows +
    " time window(s) (around " + d.findingWindows +
    " finding(s), and from the start of the trace as far as the budget allows). Elsewhere each row is " +
    "summarised (hatched): the dominant state and the number of events per 1/" + d.buckets +
    " of the time span.";
}

function renderSummary() {
  const box = document.getElementById("summary-body");
  box.replaceChildren();
  DATA.files.forEach(function (file) {
    const card = el("div", "file-summary");
    card.appendChild(el("h3", "file-name", file.path));
    const dl = el("dl");
    dlRow(dl, "Input", file.path);
    dlRow(
      dl,
      "Format",
      (file.format || "unknown") +
        (file.timeUnit === "ticks" ? " (counter clock: times are ticks)" : ""),
    );
    dlRow(
      dl,
      "Time span",
      file.firstTs + " \u2192 " + file.lastTs + " (" + fmtDur(file.span) + ")",
    );
    dlRow(dl, "vCPUs", file.rows.length);
    dlRow(
      dl,
      "Events",
      fmtCount(file.events) + " events in " + fmtCount(file.lines) + " lines" +
        (file.skippedLines > 0 ? ", " + fmtCount(file.skippedLines) + " lines skipped" : "") +
        (file.lostEvents > 0
          ? ", " + fmtCount(file.lostEvents) + " events lost by the ring buffer"
          : "") +
        (file.undecoded > 0
          ? ", " + fmtCount(file.undecoded) + " protocol events undecodable"
          : ""),
    );
    const n = file.severities;
    dlRow(
      dl,
      "Findings",
      file.findings + " (" + n.error + " error, " + n.warning + " warning, " + n.info + " info)",
    );
    const cov = file.coverage;
    const covDd = dlRow(dl, "Coverage", "");
    covDd.appendChild(
      el(
        "p",
        null,
        "checked " + cov.checked.length + " of " + (cov.checked.length + cov.notChecked.length) +
          " rules",
      ),
    );
    const ul = el("ul", "coverage");
    cov.checked.forEach(function (c) {
      const li = el("li", "checked");
      li.appendChild(el("span", "rule-id", c.id));
      li.appendChild(el("span", "needs", " using " + c.using));
      ul.appendChild(li);
    });
    cov.notChecked.forEach(function (c) {
      const li = el("li", "not-checked");
      li.appendChild(el("span", "rule-id", c.id));
      li.appendChild(el("span", "needs", " not checked: needs " + c.needs));
      ul.appendChild(li);
    });
    covDd.appendChild(ul);
    dlRow(dl, "Timeline", decimationText(file));
    card.appendChild(dl);
    box.appendChild(card);
  });
  const total = DATA.findings.length;
  const unlisted = Object.keys(DATA.unlisted);
  if (unlisted.length > 0) {
    let more = 0;
    unlisted.forEach(function (k) {
      more += DATA.unlisted[k];
    });
    const p = el(
      "p",
      "unlisted",
      "Only the first " + fmtCount(total) + " findings are listed with their evidence; " +
        fmtCount(more) + " more: " + unlisted.map(function (k) {
          return k + " \u00d7" + fmtCount(DATA.unlisted[k]);
        }).join(", ") + ". Run kvmreq lint for all of them.",
    );
    box.appendChild(p);
  }
}

function renderLegend() {
  const box = document.getElementById("legend");
  box.replaceChildren();
  function item(color, text, cls) {
    const s = el("span", "legend-item " + (cls || ""));
    const sw = el("span", "swatch");
    sw.style.background = color;
    s.appendChild(sw);
    s.appendChild(document.createTextNode(text));
    box.appendChild(s);
  }
  DATA.states.forEach(function (s, i) {
    item(STATE_COLORS[i], s);
  });
  item("#1c7ed6", "request pending (made \u2192 served)");
  item("#d7263d", "request never served");
  ["kick ipi", "kick wake", "kick none", "kick self", "IPI ack", "posted interrupt"].forEach(
    function (k, i) {
      item(KIND_COLORS[i], k, "tick");
    },
  );
  item(SEV_COLORS.error, "finding", "diamond");
  const hint = el(
    "span",
    "legend-hint",
    "wheel: zoom \u00b7 drag: pan \u00b7 keys + \u2212 \u2190 \u2192 0 \u00b7 click a \u25c6 to select",
  );
  box.appendChild(hint);
}

function renderRowLabels() {
  const box = TL.labels;
  box.replaceChildren();
  const file = DATA.files[TL.file];
  const free = decodeFile(TL.file).free.length;
  const axis = el(
    "div",
    "axis-label",
    file.rows.length === 0
      ? "no vCPU identified" + (free > 0 ? " \u00b7 \u25c6 findings" : "")
      : free > 0
      ? "\u25c6 here: no vCPU"
      : "",
  );
  box.appendChild(axis);
  file.rows.forEach(function (row, i) {
    const d = el("div", "row-label");
    d.setAttribute("data-row", String(i));
    d.appendChild(
      el("span", "row-vcpu", (row.vm !== "0" ? "VM " + row.vm + " " : "") + "vCPU " + row.vcpu),
    );
    if (row.thread) d.appendChild(el("span", "row-thread", row.thread));
    d.title = row.thread || "";
    box.appendChild(d);
  });
  const note = document.getElementById("decimation-note");
  note.textContent = file.decimation.exact ? "" : decimationText(file);
}

function showFile(fi) {
  if (fi !== TL.file || !TL.labels.firstChild) {
    TL.file = fi;
    document.getElementById("file-select").value = String(fi);
    renderRowLabels();
    fitView();
  }
  drawTimeline();
}

function renderFindings() {
  const list = document.getElementById("findings");
  list.replaceChildren();
  document.getElementById("finding-count").textContent = String(DATA.findings.length);
  DATA.findings.forEach(function (f, i) {
    const li = el("li", "finding sev-" + f.severity);
    li.id = "finding-" + i;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    li.tabIndex = -1;
    li.setAttribute("data-index", String(i));
    li.setAttribute("data-rule", f.rule);
    const head = el("div", "finding-head");
    head.appendChild(el("span", "badge " + f.severity, f.severity));
    head.appendChild(el("span", "rule-id", f.rule));
    const where = (DATA.files.length > 1 ? DATA.files[f.file].path + " \u00b7 " : "") +
      (f.vcpu === null ? "vCPU ?" : (f.vm !== "0" ? "VM " + f.vm + " " : "") + "vCPU " + f.vcpu) +
      " \u00b7 line " + f.line + " \u00b7 " + f.ts;
    head.appendChild(el("span", "where", where));
    li.appendChild(head);
    li.appendChild(el("div", "message", f.message));
    li.addEventListener("click", function () {
      selectFinding(i, true);
    });
    list.appendChild(li);
  });
  list.addEventListener("keydown", function (ev) {
    if (TL.selected < 0) return;
    const visible = Array.prototype.filter.call(list.children, function (li) {
      return !li.hidden;
    });
    const at = visible.indexOf(document.getElementById("finding-" + TL.selected));
    const next = ev.key === "ArrowDown" ? at + 1 : ev.key === "ArrowUp" ? at - 1 : -2;
    if (next === -2 || next < 0 || next >= visible.length) return;
    ev.preventDefault();
    selectFinding(Number(visible[next].getAttribute("data-index")), true);
  });
  const filter = document.getElementById("rule-filter");
  const rules = {};
  DATA.findings.forEach(function (f) {
    rules[f.rule] = (rules[f.rule] || 0) + 1;
  });
  Object.keys(rules).sort().forEach(function (r) {
    const o = el("option", null, r + " (" + rules[r] + ")");
    o.value = r;
    filter.appendChild(o);
  });
  filter.addEventListener("change", function () {
    Array.prototype.forEach.call(list.children, function (li) {
      li.hidden = filter.value !== "" && li.getAttribute("data-rule") !== filter.value;
    });
  });
  if (DATA.findings.length === 0) {
    list.appendChild(el("li", "no-findings", "No findings."));
  }
}

function showEvidence(i) {
  const f = DATA.findings[i];
  const box = document.getElementById("evidence");
  box.replaceChildren();
  const h = el("h3", "evidence-title");
  h.appendChild(el("span", "badge " + f.severity, f.severity));
  h.appendChild(el("span", "rule-id", f.rule));
  box.appendChild(h);
  if (DATA.rules[f.rule]) box.appendChild(el("p", "rule-description", DATA.rules[f.rule]));
  box.appendChild(el("p", "evidence-message", f.message));
  box.appendChild(
    el(
      "p",
      "seed",
      "Seed section: \u201c" + f.seed + "\u201d (Documentation/virt/kvm/vcpu-requests.rst)",
    ),
  );
  if (f.note) box.appendChild(el("p", "confidence", "Confidence lowered: " + f.note));
  const ol = el("ol", "evidence-lines");
  f.evidence.forEach(function (e) {
    const li = el("li", "evidence-line");
    li.appendChild(el("span", "ln", DATA.files[f.file].path + ":" + e.line));
    li.appendChild(el("code", "text", e.text));
    ol.appendChild(li);
  });
  box.appendChild(ol);
  if (f.moreEvidence > 0) {
    box.appendChild(
      el("p", "more", f.moreEvidence + " more evidence line(s) not shown; kvmreq lint lists them."),
    );
  }
}

function selectFinding(i, fromList) {
  const prev = document.getElementById("finding-" + TL.selected);
  if (prev) {
    prev.setAttribute("aria-selected", "false");
    prev.classList.remove("selected");
  }
  TL.selected = i;
  const li = document.getElementById("finding-" + i);
  li.setAttribute("aria-selected", "true");
  li.classList.add("selected");
  document.getElementById("findings").setAttribute("aria-activedescendant", li.id);
  if (fromList) li.focus({ preventScroll: true });
  li.scrollIntoView({ block: "nearest" });
  const f = DATA.findings[i];
  showEvidence(i);
  if (f.file !== TL.file) showFile(f.file);
  let lo = f.t;
  let hi = f.t;
  f.evidence.forEach(function (e) {
    if (e.t === null) return;
    lo = Math.min(lo, e.t);
    hi = Math.max(hi, e.t);
  });
  const pad = Math.max((hi - lo) * 0.25, 2000);
  setView(lo - pad, hi + pad);
  if (f.row >= 0) {
    const scroller = document.getElementById("timeline-scroll");
    const top = AXIS_H + f.row * ROW_H;
    if (top < scroller.scrollTop || top + ROW_H > scroller.scrollTop + scroller.clientHeight) {
      scroller.scrollTop = Math.max(0, top - scroller.clientHeight / 2);
    }
  }
}

function histogram(lat) {
  const wrap = el("div", "histogram");
  wrap.appendChild(
    el(
      "div",
      "quantiles",
      "n=" + fmtCount(lat.count) + " \u00b7 p50 " + fmtDur(lat.p50) + " \u00b7 p99 " +
        fmtDur(lat.p99) + " \u00b7 max " + fmtDur(lat.max),
    ),
  );
  if (lat.bins.length === 0) return wrap;
  const w = 260;
  const h = 60;
  const svg = svgEl("svg", {
    width: w,
    height: h + 14,
    viewBox: "0 0 " + w + " " + (h + 14),
    role: "img",
  });
  let max = 0;
  lat.bins.forEach(function (b) {
    max = Math.max(max, b[2]);
  });
  const bw = w / lat.bins.length;
  lat.bins.forEach(function (b, i) {
    const bh = max === 0 ? 0 : Math.max(b[2] > 0 ? 1 : 0, (b[2] / max) * h);
    const r = svgEl("rect", {
      x: i * bw + 1,
      y: h - bh,
      width: Math.max(1, bw - 2),
      height: bh,
      fill: "#4a7fd0",
    });
    const title = svgEl("title", {});
    title.textContent = fmtDur(b[0]) + " \u2013 " + fmtDur(b[1]) + ": " + fmtCount(b[2]);
    r.appendChild(title);
    svg.appendChild(r);
  });
  const lo = svgEl("text", { x: 0, y: h + 12, "font-size": 10, fill: "#495057" });
  lo.textContent = fmtDur(lat.bins[0][0]);
  const hi = svgEl("text", {
    x: w,
    y: h + 12,
    "font-size": 10,
    fill: "#495057",
    "text-anchor": "end",
  });
  hi.textContent = fmtDur(lat.bins[lat.bins.length - 1][1]);
  svg.appendChild(lo);
  svg.appendChild(hi);
  wrap.appendChild(svg);
  return wrap;
}

function pairList(pairs) {
  if (pairs.length === 0) return el("span", "none", "none");
  const ul = el("ul", "pairs");
  pairs.forEach(function (p) {
    const li = el("li");
    li.appendChild(el("span", "k", p[0]));
    li.appendChild(el("span", "v", fmtCount(p[1])));
    ul.appendChild(li);
  });
  return ul;
}

function modeBar(s, ticks) {
  let total = 0;
  s.timeInMode.forEach(function (p) {
    total += p[1];
  });
  const box = el("div", "mode-time");
  if (total === 0 || ticks) {
    box.appendChild(el("span", "none", ticks ? "(counter clock)" : "none"));
    return box;
  }
  const bar = el("div", "mode-bar");
  const ul = el("ul", "pairs");
  s.timeInMode.forEach(function (p) {
    const idx = DATA.states.indexOf(
      p[0] === "OUTSIDE_GUEST_MODE"
        ? "OUTSIDE"
        : p[0] === "IN_GUEST_MODE"
        ? "IN_GUEST"
        : p[0] === "EXITING_GUEST_MODE"
        ? "EXITING"
        : p[0],
    );
    const seg = el("span", "seg");
    seg.style.width = (100 * p[1] / total).toFixed(3) + "%";
    seg.style.background = STATE_COLORS[idx] || "#ced4da";
    seg.title = p[0] + ": " + fmtDur(p[1]);
    bar.appendChild(seg);
    const li = el("li");
    li.appendChild(el("span", "k", p[0]));
    li.appendChild(el("span", "v", fmtDur(p[1]) + " (" + (100 * p[1] / total).toFixed(1) + "%)"));
    ul.appendChild(li);
  });
  box.appendChild(bar);
  box.appendChild(ul);
  return box;
}

function renderStats() {
  const box = document.getElementById("stats");
  box.replaceChildren();
  DATA.files.forEach(function (file) {
    if (DATA.files.length > 1) box.appendChild(el("h3", "file-name", file.path));
    const grid = el("div", "stats-grid");
    file.rows.forEach(function (row) {
      const s = row.stats;
      const card = el("section", "vcpu-stats");
      card.appendChild(
        el(
          "h4",
          null,
          (row.vm !== "0" ? "VM " + row.vm + " " : "") + "vCPU " + row.vcpu +
            (row.thread ? " \u00b7 " + row.thread : ""),
        ),
      );
      const dl = el("dl");
      dlRow(dl, "Requests made", pairList(s.requestsMade));
      dlRow(dl, "Requests served", pairList(s.requestsServed));
      dlRow(dl, "Kicks by action", pairList(s.kicks));
      dlRow(
        dl,
        "IPIs",
        fmtCount(s.ipisSent) + " sent, " + fmtCount(s.ipisCoalesced) +
          " coalesced (kick found EXITING_GUEST_MODE)",
      );
      dlRow(dl, "Guest entries / exits", fmtCount(s.entries) + " / " + fmtCount(s.exits));
      dlRow(dl, "Time in mode", modeBar(s, file.timeUnit === "ticks"));
      dlRow(dl, "Service latency (made \u2192 consumed)", histogram(s.serviceLatency));
      dlRow(dl, "Kick-to-exit latency", histogram(s.kickToExit));
      card.appendChild(dl);
      grid.appendChild(card);
    });
    box.appendChild(grid);
  });
}

function placeEvidence() {
  const section = document.getElementById("timeline-section");
  document.getElementById("evidence").style.top = (section.offsetHeight + 8) + "px";
}

function init() {
  TL.canvas = document.getElementById("timeline-canvas");
  TL.labels = document.getElementById("row-labels");
  TL.wrap = document.getElementById("canvas-wrap");
  TL.info = document.getElementById("hover-info");
  const tool = DATA.tool.name + " " + DATA.tool.version;
  document.getElementById("tool").textContent = tool;
  document.title = "kvmreq report: " + DATA.files.map(function (f) {
    return f.path;
  }).join(", ");
  const select = document.getElementById("file-select");
  DATA.files.forEach(function (f, i) {
    const o = el("option", null, f.path);
    o.value = String(i);
    select.appendChild(o);
  });
  select.hidden = DATA.files.length < 2;
  select.addEventListener("change", function () {
    showFile(Number(select.value));
  });
  document.getElementById("zoom-in").addEventListener("click", function () {
    zoomBy(0.5);
  });
  document.getElementById("zoom-out").addEventListener("click", function () {
    zoomBy(2);
  });
  document.getElementById("zoom-fit").addEventListener("click", function () {
    fitView();
    drawTimeline();
  });
  renderSummary();
  renderLegend();
  renderFindings();
  renderStats();
  setupTimelineEvents();
  if (DATA.files.length > 0) showFile(0);
  else document.getElementById("timeline-section").hidden = true;
  placeEvidence();
  window.addEventListener("resize", placeEvidence);
  document.body.setAttribute("data-ready", "true");
}

init();
`;
