/**
 * Keeping the report page small on large traces: when a trace has more mode
 * intervals, point events or requests than the budget, only those inside
 * chosen time windows are kept exactly — windows around findings first, then
 * a window from the start of the trace as far as the budget allows — and
 * every row also gets a summary (the dominant state and the event count per
 * bucket of the whole span) that the page draws elsewhere, marked as such.
 *
 * @module
 */

import { lowerBound } from "./series.ts";

/** One row's series, sorted by time. */
export interface SortedRow {
  /** Times the state changed, and the new state's code. */
  readonly st: Float64Array;
  /** The new state's code at each of those times. */
  readonly sc: Uint8Array;
  /** Point events: time, kind, label. */
  readonly pt: Float64Array;
  /** Kind of each point event. */
  readonly pk: Uint8Array;
  /** Label index of each point event. */
  readonly pl: Uint32Array;
  /** Requests: time made, latency (−1 never served), label. */
  readonly rq: Float64Array;
  /** Latency of each request, ns (−1: never served). */
  readonly rl: Float64Array;
  /** Label index of each request. */
  readonly rb: Uint32Array;
}

/** How many of each series the page may hold (for one input). */
export interface Limits {
  /** Mode intervals at most. */
  readonly intervals: number;
  /** Point events at most. */
  readonly points: number;
  /** Requests at most. */
  readonly requests: number;
}

/** The budget's verdict: everything, or these windows. */
export interface Selection {
  /** True when everything fits: no windows. */
  readonly exact: boolean;
  /** Merged, sorted `[start, end]` windows (empty when exact). */
  readonly windows: readonly (readonly [number, number])[];
  /** Windows accepted around findings (before merging). */
  readonly findingWindows: number;
}

/** At most this many findings get a window (choosing is O(rows · log n) per finding). */
export const MAX_FINDING_WINDOWS = 2000;

/** Smallest margin around a finding's evidence, ns. */
export const FINDING_MARGIN_NS = 20_000;

/** Index of the first value above `v` in sorted `a`. */
function upperBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function firstAtLeast(a: Float64Array, v: number): number {
  return lowerBound(a.length, (i) => a[i], v);
}

interface Cost {
  intervals: number;
  points: number;
  requests: number;
}

/** The number of intervals of `r` intersecting `[a, b]` and its first index. */
function intervalRange(st: Float64Array, a: number, b: number): [number, number] {
  if (st.length === 0) return [0, 0];
  const i0 = Math.max(0, upperBound(st, a) - 1);
  return [i0, Math.max(i0, upperBound(st, b))];
}

function cost(rows: readonly SortedRow[], a: number, b: number): Cost {
  const c: Cost = { intervals: 0, points: 0, requests: 0 };
  for (const r of rows) {
    const [i0, i1] = intervalRange(r.st, a, b);
    c.intervals += i1 - i0;
    c.points += upperBound(r.pt, b) - firstAtLeast(r.pt, a);
    c.requests += upperBound(r.rq, b) - firstAtLeast(r.rq, a);
  }
  return c;
}

function fits(c: Cost, left: Cost): boolean {
  return c.intervals <= left.intervals && c.points <= left.points && c.requests <= left.requests;
}

function take(left: Cost, c: Cost): void {
  left.intervals -= c.intervals;
  left.points -= c.points;
  left.requests -= c.requests;
}

