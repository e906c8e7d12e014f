/// <reference lib="dom" />
/**
 * Browser code of the report page: painting one timeline row's parts on the
 * canvas — mode intervals (sub-pixel ones merged per pixel column into the
 * dominant state), summarised regions (hatched), point events, requests,
 * finding diamonds and the time axis. Draws only what lies in the visible
 * range (binary search into the sorted series). A page module (see
 * `page_helpers.ts`).
 *
 * @module
 */

import type { FileData, RowData } from "../report_model.ts";
import type { PageHelpers } from "./page_helpers.ts";
import type { DecodedSeries } from "./page_series.ts";

/** Maps a relative time to a canvas x. */
export type XOf = (t: number) => number;

/** What {@link pageDraw} gives. */
export interface PageDraw {
  /** Height of the time axis, px. */
  readonly AXIS_H: number;
  /** Height of one row, px. */
  readonly ROW_H: number;
  /** Top of the mode band inside a row, px. */
  readonly MODE_TOP: number;
  /** Height of the mode band, px. */
  readonly MODE_H: number;
  /** Top of the thread (scheduling) band inside a vCPU row, px. */
  readonly THREAD_TOP: number;
  /** Height of that band, px. */
  readonly THREAD_H: number;
  /** A round step near `raw` (1, 2 or 5 times a power of ten). */
  niceStep(raw: number): number;
  /** The parts of `[t0, t1]` outside every globalThis. */
  gapsOf(
    windows: readonly (readonly [number, number])[],
    t0: number,
    t1: number,
  ): [number, number][];
  /** The hatch pattern of summarised regions. */
  makeHatch(ctx: CanvasRenderingContext2D): CanvasPattern | null;
  /**
   * State intervals of a row (`colors` by state), clipped to `[clipA, clipB]`,
   * in the band from `top` (px below the row's top) of height `height`.
   */
  drawIntervals(
    ctx: CanvasRenderingContext2D,
    iv: DecodedSeries,
    y: number,
    x0of: XOf,
    t0: number,
    t1: number,
    clipA: number,
    clipB: number,
    width: number,
    colors: readonly string[],
    top: number,
    height: number,
  ): void;
  /** A row's summary buckets inside `gap`. */
  drawSummary(
    ctx: CanvasRenderingContext2D,
    file: FileData,
    row: RowData,
    y: number,
    x0of: XOf,
    gap: readonly [number, number],
    hatch: CanvasPattern | null,
  ): void;
  /** A row's point events (ticks). */
  drawPoints(
    ctx: CanvasRenderingContext2D,
    pt: DecodedSeries,
    y: number,
    x0of: XOf,
    t0: number,
    t1: number,
  ): void;
  /** A row's requests (made → served bars). */
  drawRequests(
    ctx: CanvasRenderingContext2D,
    rq: DecodedSeries,
    unserved: boolean,
    y: number,
    x0of: XOf,
    t0: number,
    t1: number,
    end: number,
  ): void;
  /** A finding's diamond. */
  drawDiamond(
    ctx: CanvasRenderingContext2D,
    x: number,
    y: number,
    r: number,
    color: string,
    selected: boolean,
  ): void;
  /** The time axis over `[t0, t1]`, each tick labelled by `label(t, step)`. */
  drawAxis(
    ctx: CanvasRenderingContext2D,
    width: number,
    x0of: XOf,
    t0: number,
    t1: number,
    label: (t: number, step: number) => string,
  ): void;
}

