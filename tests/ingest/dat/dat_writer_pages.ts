/**
 * Ring-buffer pages for the test trace.dat writer: page header (timestamp,
 * commit with lost-event flags), event headers with 27-bit deltas, and the
 * TIME_EXTEND, TIME_STAMP and PADDING entries of kernel/trace/ring_buffer.c.
 *
 * @module
 */

import type { WCpu } from "./dat_writer.ts";

const DELTA_MASK = (1n << 27n) - 1n;

interface PageOpts {
  readonly bigEndian: boolean;
  readonly kernelLong: number;
  readonly pageSize: number;
}

class PageSet {
  readonly out: Uint8Array[] = [];
  readonly #o: PageOpts;
  #page = new Uint8Array(0);
  #view = new DataView(this.#page.buffer);
  #used = 0;
  #flags = 0;
  #lost: number | undefined;
  #started = false;
  /** Timestamp of the last entry written on the current page. */
  last = 0n;

  constructor(o: PageOpts) {
    this.#o = o;
  }

  get room(): number {
    return this.#o.pageSize - 8 - this.#o.kernelLong - this.#used -
      (this.#lost !== undefined ? 8 : 0);
  }

  start(ts: bigint): void {
    this.flush();
    this.#page = new Uint8Array(this.#o.pageSize);
    this.#view = new DataView(this.#page.buffer);
    this.#view.setBigUint64(0, ts, !this.#o.bigEndian);
    this.#used = 0;
    this.#flags = 0;
    this.#lost = undefined;
    this.#started = true;
    this.last = ts;
  }

  markLost(count: number | undefined): void {
    this.#flags |= 1 << 31;
    if (count !== undefined) {
      this.#flags |= 1 << 30;
      this.#lost = count;
    }
  }

  word(v: number): void {
    this.#view.setUint32(8 + this.#o.kernelLong + this.#used, v >>> 0, !this.#o.bigEndian);
    this.#used += 4;
  }

  header(typeLen: number, delta: bigint): void {
    const d = Number(delta & DELTA_MASK);
    this.word(this.#o.bigEndian ? ((typeLen << 27) | d) >>> 0 : ((d << 5) | typeLen) >>> 0);
  }

  bytes(b: Uint8Array): void {
    this.#page.set(b, 8 + this.#o.kernelLong + this.#used);
    this.#used += (b.length + 3) & ~3;
  }

  flush(): void {
    if (!this.#started) return;
    const at = 8;
    const commit = this.#used | this.#flags;
    const le = !this.#o.bigEndian;
    if (this.#o.kernelLong === 8) this.#view.setBigUint64(at, BigInt(commit >>> 0), le);
    else this.#view.setUint32(at, commit >>> 0, le);
    if (this.#lost !== undefined) {
      const p = 8 + this.#o.kernelLong + this.#used;
      if (this.#o.kernelLong === 8) this.#view.setBigUint64(p, BigInt(this.#lost), le);
      else this.#view.setUint32(p, this.#lost, le);
    }
    this.out.push(this.#page);
    this.#started = false;
  }
}

function entrySize(len: number): number {
  const padded = (len + 3) & ~3;
  return padded > 0 && padded <= 112 ? 4 + padded : 8 + padded;
}

/** The pages of one CPU, concatenated. */
export function buildPages(cpu: WCpu, o: PageOpts): Uint8Array {
  const pages = new PageSet(o);
  const breaks = new Set(cpu.pageBreaks ?? []);
  const lost = new Map((cpu.lost ?? []).map((l) => [l.atRecord, l]));
  cpu.records.forEach((rec, i) => {
    let need = entrySize(rec.data.length) + 8;
    if (rec.discardedBefore !== undefined) need += 4 + ((rec.discardedBefore + 3) & ~3) + 4;
    if (i === 0 || breaks.has(i) || lost.has(i) || pages.room < need) {
      pages.start(rec.absolute ? 0n : rec.ts);
      const l = lost.get(i);
      if (l) pages.markLost(l.count);
    }
    if (rec.discardedBefore !== undefined) {
      // A discarded event: PADDING whose array[0] covers the old event.
      const len = (rec.discardedBefore + 3) & ~3;
      pages.header(29, 1n);
      pages.word(4 + len);
      pages.bytes(new Uint8Array(len));
      pages.last += 1n;
    }
    let delta = rec.ts - pages.last;
    if (rec.absolute) {
      pages.header(31, rec.ts & DELTA_MASK);
      pages.word(Number((rec.ts >> 27n) & 0xffffffffn));
      delta = 0n;
    } else if (delta > DELTA_MASK) {
      pages.header(30, delta & DELTA_MASK);
      pages.word(Number(delta >> 27n));
      delta = 0n;
    }
    const padded = (rec.data.length + 3) & ~3;
    if (padded > 0 && padded <= 112) {
      pages.header(padded / 4, delta);
    } else {
      pages.header(0, delta);
      pages.word(rec.data.length + 4);
    }
    pages.bytes(rec.data);
    pages.last = rec.ts;
  });
  pages.flush();
  const all = new Uint8Array(pages.out.length * o.pageSize);
  pages.out.forEach((p, i) => all.set(p, i * o.pageSize));
  return all;
}
