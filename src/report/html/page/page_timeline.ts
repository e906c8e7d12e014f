/// <reference lib="dom" />
/**
 * Browser code of the report page: the timeline — its view (visible time
 * range, chosen input, selected finding), drawing it, the hover description,
 * zoom and pan by wheel, drag and keys, and the row labels. A page module
 * (see `page_helpers.ts`).
 *
 * @module
 */

import type { ReportData } from "../report_model.ts";
import type { PageDraw } from "./page_draw.ts";
import type { PageHelpers } from "./page_helpers.ts";
import type { PageSeries } from "./page_series.ts";

/** The timeline's view state. */
export interface TimelineView {
  /** Index of the input shown. */
  file: number;
  /** Visible range, relative ns. */
  t0: number;
  /** End of the visible range, relative ns. */
  t1: number;
  /** Index of the selected finding, −1 for none. */
  selected: number;
}

/** What {@link pageTimeline} gives. */
export interface PageTimeline {
  /** The view (read it; change it through the functions below). */
  readonly view: TimelineView;
  /** Finds the page's elements and listens to the mouse and keys. */
  setup(): void;
  /** Shows input `fi` (fitting the view when it changes) and redraws. */
  showFile(fi: number): void;
  /** Fits the view to the whole input. */
  fitView(): void;
  /** Shows `[t0, t1]` (clamped to the input) and redraws. */
  setView(t0: number, t1: number): void;
  /** Marks finding `i` selected (or −1) for drawing. */
  setSelected(i: number): void;
  /** Redraws. */
  drawTimeline(): void;
  /** Zooms by `factor` around `anchor` (the middle by default). */
  zoomBy(factor: number, anchor?: number): void;
}

