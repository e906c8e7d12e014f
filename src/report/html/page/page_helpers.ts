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
  /** Colours of the thread scheduling states (running, runnable, sleeping). */
  readonly THREAD_COLORS: readonly string[];
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
  /**
   * The absolute time of relative time `t` in `file`, as the trace prints
   * it, with as many decimals as `step` (ns) needs: `2544.0621` (ticks on a
   * counter clock).
   */
  fmtAbsTick(file: FileData, t: number, step: number): string;
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
    "#868e96",
  ];
  const THREAD_COLORS = ["#0b7285", "#f59f00", "#dee2e6"];
  const SEV_COLORS: Record<string, string> = {
    error: "#d7263d",
    warning: "#e67700",
    info: "#1c7ed6",
  };

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

  function fmtAbsTick(file: FileData, t: number, step: number): string {
    const ns = BigInt(file.origin) + BigInt(Math.round(t));
    if (file.timeUnit === "ticks") return ns.toString();
    const neg = ns < 0n;
    const a = neg ? -ns : ns;
    const dec = Math.max(0, Math.min(9, Math.ceil(9 - Math.log10(Math.max(step, 1)) - 1e-9)));
    const frac = (a % 1000000000n).toString().padStart(9, "0").slice(0, dec);
    return (neg ? "\u2212" : "") + (a / 1000000000n).toString() + (dec > 0 ? "." + frac : "");
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
    THREAD_COLORS,
    el,
    svgEl,
    fmtCount,
    fmtDur,
    fmtRel,
    fmtAbsTick,
    absTime,
    lowerBound,
    decimationText,
    byId,
    dlRow,
  };
}
