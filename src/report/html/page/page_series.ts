/// <reference lib="dom" />
/**
 * Browser code of the report page: decodes an input's delta-encoded series
 * (mode intervals, point events, requests) into typed arrays once, and
 * places each finding on its row. A page module (see `page_helpers.ts`).
 *
 * @module
 */

import type { ReportData } from "../report_model.ts";

/** One decoded series: `n` entries of time `t` and two values `a`, `b`. */
export interface DecodedSeries {
  /** Number of entries. */
  readonly n: number;
  /** Absolute relative times (ns), ascending. */
  readonly t: Float64Array;
  /** First value of each entry. */
  readonly a: Float64Array;
  /** Second value of each entry. */
  readonly b: Float64Array;
  /** Largest `a` (request series: the longest latency), 0 otherwise. */
  readonly maxA: number;
}

/** One decoded row. */
export interface DecodedRow {
  /** Mode intervals: start, duration, state. */
  readonly iv: DecodedSeries;
  /** Point events: time, kind, label. */
  readonly pt: DecodedSeries;
  /** Requests: made, latency (−1: never served), label. */
  readonly rq: DecodedSeries;
  /** The thread's scheduling: start, duration, state. */
  readonly th: DecodedSeries;
  /** Some request was never served. */
  readonly unserved: boolean;
  /** Indices of the findings drawn on this row. */
  readonly findings: number[];
}

/** One decoded input. */
export interface DecodedFile {
  /** Its rows, in the page data's order. */
  readonly rows: readonly DecodedRow[];
  /** Findings with no row (unknown vCPU), drawn on the axis. */
  readonly free: readonly number[];
  /** Windows drawn exactly, `[start, end]`. */
  readonly windows: readonly (readonly [number, number])[];
}

/** What {@link pageSeries} gives. */
export interface PageSeries {
  /** Input `fi` decoded (cached). */
  decodeFile(fi: number): DecodedFile;
}

/** Decoding of the embedded series (browser code, inlined into the page). */
export function pageSeries(data: ReportData): PageSeries {
  const cache: (DecodedFile | undefined)[] = [];

  function decodeSeries(flat: readonly number[], withEnd: boolean): DecodedSeries {
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

  function decodeFile(fi: number): DecodedFile {
    const known = cache[fi];
    if (known) return known;
    const file = data.files[fi];
    const rows = file.rows.map(function (r): DecodedRow {
      const iv = decodeSeries(r.iv, false);
      const pt = decodeSeries(r.pt, false);
      const rq = decodeSeries(r.rq, true);
      const th = decodeSeries(r.th, false);
      let unserved = false;
      for (let i = 0; i < rq.n; i++) if (rq.a[i] < 0) unserved = true;
      return { iv: iv, pt: pt, rq: rq, th: th, unserved: unserved, findings: [] };
    });
    const free: number[] = [];
    data.findings.forEach(function (f, i) {
      if (f.file !== fi) return;
      if (f.row >= 0 && rows[f.row]) rows[f.row].findings.push(i);
      else free.push(i);
    });
    const w = file.decimation.windows;
    const windows: [number, number][] = [];
    for (let k = 0; k < w.length; k += 2) windows.push([w[k], w[k + 1]]);
    const dec = { rows: rows, free: free, windows: windows };
    cache[fi] = dec;
    return dec;
  }

  return { decodeFile };
}
