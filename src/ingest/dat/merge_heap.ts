/**
 * A min-heap of CPU streams keyed on their current record's timestamp, ties
 * going to the CPU listed first — the order `trace-cmd report` prints in
 * (it picks the earliest record, the first CPU on equal times).
 *
 * @module
 */

import type { CpuStream } from "./cpu_stream.ts";

/** Whether `a`'s current record comes before `b`'s in merged order. */
export function before(a: CpuStream, b: CpuStream): boolean {
  if (a.tsBig === undefined && b.tsBig === undefined) {
    return a.tsNum < b.tsNum || (a.tsNum === b.tsNum && a.order < b.order);
  }
  const x = a.time();
  const y = b.time();
  return x < y || (x === y && a.order < b.order);
}

/** Streams ordered by their current record. */
export class MergeHeap {
  readonly #h: CpuStream[] = [];

  /** Number of streams in the heap. */
  get size(): number {
    return this.#h.length;
  }

  /** The stream with the earliest current record. */
  top(): CpuStream | undefined {
    return this.#h[0];
  }

  /** The earliest stream after the top one (`undefined` when there is one stream). */
  second(): CpuStream | undefined {
    const h = this.#h;
    if (h.length < 3) return h[1];
    return before(h[2], h[1]) ? h[2] : h[1];
  }

  /** Adds a stream positioned on a record. */
  push(s: CpuStream): void {
    const h = this.#h;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  /** Restores order after the top stream moved to a later record. */
  siftTop(): void {
    const h = this.#h;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && before(h[l], h[m])) m = l;
      if (r < n && before(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }

  /** Removes the top stream (it has no more records). */
  pop(): void {
    const h = this.#h;
    const last = h.pop();
    if (h.length > 0 && last !== undefined) {
      h[0] = last;
      this.siftTop();
    }
  }
}