/** Canvas painting (browser code, inlined into the page). */
export function pageDraw(h: PageHelpers): PageDraw {
  const AXIS_H = 26;
  const ROW_H = 36;
  const MODE_TOP = 7;
  const MODE_H = 14;
  const THREAD_TOP = 30;
  const THREAD_H = 4;
  const GUEST_EXIT = 8;
  const STATE_COLORS = h.STATE_COLORS;
  const KIND_COLORS = h.KIND_COLORS;
  const lowerBound = h.lowerBound;

  function niceStep(raw: number): number {
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }

  function gapsOf(
    windows: readonly (readonly [number, number])[],
    t0: number,
    t1: number,
  ): [number, number][] {
    const out: [number, number][] = [];
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

  function makeHatch(ctx: CanvasRenderingContext2D): CanvasPattern | null {
    const c = document.createElement("canvas");
    c.width = 8;
    c.height = 8;
    const g = c.getContext("2d");
    if (!g) return null;
    g.strokeStyle = "rgba(255,255,255,0.55)";
    g.lineWidth = 2;
    g.beginPath();
    g.moveTo(0, 8);
    g.lineTo(8, 0);
    g.stroke();
    return ctx.createPattern(c, "repeat");
  }

  function drawIntervals(
    ctx: CanvasRenderingContext2D,
    iv: DecodedSeries,
    y: number,
    x0of: XOf,
    t0: number,
    t1: number,
    clipA: number,
    clipB: number,
    width: number,
    colors: readonly string[],
    top: number,
    height: number,
  ): void {
    if (iv.n === 0) return;
    let i = Math.max(0, lowerBound(iv.t, iv.n, Math.max(t0, clipA)) - 1);
    let cols: Map<number, number[]> | null = null;
    let runX = -1;
    let runEnd = -1;
    let runState = -1;
    function flush() {
      if (runState >= 0 && runEnd > runX) {
        ctx.fillStyle = colors[runState] || "#000";
        ctx.fillRect(runX, y + top, runEnd - runX, height);
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
        ctx.fillStyle = colors[best];
        ctx.fillRect(col, y + top, 1, height);
      });
    }
  }

  function drawSummary(
    ctx: CanvasRenderingContext2D,
    file: FileData,
    row: RowData,
    y: number,
    x0of: XOf,
    gap: readonly [number, number],
    hatch: CanvasPattern | null,
  ): void {
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
        if (hatch) {
          ctx.fillStyle = hatch;
          ctx.fillRect(xa, y + MODE_TOP, xb - xa, MODE_H);
        }
      }
      const cnt = row.psum[k] || 0;
      if (cnt > 0) {
        ctx.fillStyle = "rgba(73,80,87," + Math.min(0.9, 0.25 + Math.log10(cnt + 1) / 4) + ")";
        ctx.fillRect(xa, y + 1, xb - xa, 4);
      }
    }
  }

  function drawPoints(
    ctx: CanvasRenderingContext2D,
    pt: DecodedSeries,
    y: number,
    x0of: XOf,
    t0: number,
    t1: number,
  ): void {
    let i = lowerBound(pt.t, pt.n, t0);
    let last = -2;
    let lastKind = -1;
    for (; i < pt.n && pt.t[i] <= t1; i++) {
      const x = Math.round(x0of(pt.t[i]));
      if (x === last && pt.a[i] === lastKind) continue;
      last = x;
      lastKind = pt.a[i];
      ctx.fillStyle = KIND_COLORS[pt.a[i]] || "#000";
      // A guest exit is a thin tick at the foot of the mode band, the rest above the band.
      if (pt.a[i] === GUEST_EXIT) ctx.fillRect(x, y + MODE_TOP + MODE_H - 4, 1, 4);
      else ctx.fillRect(x - 1, y + 1, 2, 6);
    }
  }

  function drawRequests(
    ctx: CanvasRenderingContext2D,
    rq: DecodedSeries,
    unserved: boolean,
    y: number,
    x0of: XOf,
    t0: number,
    t1: number,
    end: number,
  ): void {
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

  function drawDiamond(
    ctx: CanvasRenderingContext2D,
    x: number,
    y: number,
    r: number,
    color: string,
    selected: boolean,
  ): void {
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

  function drawAxis(
    ctx: CanvasRenderingContext2D,
    width: number,
    x0of: XOf,
    t0: number,
    t1: number,
    label: (t: number, step: number) => string,
  ): void {
    ctx.fillStyle = "#f8f9fa";
    ctx.fillRect(0, 0, width, AXIS_H);
    const step = niceStep(((t1 - t0) / Math.max(width, 1)) * 130);
    ctx.fillStyle = "#495057";
    ctx.strokeStyle = "#dee2e6";
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "top";
    for (let t = Math.ceil(t0 / step) * step; t <= t1; t += step) {
      const x = Math.round(x0of(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS_H - 6);
      ctx.lineTo(x, AXIS_H);
      ctx.stroke();
      ctx.fillText(label(t, step), x + 3, 3);
    }
  }

  return {
    AXIS_H,
    ROW_H,
    MODE_TOP,
    MODE_H,
    THREAD_TOP,
    THREAD_H,
    niceStep,
    gapsOf,
    makeHatch,
    drawIntervals,
    drawSummary,
    drawPoints,
    drawRequests,
    drawDiamond,
    drawAxis,
  };
}
