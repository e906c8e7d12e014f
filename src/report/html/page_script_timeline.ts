/**
 * The report page's script, part 1: helpers, data decoding and the timeline
 * (a canvas that draws only what is visible: binary search into the sorted
 * series, sub-pixel intervals merged per pixel column, summarised regions
 * hatched). Plain browser JavaScript kept as a string and inlined into the
 * page; it builds the DOM with `textContent`, never with HTML strings.
 *
 * @module
 */

/** Timeline script (runs inside the page's IIFE, before `UI_SCRIPT`). */
export const TIMELINE_SCRIPT = String.raw`
// --- shared helpers and the timeline (canvas) ---
const DATA = JSON.parse(document.getElementById("kvmreq-data").textContent);
const STATE_COLORS = ["#9aa5b1", "#2f9e5b", "#e8a33d", "#8e6cc9", "#4a7fd0"];
const KIND_COLORS = [
  "#c2255c",
  "#1c7ed6",
  "#868e96",
  "#5f3dc4",
  "#0b7285",
  "#e67700",
  "#adb5bd",
  "#d7263d",
];
const SEV_COLORS = { error: "#d7263d", warning: "#e67700", info: "#1c7ed6" };
const AXIS_H = 26;
const ROW_H = 30;
const MODE_TOP = 7;
const MODE_H = 14;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function svgEl(tag, attrs) {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  return e;
}

function fmtCount(n) {
  return Number(n).toLocaleString("en-US");
}

function fmtDur(ns) {
  if (ns === null || ns === undefined) return "-";
  const a = Math.abs(ns);
  if (a < 1000) return ns.toFixed(0) + " ns";
  if (a < 1e6) return (ns / 1e3).toFixed(a < 1e4 ? 3 : a < 1e5 ? 2 : 1) + " \u00b5s";
  if (a < 1e9) return (ns / 1e6).toFixed(a < 1e7 ? 3 : a < 1e8 ? 2 : 1) + " ms";
  return (ns / 1e9).toFixed(3) + " s";
}

function fmtRel(ns) {
  return (ns < 0 ? "\u2212" : "+") + fmtDur(Math.abs(ns));
}

const UNITS = [[1e9, " s"], [1e6, " ms"], [1e3, " \u00b5s"], [1, " ns"]];

function fmtTick(t, step) {
  const a = Math.max(Math.abs(t), step);
  let u = UNITS[UNITS.length - 1];
  for (const x of UNITS) {
    if (a >= x[0]) {
      u = x;
      break;
    }
  }
  const dec = Math.max(0, Math.min(9, Math.ceil(-Math.log10(step / u[0]) - 1e-9)));
  return (t < 0 ? "\u2212" : "+") + (Math.abs(t) / u[0]).toFixed(dec) + u[1];
}

function absTime(file, rel) {
  const ns = BigInt(file.origin) + BigInt(Math.round(rel));
  if (file.timeUnit === "ticks") return ns.toString();
  const s = ns / 1000000000n;
  const frac = (ns % 1000000000n).toString().padStart(9, "0");
  return s.toString() + "." + (frac.slice(6) === "000" ? frac.slice(0, 6) : frac);
}

function lowerBound(arr, n, v) {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function decodeSeries(flat, withEnd) {
  const n = flat.length / 3;
  const t = new Float64Array(n);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  let prev = 0;
  let maxA = 0;
  for (let i = 0; i < n; i++) {
    prev += flat[3 * i];
    t[i] = prev;
    a[i] = flat[3 * i + 1];
    b[i] = flat[3 * i + 2];
    if (withEnd && a[i] > maxA) maxA = a[i];
  }
  return { n: n, t: t, a: a, b: b, maxA: maxA };
}

function decodeFile(fi) {
  const file = DATA.files[fi];
  if (file._dec) return file._dec;
  const rows = file.rows.map(function (r) {
    const iv = decodeSeries(r.iv, false);
    const pt = decodeSeries(r.pt, false);
    const rq = decodeSeries(r.rq, true);
    let unserved = false;
    for (let i = 0; i < rq.n; i++) if (rq.a[i] < 0) unserved = true;
    return { iv: iv, pt: pt, rq: rq, unserved: unserved, findings: [] };
  });
  const free = [];
  DATA.findings.forEach(function (f, i) {
    if (f.file !== fi) return;
    if (f.row >= 0 && rows[f.row]) rows[f.row].findings.push(i);
    else free.push(i);
  });
  const w = file.decimation.windows;
  const windows = [];
  for (let k = 0; k < w.length; k += 2) windows.push([w[k], w[k + 1]]);
  file._dec = { rows: rows, free: free, windows: windows };
  return file._dec;
}

const TL = {
  file: 0,
  t0: 0,
  t1: 1,
  selected: -1,
  canvas: null,
  labels: null,
  wrap: null,
  info: null,
  hatch: null,
  drag: null,
};

function spanOf(file) {
  const dec = decodeFile(TL.file);
  let start = 0;
  dec.rows.forEach(function (r) {
    if (r.iv.n > 0 && r.iv.t[0] < start) start = r.iv.t[0];
  });
  return [start, Math.max(file.span, start + 1000)];
}

function fitView() {
  const s = spanOf(DATA.files[TL.file]);
  const pad = (s[1] - s[0]) * 0.02 + 100;
  TL.t0 = s[0] - pad;
  TL.t1 = s[1] + pad;
}

function setView(t0, t1) {
  const s = spanOf(DATA.files[TL.file]);
  const full = s[1] - s[0];
  const pad = full * 0.02 + 100;
  let width = Math.min(Math.max(t1 - t0, 10), full + 2 * pad);
  let from = t0;
  if (width >= full + 2 * pad) {
    width = full + 2 * pad;
    from = s[0] - pad;
  } else from = Math.min(Math.max(t0, s[0] - pad), s[1] + pad - width);
  TL.t0 = from;
  TL.t1 = from + width;
  drawTimeline();
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

function gapsOf(windows, t0, t1) {
  const out = [];
  let at = t0;
  for (let i = 0; i < windows.length; i++) {
    const w = windows[i];
    if (w[1] < t0) continue;
    if (w[0] > t1) break;
    if (w[0] > at) out.push([at, w[0]]);
    at = Math.max(at, w[1]);
  }
  if (at < t1) out.push([at, t1]);
  return out;
}

function makeHatch(ctx) {
  const c = document.createElement("canvas");
  c.width = 8;
  c.height = 8;
  const g = c.getContext("2d");
  g.strokeStyle = "rgba(255,255,255,0.55)";
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(0, 8);
  g.lineTo(8, 0);
  g.stroke();
  return ctx.createPattern(c, "repeat");
}

function drawIntervals(ctx, iv, y, x0of, t0, t1, clipA, clipB, width) {
  if (iv.n === 0) return;
  let i = Math.max(0, lowerBound(iv.t, iv.n, Math.max(t0, clipA)) - 1);
  let cols = null;
  let runX = -1;
  let runEnd = -1;
  let runState = -1;
  function flush() {
    if (runState >= 0 && runEnd > runX) {
      ctx.fillStyle = STATE_COLORS[runState] || "#000";
      ctx.fillRect(runX, y + MODE_TOP, runEnd - runX, MODE_H);
    }
    runState = -1;
  }
  for (; i < iv.n; i++) {
    const s = Math.max(iv.t[i], clipA, t0);
    const e = Math.min(iv.t[i] + iv.a[i], clipB, t1);
    if (iv.t[i] > t1 || iv.t[i] > clipB) break;
    if (e < s) continue;
    const xs = x0of(s);
    const xe = x0of(e);
    const st = iv.b[i];
    if (xe - xs >= 1) {
      if (st === runState && Math.abs(xs - runEnd) < 0.5) runEnd = xe;
      else {
        flush();
        runX = xs;
        runEnd = xe;
        runState = st;
      }
    } else {
      if (!cols) cols = new Map();
      const col = Math.floor(xs);
      if (col < 0 || col >= width) continue;
      let acc = cols.get(col);
      if (!acc) {
        acc = [0, 0, 0, 0, 0];
        cols.set(col, acc);
      }
      acc[st] += Math.max(e - s, 1e-6);
    }
  }
  flush();
  if (cols) {
    cols.forEach(function (acc, col) {
      let best = 0;
      for (let k = 1; k < acc.length; k++) if (acc[k] > acc[best]) best = k;
      ctx.fillStyle = STATE_COLORS[best];
      ctx.fillRect(col, y + MODE_TOP, 1, MODE_H);
    });
  }
}

function drawSummary(ctx, file, row, y, x0of, gap) {
  const n = row.sum.length;
  if (n === 0) return;
  const w = file.span / n;
  const k0 = Math.max(0, Math.floor(gap[0] / w));
  const k1 = Math.min(n - 1, Math.floor(gap[1] / w));
  for (let k = k0; k <= k1; k++) {
    const c = row.sum.charCodeAt(k) - 48;
    const a = Math.max(k * w, gap[0]);
    const b = Math.min((k + 1) * w, gap[1]);
    if (b <= a) continue;
    const xa = x0of(a);
    const xb = Math.max(x0of(b), xa + 1);
    if (c >= 0 && c < STATE_COLORS.length) {
      ctx.globalAlpha = 0.55;
      ctx.fillStyle = STATE_COLORS[c];
      ctx.fillRect(xa, y + MODE_TOP, xb - xa, MODE_H);
      ctx.globalAlpha = 1;
      ctx.fillStyle = TL.hatch;
      ctx.fillRect(xa, y + MODE_TOP, xb - xa, MODE_H);
    }
    const cnt = row.psum[k] || 0;
    if (cnt > 0) {
      ctx.fillStyle = "rgba(73,80,87," + Math.min(0.9, 0.25 + Math.log10(cnt + 1) / 4) + ")";
      ctx.fillRect(xa, y + 1, xb - xa, 4);
    }
  }
}

function drawPoints(ctx, pt, y, x0of, t0, t1) {
  let i = lowerBound(pt.t, pt.n, t0);
  let last = -2;
  let lastKind = -1;
  for (; i < pt.n && pt.t[i] <= t1; i++) {
    const x = Math.round(x0of(pt.t[i]));
    if (x === last && pt.a[i] === lastKind) continue;
    last = x;
    lastKind = pt.a[i];
    ctx.fillStyle = KIND_COLORS[pt.a[i]] || "#000";
    ctx.fillRect(x - 1, y + 1, 2, 6);
  }
}

function drawRequests(ctx, rq, unserved, y, x0of, t0, t1, end) {
  const from = unserved ? 0 : lowerBound(rq.t, rq.n, t0 - rq.maxA);
  let lastX = -2;
  for (let i = from; i < rq.n && rq.t[i] <= t1; i++) {
    const s = rq.t[i];
    const e = rq.a[i] < 0 ? end : s + rq.a[i];
    if (e < t0) continue;
    const xs = x0of(Math.max(s, t0));
    const xe = Math.max(x0of(Math.min(e, t1)), xs + 1);
    if (xe <= lastX) continue;
    lastX = xe;
    ctx.fillStyle = rq.a[i] < 0 ? "#d7263d" : "#1c7ed6";
    ctx.fillRect(xs, y + MODE_TOP + MODE_H + 2, xe - xs, 3);
    ctx.fillRect(xs, y + MODE_TOP + MODE_H, 1, 7);
  }
}

function drawDiamond(ctx, x, y, r, color, selected) {
  ctx.beginPath();
  ctx.moveTo(x, y - r);
  ctx.lineTo(x + r, y);
  ctx.lineTo(x, y + r);
  ctx.lineTo(x - r, y);
  ctx.closePath();
  ctx.fillStyle = color;
  ctx.fill();
  ctx.lineWidth = selected ? 2.5 : 1;
  ctx.strokeStyle = selected ? "#111" : "#fff";
  ctx.stroke();
}

function drawAxis(ctx, width, x0of) {
  ctx.fillStyle = "#f8f9fa";
  ctx.fillRect(0, 0, width, AXIS_H);
  const step = niceStep(((TL.t1 - TL.t0) / Math.max(width, 1)) * 110);
  ctx.fillStyle = "#495057";
  ctx.strokeStyle = "#dee2e6";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textBaseline = "top";
  for (let t = Math.ceil(TL.t0 / step) * step; t <= TL.t1; t += step) {
    const x = Math.round(x0of(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, AXIS_H - 6);
    ctx.lineTo(x, AXIS_H);
    ctx.stroke();
    ctx.fillText(fmtTick(t, step), x + 3, 3);
  }
}

function drawTimeline() {
  const canvas = TL.canvas;
  if (!canvas) return;
  const file = DATA.files[TL.file];
  const dec = decodeFile(TL.file);
  const dpr = window.devicePixelRatio || 1;
  const width = Math.max(200, TL.wrap.clientWidth);
  const height = AXIS_H + dec.rows.length * ROW_H + 4;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  if (!TL.hatch) TL.hatch = makeHatch(ctx);
  const scale = width / (TL.t1 - TL.t0);
  const t0 = TL.t0;
  const t1 = TL.t1;
  function x0of(t) {
    return (t - t0) * scale;
  }
  drawAxis(ctx, width, x0of);
  const exact = file.decimation.exact;
  const ranges = exact ? [[-Infinity, Infinity]] : dec.windows;
  const gaps = exact ? [] : gapsOf(dec.windows, t0, t1);
  dec.rows.forEach(function (r, i) {
    const y = AXIS_H + i * ROW_H;
    ctx.fillStyle = i % 2 ? "#ffffff" : "#f8f9fa";
    ctx.fillRect(0, y, width, ROW_H);
    const row = file.rows[i];
    gaps.forEach(function (g) {
      drawSummary(ctx, file, row, y, x0of, g);
    });
    ranges.forEach(function (w) {
      if (w[1] < t0 || w[0] > t1) return;
      drawIntervals(ctx, r.iv, y, x0of, t0, t1, w[0], w[1], width);
    });
    drawRequests(ctx, r.rq, r.unserved, y, x0of, t0, t1, file.span);
    drawPoints(ctx, r.pt, y, x0of, t0, t1);
  });
  if (TL.selected >= 0 && DATA.findings[TL.selected].file === TL.file) {
    const sel = DATA.findings[TL.selected];
    ctx.strokeStyle = "rgba(17,17,17,0.55)";
    ctx.setLineDash([3, 3]);
    sel.evidence.forEach(function (e) {
      if (e.t === null) return;
      const x = Math.round(x0of(e.t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS_H);
      ctx.lineTo(x, height);
      ctx.stroke();
    });
    ctx.setLineDash([]);
  }
  dec.rows.forEach(function (r, i) {
    const y = AXIS_H + i * ROW_H + MODE_TOP + MODE_H / 2;
    r.findings.forEach(function (fi) {
      const f = DATA.findings[fi];
      if (f.t < t0 || f.t > t1) return;
      drawDiamond(
        ctx,
        x0of(f.t),
        y,
        fi === TL.selected ? 7 : 5,
        SEV_COLORS[f.severity],
        fi === TL.selected,
      );
    });
  });
  dec.free.forEach(function (fi) {
    const f = DATA.findings[fi];
    if (f.t < t0 || f.t > t1) return;
    drawDiamond(
      ctx,
      x0of(f.t),
      AXIS_H - 7,
      fi === TL.selected ? 6 : 4,
      SEV_COLORS[f.severity],
      fi === TL.selected,
    );
  });
  const range = document.getElementById("view-range");
  if (range) {
    const step = (t1 - t0) / 1000;
    range.textContent = fmtTick(t0, step) + " \u2026 " + fmtTick(t1, step) + " (" +
      fmtDur(t1 - t0) + " shown)";
  }
}

function describeAt(fi, rowIndex, t, px) {
  const file = DATA.files[fi];
  const dec = decodeFile(fi);
  const r = dec.rows[rowIndex];
  const row = file.rows[rowIndex];
  const head = "vCPU " + row.vcpu + (row.vm !== "0" ? " (VM " + row.vm + ")" : "") + " \u00b7 " +
    fmtRel(t) + " (" + absTime(file, t) + ")";
  for (let k = 0; k < r.findings.length; k++) {
    const f = DATA.findings[r.findings[k]];
    if (Math.abs(f.t - t) <= 5 * px) return head + " \u00b7 finding " + f.rule + ": " + f.message;
  }
  const i = lowerBound(r.pt.t, r.pt.n, t - 4 * px);
  if (i < r.pt.n && r.pt.t[i] <= t + 4 * px) {
    return head + " \u00b7 " + file.labels[r.pt.b[i]] + " at " + fmtRel(r.pt.t[i]);
  }
  const from = r.unserved ? 0 : lowerBound(r.rq.t, r.rq.n, t - r.rq.maxA - 2 * px);
  for (let j = from; j < r.rq.n; j++) {
    const s = r.rq.t[j];
    if (s > t) break;
    const e = r.rq.a[j] < 0 ? file.span : s + r.rq.a[j];
    if (t <= e + 2 * px) {
      return head + " \u00b7 request " + file.labels[r.rq.b[j]] + ", made " + fmtRel(s) +
        (r.rq.a[j] < 0 ? ", never served" : ", served after " + fmtDur(r.rq.a[j]));
    }
  }
  const m = lowerBound(r.iv.t, r.iv.n, t + 1e-9) - 1;
  if (m >= 0 && t <= r.iv.t[m] + r.iv.a[m]) {
    return head + " \u00b7 " + DATA.states[r.iv.b[m]] + " from " + fmtRel(r.iv.t[m]) + " for " +
      fmtDur(r.iv.a[m]);
  }
  if (!file.decimation.exact && row.sum.length > 0) {
    const k2 = Math.min(
      row.sum.length - 1,
      Math.max(0, Math.floor(t / (file.span / row.sum.length))),
    );
    const c = row.sum.charCodeAt(k2) - 48;
    if (c >= 0) return head + " \u00b7 mostly " + DATA.states[c] + " (summarised)";
  }
  return head;
}

function canvasPos(ev) {
  const rect = TL.canvas.getBoundingClientRect();
  const x = ev.clientX - rect.left;
  const y = ev.clientY - rect.top;
  const t = TL.t0 + (x / rect.width) * (TL.t1 - TL.t0);
  const row = Math.floor((y - AXIS_H) / ROW_H);
  return { x: x, y: y, t: t, row: row, px: (TL.t1 - TL.t0) / rect.width };
}

function findingNear(pos) {
  const dec = decodeFile(TL.file);
  const list = pos.row >= 0 && pos.row < dec.rows.length ? dec.rows[pos.row].findings : dec.free;
  let best = -1;
  let bestD = 7 * pos.px;
  list.forEach(function (fi) {
    const d = Math.abs(DATA.findings[fi].t - pos.t);
    if (d <= bestD) {
      bestD = d;
      best = fi;
    }
  });
  return best;
}

function zoomBy(factor, anchor) {
  const a = anchor === undefined ? (TL.t0 + TL.t1) / 2 : anchor;
  setView(a - (a - TL.t0) * factor, a + (TL.t1 - a) * factor);
}

function panBy(fraction) {
  const d = (TL.t1 - TL.t0) * fraction;
  setView(TL.t0 + d, TL.t1 + d);
}

function setupTimelineEvents() {
  const c = TL.canvas;
  c.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    const pos = canvasPos(ev);
    if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
      panBy((ev.deltaX || ev.deltaY) / 800);
    } else zoomBy(Math.exp(ev.deltaY * 0.0015), pos.t);
  }, { passive: false });
  c.addEventListener("mousedown", function (ev) {
    TL.drag = { x: ev.clientX, t0: TL.t0, t1: TL.t1, moved: false };
  });
  window.addEventListener("mouseup", function (ev) {
    const d = TL.drag;
    TL.drag = null;
    if (d && !d.moved && ev.target === c) {
      const fi = findingNear(canvasPos(ev));
      if (fi >= 0) selectFinding(fi, false);
    }
  });
  window.addEventListener("mousemove", function (ev) {
    if (TL.drag) {
      const rect = c.getBoundingClientRect();
      const dx = ev.clientX - TL.drag.x;
      if (Math.abs(dx) > 2) TL.drag.moved = true;
      const dt = (-dx / rect.width) * (TL.drag.t1 - TL.drag.t0);
      setView(TL.drag.t0 + dt, TL.drag.t1 + dt);
      return;
    }
    if (ev.target !== c) return;
    const pos = canvasPos(ev);
    const dec = decodeFile(TL.file);
    if (pos.row < 0 || pos.row >= dec.rows.length) {
      TL.info.textContent = fmtRel(pos.t) + " (" + absTime(DATA.files[TL.file], pos.t) + ")";
      return;
    }
    TL.info.textContent = describeAt(TL.file, pos.row, pos.t, pos.px);
  });
  TL.wrap.addEventListener("keydown", function (ev) {
    const k = ev.key;
    if (k === "+" || k === "=") zoomBy(0.5);
    else if (k === "-" || k === "_") zoomBy(2);
    else if (k === "ArrowLeft") panBy(-0.2);
    else if (k === "ArrowRight") panBy(0.2);
    else if (k === "0") {
      fitView();
      drawTimeline();
    } else return;
    ev.preventDefault();
  });
  window.addEventListener("resize", drawTimeline);
}
`;
