/// <reference lib="dom" />
/**
 * Browser code of the report page: DOM and text helpers shared by the other
 * page modules, and the page's colours. Like every module in this folder it
 * exports one self-contained factory function whose source text
 * (`Function.prototype.toString`) is inlined into the page by
 * `../page_script.ts`: it may use only its parameters, browser globals and
 * the other page factories (which the page declares under the same names) —
 * never a value imported from outside this folder.
 *
 * @module
 */

import type { FileData } from "../report_model.ts";

/** What {@link pageHelpers} gives the other page modules. */
export interface PageHelpers {
  /** Fill colours of the row states, by state code. */
  readonly STATE_COLORS: readonly string[];
  /** Colours of point-event kinds, by kind code. */
  readonly KIND_COLORS: readonly string[];
  /** Colours of finding severities. */
  readonly SEV_COLORS: Readonly<Record<string, string>>;
  /** An element with a class and text (set with `textContent`, never parsed). */
  el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    cls?: string | null,
    text?: string | number | null,
  ): HTMLElementTagNameMap[K];
  /** An SVG element with attributes. */
  svgEl(tag: string, attrs: Record<string, string | number>): SVGElement;
  /** `1,234`. */
  fmtCount(n: number): string;
  /** A duration in ns as `1.234 ms`; `-` for none. */
  fmtDur(ns: number | null | undefined): string;
  /** A relative time as `+1.234 ms` / `−…`. */
  fmtRel(ns: number): string;
  /** An axis tick `t` with as many decimals as `step` needs. */
  fmtTick(t: number, step: number): string;
  /** The absolute time of relative time `rel` in `file`, as ftrace prints it. */
  absTime(file: FileData, rel: number): string;
  /** First index in `arr[0, n)` whose value is `>= v`. */
  lowerBound(arr: ArrayLike<number>, n: number, v: number): number;
  /** What the timeline draws exactly and what it summarises, in words. */
  decimationText(file: FileData): string;
  /** The element with id `id` (an error when the page has none). */
  byId(id: string): HTMLElement;
  /** Appends a `<dt>term</dt><dd>value</dd>` pair to `dl`; returns the `<dd>`. */
  dlRow(dl: HTMLElement, term: string, value: string | number | Node): HTMLElement;
}

/** The page's shared helpers (browser code, inlined into the page). */
export function pageHelpers(): PageHelpers {
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
  const SEV_COLORS: Record<string, string> = {
    error: "#d7263d",
    warning: "#e67700",
    info: "#1c7ed6",
  };
  const UNITS: readonly (readonly [number, string])[] = [
    [1e9, " s"],
    [1e6, " ms"],
    [1e3, " \u00b5s"],
    [1, " ns"],
  ];

  function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    cls?: string | null,
    text?: string | number | null,
  ): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    return e;
  }

  function fmtCount(n: number): string {
    return Number(n).toLocaleString("en-US");
  }

  function fmtDur(ns: number | null | undefined): string {
    if (ns === null || ns === undefined) return "-";
    const a = Math.abs(ns);
    if (a < 1000) return ns.toFixed(0) + " ns";
    if (a < 1e6) return (ns / 1e3).toFixed(a < 1e4 ? 3 : a < 1e5 ? 2 : 1) + " \u00b5s";
    if (a < 1e9) return (ns / 1e6).toFixed(a < 1e7 ? 3 : a < 1e8 ? 2 : 1) + " ms";
    return (ns / 1e9).toFixed(3) + " s";
  }

  function fmtRel(ns: number): string {
    return (ns < 0 ? "\u2212" : "+") + fmtDur(Math.abs(ns));
  }

  function fmtTick(t: number, step: number): string {
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

  function absTime(file: FileData, rel: number): string {
    const ns = BigInt(file.origin) + BigInt(Math.round(rel));
    if (file.timeUnit === "ticks") return ns.toString();
    const s = ns / 1000000000n;
    const frac = (ns % 1000000000n).toString().padStart(9, "0");
    return s.toString() + "." + (frac.slice(6) === "000" ? frac.slice(0, 6) : frac);
  }

  function lowerBound(arr: ArrayLike<number>, n: number, v: number): number {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (arr[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  function decimationText(file: FileData): string {
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
      " finding(s), and from the start of the trace as far as the budget allows). " +
      "Elsewhere each row is summarised (hatched): the dominant state and the number of " +
      "events per 1/" + d.buckets + " of the time span.";
  }

  function byId(id: string): HTMLElement {
    const e = document.getElementById(id);
    if (!e) throw new Error("the page has no #" + id);
    return e;
  }

  function dlRow(dl: HTMLElement, term: string, value: string | number | Node): HTMLElement {
    dl.appendChild(el("dt", null, term));
    const dd = el("dd");
    if (typeof value === "string" || typeof value === "number") dd.textContent = String(value);
    else dd.appendChild(value);
    dl.appendChild(dd);
    return dd;
  }

  return {
    STATE_COLORS,
    KIND_COLORS,
    SEV_COLORS,
    el,
    svgEl,
    fmtCount,
    fmtDur,
    fmtRel,
    fmtTick,
    absTime,
    lowerBound,
    decimationText,
    byId,
    dlRow,
  };
}