/** The timeline (browser code, inlined into the page); `pick` is called with a clicked finding. */
export function pageTimeline(
  data: ReportData,
  h: PageHelpers,
  series: PageSeries,
  draw: PageDraw,
  pick: (finding: number) => void,
): PageTimeline {
  const AXIS_H = draw.AXIS_H;
  const ROW_H = draw.ROW_H;
  const MODE_TOP = draw.MODE_TOP;
  const MODE_H = draw.MODE_H;
  const el = h.el;
  const byId = h.byId;
  const fmtRel = h.fmtRel;
  const fmtDur = h.fmtDur;
  const lowerBound = h.lowerBound;
  const decodeFile = series.decodeFile;
  const view: TimelineView = { file: 0, t0: 0, t1: 1, selected: -1 };
  let canvas: HTMLCanvasElement | null = null;
  let labels: HTMLElement | null = null;
  let wrap: HTMLElement | null = null;
  let hatch: CanvasPattern | null = null;
  let drag: { x: number; t0: number; t1: number; moved: boolean } | null = null;

  function spanOf(): [number, number] {
    const file = data.files[view.file];
    const dec = decodeFile(view.file);
    let start = 0;
    dec.rows.forEach(function (r) {
      if (r.iv.n > 0 && r.iv.t[0] < start) start = r.iv.t[0];
    });
    return [start, Math.max(file.span, start + 1000)];
  }

  function fitView(): void {
    const s = spanOf();
    const pad = (s[1] - s[0]) * 0.02 + 100;
    view.t0 = s[0] - pad;
    view.t1 = s[1] + pad;
  }

  function setView(t0: number, t1: number): void {
    const s = spanOf();
    const full = s[1] - s[0];
    const pad = full * 0.02 + 100;
    let width = Math.min(Math.max(t1 - t0, 10), full + 2 * pad);
    let from = t0;
    if (width >= full + 2 * pad) {
      width = full + 2 * pad;
      from = s[0] - pad;
    } else from = Math.min(Math.max(t0, s[0] - pad), s[1] + pad - width);
    view.t0 = from;
    view.t1 = from + width;
    drawTimeline();
  }

  function drawTimeline(): void {
    if (!canvas || !wrap) return;
    const file = data.files[view.file];
    const dec = decodeFile(view.file);
    const dpr = globalThis.devicePixelRatio || 1;
    const width = Math.max(200, wrap.clientWidth);
    const height = AXIS_H + dec.rows.length * ROW_H + 4;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = width + "px";
    canvas.style.height = height + "px";
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!hatch) hatch = draw.makeHatch(ctx);
    const scale = width / (view.t1 - view.t0);
    const t0 = view.t0;
    const t1 = view.t1;
    function x0of(t: number): number {
      return (t - t0) * scale;
    }
    draw.drawAxis(ctx, width, x0of, t0, t1, function (t, step) {
      return h.fmtAbsTick(file, t, step);
    });
    const exact = file.decimation.exact;
    const ranges = exact ? [[-Infinity, Infinity] as const] : dec.windows;
    const gaps = exact ? [] : draw.gapsOf(dec.windows, t0, t1);
    dec.rows.forEach(function (r, i) {
      const y = AXIS_H + i * ROW_H;
      ctx.fillStyle = i % 2 ? "#ffffff" : "#f8f9fa";
      ctx.fillRect(0, y, width, ROW_H);
      const row = file.rows[i];
      gaps.forEach(function (g) {
        draw.drawSummary(ctx, file, row, y, x0of, g, hatch);
      });
      const threadRow = row.kind === "thread";
      ranges.forEach(function (w) {
        if (w[1] < t0 || w[0] > t1) return;
        const band = function (
          series: typeof r.iv,
          colors: readonly string[],
          top: number,
          height: number,
        ) {
          draw.drawIntervals(ctx, series, y, x0of, t0, t1, w[0], w[1], width, colors, top, height);
        };
        band(r.iv, h.STATE_COLORS, MODE_TOP, MODE_H);
        // A thread row's band is its scheduling; a vCPU row shows its thread's under the mode.
        if (threadRow) band(r.th, h.THREAD_COLORS, MODE_TOP, MODE_H);
        else band(r.th, h.THREAD_COLORS, draw.THREAD_TOP, draw.THREAD_H);
      });
      draw.drawRequests(ctx, r.rq, r.unserved, y, x0of, t0, t1, file.span);
      draw.drawPoints(ctx, r.pt, y, x0of, t0, t1);
    });
    if (view.selected >= 0 && data.findings[view.selected].file === view.file) {
      const sel = data.findings[view.selected];
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
        const f = data.findings[fi];
        if (f.t < t0 || f.t > t1) return;
        draw.drawDiamond(
          ctx,
          x0of(f.t),
          y,
          fi === view.selected ? 7 : 5,
          h.SEV_COLORS[f.severity],
          fi === view.selected,
        );
      });
    });
    dec.free.forEach(function (fi) {
      const f = data.findings[fi];
      if (f.t < t0 || f.t > t1) return;
      draw.drawDiamond(
        ctx,
        x0of(f.t),
        AXIS_H - 7,
        fi === view.selected ? 6 : 4,
        h.SEV_COLORS[f.severity],
        fi === view.selected,
      );
    });
    const range = document.getElementById("view-range");
    if (range) {
      const step = (t1 - t0) / 1000;
      range.textContent = h.fmtAbsTick(file, t0, step) + " \u2026 " + h.fmtAbsTick(file, t1, step) +
        (file.timeUnit === "ticks" ? "" : " s") + " (" + fmtDur(t1 - t0) + " shown)";
    }
  }

  function threadAt(fi: number, rowIndex: number, t: number): string {
    const th = decodeFile(fi).rows[rowIndex].th;
    const m = lowerBound(th.t, th.n, t + 1e-9) - 1;
    if (m < 0 || t > th.t[m] + th.a[m]) return "";
    return "thread " + data.threadStates[th.b[m]] + " from " + h.absTime(data.files[fi], th.t[m]) +
      " for " + fmtDur(th.a[m]);
  }

  function describeAt(
    fi: number,
    rowIndex: number,
    t: number,
    px: number,
    yIn: number,
  ): string {
    const file = data.files[fi];
    const dec = decodeFile(fi);
    const r = dec.rows[rowIndex];
    const row = file.rows[rowIndex];
    const who = row.kind === "thread"
      ? row.thread
      : "vCPU " + row.vcpu + (row.vm !== "0" ? " (VM " + row.vm + ")" : "");
    const head = who + " \u00b7 " + h.absTime(file, t) + " (" + fmtRel(t) + ")";
    if (row.kind === "thread" || yIn >= draw.THREAD_TOP - 1) {
      const sched = threadAt(fi, rowIndex, t);
      const i0 = lowerBound(r.pt.t, r.pt.n, t - 4 * px);
      const near = i0 < r.pt.n && r.pt.t[i0] <= t + 4 * px;
      if (sched !== "" && (!near || yIn >= draw.THREAD_TOP - 1)) return head + " \u00b7 " + sched;
    }
    for (let k = 0; k < r.findings.length; k++) {
      const f = data.findings[r.findings[k]];
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
      return head + " \u00b7 " + data.states[r.iv.b[m]] + " from " + fmtRel(r.iv.t[m]) + " for " +
        fmtDur(r.iv.a[m]);
    }
    if (!file.decimation.exact && row.sum.length > 0) {
      const k2 = Math.min(
        row.sum.length - 1,
        Math.max(0, Math.floor(t / (file.span / row.sum.length))),
      );
      const c = row.sum.charCodeAt(k2) - 48;
      if (c >= 0) return head + " \u00b7 mostly " + data.states[c] + " (summarised)";
    }
    return head;
  }

  function canvasPos(c: HTMLCanvasElement, ev: MouseEvent) {
    const rect = c.getBoundingClientRect();
    const x = ev.clientX - rect.left;
    const y = ev.clientY - rect.top;
    const t = view.t0 + (x / rect.width) * (view.t1 - view.t0);
    const row = Math.floor((y - AXIS_H) / ROW_H);
    const yIn = y - AXIS_H - row * ROW_H;
    return { x: x, y: y, t: t, row: row, yIn: yIn, px: (view.t1 - view.t0) / rect.width };
  }

  function findingNear(pos: { t: number; row: number; px: number }): number {
    const dec = decodeFile(view.file);
    const list = pos.row >= 0 && pos.row < dec.rows.length ? dec.rows[pos.row].findings : dec.free;
    let best = -1;
    let bestD = 7 * pos.px;
    list.forEach(function (fi) {
      const d = Math.abs(data.findings[fi].t - pos.t);
      if (d <= bestD) {
        bestD = d;
        best = fi;
      }
    });
    return best;
  }

  function zoomBy(factor: number, anchor?: number): void {
    const a = anchor === undefined ? (view.t0 + view.t1) / 2 : anchor;
    setView(a - (a - view.t0) * factor, a + (view.t1 - a) * factor);
  }

  function panBy(fraction: number): void {
    const d = (view.t1 - view.t0) * fraction;
    setView(view.t0 + d, view.t1 + d);
  }

  function setup(): void {
    const c = byId("timeline-canvas") as HTMLCanvasElement;
    const w = byId("canvas-wrap");
    const hover = byId("hover-info");
    canvas = c;
    labels = byId("row-labels");
    wrap = w;
    c.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      const pos = canvasPos(c, ev);
      if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        panBy((ev.deltaX || ev.deltaY) / 800);
      } else zoomBy(Math.exp(ev.deltaY * 0.0015), pos.t);
    }, { passive: false });
    c.addEventListener("mousedown", function (ev) {
      drag = { x: ev.clientX, t0: view.t0, t1: view.t1, moved: false };
    });
    document.addEventListener("mouseup", function (ev) {
      const d = drag;
      drag = null;
      if (d && !d.moved && ev.target === c) {
        const fi = findingNear(canvasPos(c, ev));
        if (fi >= 0) pick(fi);
      }
    });
    document.addEventListener("mousemove", function (ev) {
      if (drag) {
        const rect = c.getBoundingClientRect();
        const dx = ev.clientX - drag.x;
        if (Math.abs(dx) > 2) drag.moved = true;
        const dt = (-dx / rect.width) * (drag.t1 - drag.t0);
        setView(drag.t0 + dt, drag.t1 + dt);
        return;
      }
      if (ev.target !== c) return;
      const pos = canvasPos(c, ev);
      const dec = decodeFile(view.file);
      if (pos.row < 0 || pos.row >= dec.rows.length) {
        hover.textContent = h.absTime(data.files[view.file], pos.t) + " (" + fmtRel(pos.t) + ")";
        return;
      }
      hover.textContent = describeAt(view.file, pos.row, pos.t, pos.px, pos.yIn);
    });
    w.addEventListener("keydown", function (ev) {
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
    globalThis.addEventListener("resize", drawTimeline);
  }

  function renderRowLabels(): void {
    const box = labels;
    if (!box) return;
    box.replaceChildren();
    const file = data.files[view.file];
    const free = decodeFile(view.file).free.length;
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
      const d = el("div", "row-label" + (row.kind === "thread" ? " thread-row" : ""));
      d.setAttribute("data-row", String(i));
      if (row.kind === "thread") {
        d.appendChild(el("span", "row-vcpu", row.thread));
        d.appendChild(el("span", "row-thread", "host thread (kicks, requests)"));
      } else {
        d.appendChild(
          el(
            "span",
            "row-vcpu",
            (row.vm !== "0" ? "VM " + row.vm + " " : "") + "vCPU " + row.vcpu,
          ),
        );
        if (row.thread) d.appendChild(el("span", "row-thread", row.thread));
      }
      d.title = row.thread || "";
      box.appendChild(d);
    });
    const note = byId("decimation-note");
    note.textContent = file.decimation.exact ? "" : h.decimationText(file);
  }

  function showFile(fi: number): void {
    if (fi !== view.file || !(labels && labels.firstChild)) {
      view.file = fi;
      (byId("file-select") as HTMLSelectElement).value = String(fi);
      renderRowLabels();
      fitView();
    }
    drawTimeline();
  }

  function setSelected(i: number): void {
    view.selected = i;
  }

  return { view, setup, showFile, fitView, setView, setSelected, drawTimeline, zoomBy };
}