/** Merges overlapping windows. */
export function mergeWindows(
  windows: readonly (readonly [number, number])[],
): [number, number][] {
  const sorted = [...windows].sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * Chooses what the page keeps exactly. `findings` are evidence spans
 * `[first, last]` in priority order; `start` is the earliest time of the rows.
 */
export function chooseWindows(
  rows: readonly SortedRow[],
  findings: readonly (readonly [number, number])[],
  start: number,
  end: number,
  limits: Limits,
): Selection {
  const total = cost(rows, -Infinity, Infinity);
  if (fits(total, { ...limits })) return { exact: true, windows: [], findingWindows: 0 };
  const left: Cost = { ...limits };
  const chosen: [number, number][] = [];
  let findingWindows = 0;
  for (const [e0, e1] of findings.slice(0, MAX_FINDING_WINDOWS)) {
    const pad = Math.max(FINDING_MARGIN_NS, (e1 - e0) / 2);
    const w: [number, number] = [e0 - pad, e1 + pad];
    const c = cost(rows, w[0], w[1]);
    if (!fits(c, left)) continue;
    take(left, c);
    chosen.push(w);
    findingWindows++;
  }
  let lo = start;
  let hi = end;
  if (fits(cost(rows, start, start), left)) {
    for (let i = 0; i < 64 && hi - lo > 1; i++) {
      const mid = lo + (hi - lo) / 2;
      if (fits(cost(rows, start, mid), left)) lo = mid;
      else hi = mid;
    }
    if (lo > start) chosen.push([start, Math.floor(lo)]);
  }
  return { exact: false, windows: mergeWindows(chosen), findingWindows };
}

/** What one row keeps: flattened, delta-encoded series (see `RowData`). */
export interface EncodedRow {
  /** Mode intervals. */
  readonly iv: number[];
  /** Point events. */
  readonly pt: number[];
  /** Requests. */
  readonly rq: number[];
}

function inWindows(windows: readonly (readonly [number, number])[], s: number, e: number): boolean {
  const w = lowerBound(windows.length, (i) => windows[i][1], s);
  return w < windows.length && windows[w][0] <= e;
}

/**
 * Encodes the intervals of a state series (`st` the times the state
 * changed, `sc` the new states) that `sel` keeps, flattened as
 * `[start − previous start, duration, state]`; `end` closes the last one.
 */
export function encodeIntervals(
  st: Float64Array,
  sc: Uint8Array,
  sel: Selection,
  end: number,
): number[] {
  const iv: number[] = [];
  let prev = 0;
  const pushInterval = (i: number) => {
    const s = st[i];
    const e = i + 1 < st.length ? st[i + 1] : Math.max(end, s);
    iv.push(s - prev, e - s, sc[i]);
    prev = s;
  };
  if (sel.exact) {
    for (let i = 0; i < st.length; i++) pushInterval(i);
  } else {
    let next = 0;
    for (const [a, b] of sel.windows) {
      const [i0, i1] = intervalRange(st, a, b);
      for (let i = Math.max(i0, next); i < i1; i++) pushInterval(i);
      next = Math.max(next, i1);
    }
  }
  return iv;
}

/** Encodes the part of `r` that `sel` keeps; `end` closes the last interval. */
export function encodeRow(r: SortedRow, sel: Selection, end: number): EncodedRow {
  const iv = encodeIntervals(r.st, r.sc, sel, end);
  let prev = 0;
  const pt: number[] = [];
  prev = 0;
  for (let i = 0; i < r.pt.length; i++) {
    if (!sel.exact && !inWindows(sel.windows, r.pt[i], r.pt[i])) continue;
    pt.push(r.pt[i] - prev, r.pk[i], r.pl[i]);
    prev = r.pt[i];
  }
  const rq: number[] = [];
  prev = 0;
  for (let i = 0; i < r.rq.length; i++) {
    const s = r.rq[i];
    const e = r.rl[i] < 0 ? end : s + r.rl[i];
    if (!sel.exact && !inWindows(sel.windows, s, e)) continue;
    rq.push(s - prev, r.rl[i], r.rb[i]);
    prev = s;
  }
  return { iv, pt, rq };
}

/** Summary buckets per row: enough to draw the whole span, a bounded total for all rows. */
export function bucketCount(rows: number): number {
  return Math.max(256, Math.min(4096, Math.floor(524_288 / Math.max(1, rows))));
}

/**
 * The row's summary over `[0, end]` in `buckets` buckets: the dominant state
 * per bucket (`0`–`9` codes, `.` none) and the number of point events and
 * requests made per bucket.
 */
export function summarize(
  r: SortedRow,
  end: number,
  buckets: number,
  states: number,
): { sum: string; psum: number[] } {
  const width = end > 0 ? end / buckets : 1;
  const time = new Float64Array(buckets * states);
  const bucketOf = (t: number) => Math.min(buckets - 1, Math.max(0, Math.floor(t / width)));
  for (let i = 0; i < r.st.length; i++) {
    const s = Math.max(0, r.st[i]);
    const e = Math.min(end, i + 1 < r.st.length ? r.st[i + 1] : end);
    if (e <= s) {
      time[bucketOf(s) * states + r.sc[i]] += 1e-9;
      continue;
    }
    for (let k = bucketOf(s); k < buckets && k * width < e; k++) {
      const overlap = Math.min(e, (k + 1) * width) - Math.max(s, k * width);
      if (overlap > 0) time[k * states + r.sc[i]] += overlap;
    }
  }
  let sum = "";
  for (let k = 0; k < buckets; k++) {
    let best = -1;
    let bestTime = 0;
    for (let s = 0; s < states; s++) {
      if (time[k * states + s] > bestTime) {
        bestTime = time[k * states + s];
        best = s;
      }
    }
    sum += best < 0 ? "." : String(best);
  }
  const psum = new Array<number>(buckets).fill(0);
  for (let i = 0; i < r.pt.length; i++) psum[bucketOf(r.pt[i])]++;
  for (let i = 0; i < r.rq.length; i++) psum[bucketOf(r.rq[i])]++;
  return { sum, psum };
}

/**
 * The part of a state series (`st` times, `sc` states) inside `[shift,
 * shift + end]`, with times moved by `−shift`: the state at the window's
 * start begins at 0, later changes up to `end` follow.
 */
export function clipStates(
  st: Float64Array,
  sc: Uint8Array,
  shift: number,
  end: number,
): { st: Float64Array; sc: Uint8Array } {
  const t: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < st.length; i++) {
    const x = st[i] - shift;
    if (x > end) break;
    if (x <= 0) {
      t.length = 0;
      c.length = 0;
      t.push(0);
    } else t.push(x);
    c.push(sc[i]);
  }
  return { st: Float64Array.from(t), sc: Uint8Array.from(c) };
}

/**
 * The part of row `r` inside `[shift, shift + end]`, its times moved by
 * `−shift`: states as {@link clipStates}, point events inside, requests made
 * inside or still pending at the window's start (drawn from 0).
 */
export function clipRow(r: SortedRow, shift: number, end: number): SortedRow {
  const states = clipStates(r.st, r.sc, shift, end);
  const pt: number[] = [];
  const pk: number[] = [];
  const pl: number[] = [];
  for (let i = 0; i < r.pt.length; i++) {
    const x = r.pt[i] - shift;
    if (x < 0 || x > end) continue;
    pt.push(x);
    pk.push(r.pk[i]);
    pl.push(r.pl[i]);
  }
  const rq: number[] = [];
  const rl: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < r.rq.length; i++) {
    const made = r.rq[i] - shift;
    const lat = r.rl[i];
    if (made > end) continue;
    if (made < 0 && lat >= 0 && made + lat < 0) continue;
    rq.push(Math.max(0, made));
    rl.push(made < 0 && lat >= 0 ? lat + made : lat);
    rb.push(r.rb[i]);
  }
  return {
    st: states.st,
    sc: states.sc,
    pt: Float64Array.from(pt),
    pk: Uint8Array.from(pk),
    pl: Uint32Array.from(pl),
    rq: Float64Array.from(rq),
    rl: Float64Array.from(rl),
    rb: Uint32Array.from(rb),
  };
}
