/**
 * Compact, growable columns of numbers for the report's time series: a few
 * bytes per mode interval or kick, so a large trace fits in memory until the
 * page's budget decides what to keep.
 *
 * @module
 */

/** A growable column of float64 values. */
export class F64Column {
  #data = new Float64Array(64);
  #length = 0;

  /** Number of values. */
  get length(): number {
    return this.#length;
  }

  /** Appends `v`. */
  push(v: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = v;
  }

  /** The value at `i`. */
  at(i: number): number {
    return this.#data[i];
  }

  /** The values, as a view (valid until the next push). */
  view(): Float64Array {
    return this.#data.subarray(0, this.#length);
  }
}

/**
 * A series of events with a time and up to two integer attributes (a state
 * or kind, a label index, a duration). Kept sorted by time on demand.
 */
export class TimeSeries {
  /** Times, relative ns. */
  readonly t = new F64Column();
  /** First attribute. */
  readonly a = new F64Column();
  /** Second attribute. */
  readonly b = new F64Column();
  #sorted = true;

  /** Number of entries. */
  get length(): number {
    return this.t.length;
  }

  /** Appends one entry. */
  push(t: number, a: number, b = 0): void {
    const n = this.t.length;
    if (n > 0 && t < this.t.at(n - 1)) this.#sorted = false;
    this.t.push(t);
    this.a.push(a);
    this.b.push(b);
  }

  /** Entry indices ordered by time (stable), without copying when already sorted. */
  order(): Uint32Array {
    const idx = new Uint32Array(this.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    if (!this.#sorted) {
      const t = this.t.view();
      idx.sort((x, y) => t[x] - t[y] || x - y);
    }
    return idx;
  }
}

/** Index of the first `i` in `[0, n)` with `key(i) >= value` (`n` when none); `key` must be sorted. */
export function lowerBound(n: number, key: (i: number) => number, value: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(mid) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
