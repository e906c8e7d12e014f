/**
 * One CPU's records, read page by page from its block source. The page
 * layout is the kernel's (include/linux/ring_buffer.h, kernel/trace/
 * ring_buffer.c): a 64-bit page timestamp, a `long` commit size whose bit 31
 * flags missed events (bit 30: their count is stored after the data), then
 * events headed by a 32-bit word of a 5-bit type_len and a 27-bit time
 * delta. type_len 29 is padding (a discarded event), 30 a time extension,
 * 31 an absolute timestamp; 1–28 give the data length in words, 0 says the
 * length follows. Timestamps accumulate exactly as libtraceevent's kbuffer
 * does, padding deltas included.
 *
 * A damaged page (a commit size or an event header that cannot be right) is
 * skipped from the damage on — each page starts with its own absolute
 * timestamp, so the next page reads as well as ever, as in `trace-cmd report`
 * — counted in {@link CpuStream.damaged}, and the next record carries a
 * lost-events mark of unknown count. A page cut short by the end of the data
 * ends the stream the same way. With `strict`, the first damage ends the
 * stream with {@link CpuStream.error}.
 *
 * @module
 */

import type { Block, BlockSource } from "./block_source.ts";
import { DatFormatError } from "./dat_error.ts";

const COMMIT_MASK = (1 << 27) - 1;
const TS_MSB = 0xf8n << 56n;
const FOLD = 2 ** 50;

/** Result of {@link CpuStream.step}. */
export const Step = { RECORD: 1, NEED_DATA: 0, END: -1 } as const;

/** Page layout parameters. */
export interface PageLayout {
  /** Ring-buffer page size. */
  readonly pageSize: number;
  /** Byte order. */
  readonly bigEndian: boolean;
  /** Size of the kernel's long (the commit field). */
  readonly kernelLong: number;
}

/** A cursor over one CPU's records. */
export class CpuStream {
  /** CPU number. */
  readonly cpu: number;
  /** Position in the buffer's CPU list (ties in time go to the lower one). */
  readonly order: number;
  /**
   * Timestamp of the current record (before file-level adjustments) as a
   * number; exact unless {@link tsBig} is set.
   */
  tsNum = 0;
  /** The timestamp as a `bigint` when it exceeds 2^53 (else `undefined`). */
  tsBig: bigint | undefined = undefined;
  /** Bytes holding the current record. */
  bytes: Uint8Array = new Uint8Array(0);
  /** A view over {@link bytes}. */
  view: DataView = new DataView(this.bytes.buffer);
  /** Offset of the current record's payload in {@link bytes}. */
  dataAt = 0;
  /** Length of the current record's payload. */
  dataLen = 0;
  /** Events lost before the current record: 0 none, -1 unknown count. */
  lost = 0;
  /** Pages loaded so far. */
  pages = 0;
  /** The damage that ended this stream (with `strict`, or a damaged block), if any. */
  error: DatFormatError | undefined;
  /** Damaged pages skipped (or cut short), each described. */
  readonly damaged: DatFormatError[] = [];

  readonly #src: BlockSource;
  readonly #layout: PageLayout;
  readonly #name: string;
  #block: Block | undefined;
  #pageAt = 0;
  #pageEnd = 0;
  #dataStart = 0;
  #size = 0;
  #curr = 0;
  #pageTs = 0n;
  /** {@link #pageTs} as a number, -1 when it does not fit exactly. */
  #pageTsNum = 0;
  #acc = 0;
  #pendingLost = 0;
  #exhausted = false;
  readonly #strict: boolean;

  /**
   * Creates the cursor over one CPU's records, before its first page.
   *
   * @param name input name for errors
   * @param cpu CPU number
   * @param order position among the buffer's CPUs
   * @param src where the pages come from
   * @param layout page layout
   * @param strict end at the first damaged page (with {@link error}) instead of skipping it
   */
  constructor(
    name: string,
    cpu: number,
    order: number,
    src: BlockSource,
    layout: PageLayout,
    strict = false,
  ) {
    this.#strict = strict;
    this.#name = name;
    this.cpu = cpu;
    this.order = order;
    this.#src = src;
    this.#layout = layout;
  }

  /** The file offset of `at` in the current block (the chunk's offset when compressed). */
  fileOffset(at: number): number {
    return (this.#block?.fileOffset ?? 0) + at;
  }

  /** The current record's timestamp as a `bigint`. */
  time(): bigint {
    return this.tsBig ?? BigInt(this.tsNum);
  }

  #setPageTs(ts: bigint): void {
    this.#pageTs = ts;
    this.#pageTsNum = ts <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ts) : -1;
    this.#acc = 0;
  }

  /** Loads the next block; false at the end of the data. */
  async refill(): Promise<boolean> {
    if (this.#exhausted) return false;
    const damage = this.#block?.error;
    if (damage !== undefined) {
      if (this.#strict) {
        this.error = damage;
        this.#exhausted = true;
        return false;
      }
      // The block's readable pages were used; what it lacks is counted, and reading goes on.
      this.damaged.push(damage);
      this.#pendingLost = -1;
    }
    const block = await this.#src.next();
    if (
      block === undefined || (damage !== undefined && block.fileOffset === this.#block?.fileOffset)
    ) {
      // The end, or a source that cannot get past its damage (it would repeat it).
      this.#exhausted = true;
      return false;
    }
    this.#block = block;
    this.bytes = block.bytes;
    this.view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
    this.#pageAt = -this.#layout.pageSize;
    this.#size = 0;
    this.#curr = 0;
    return true;
  }

  /**
   * Damage at `at`: the rest of the page is skipped (the loop then loads the
   * next page) and the next record is marked as following lost events; a
   * page cut short by the end of the data (`end`), or any damage with
   * `strict`, ends the stream. Returns the step to take: END, or RECORD to
   * go on.
   */
  #damage(at: number, what: string, end = false): number {
    const off = this.fileOffset(at);
    const err = new DatFormatError(this.#name, "flyrecord page", off, what, this.cpu);
    if (this.#strict) {
      this.error = err;
      this.#exhausted = true;
      return Step.END;
    }
    this.damaged.push(err);
    this.#pendingLost = -1;
    this.#curr = 0;
    this.#size = 0;
    if (end) {
      this.#exhausted = true;
      return Step.END;
    }
    return Step.RECORD;
  }

  #loadPage(): number {
    const { pageSize, bigEndian, kernelLong } = this.#layout;
    this.#pageAt += pageSize;
    const at = this.#pageAt;
    if (at >= this.bytes.length) return Step.NEED_DATA;
    this.#pageEnd = Math.min(at + pageSize, this.bytes.length);
    const head = 8 + kernelLong;
    if (this.#pageEnd - at < head) return this.#damage(at, "truncated", true);
    const le = !bigEndian;
    this.#setPageTs(this.view.getBigUint64(at, le));
    const commit = kernelLong === 8
      ? this.view.getUint32(at + (le ? 8 : 12), le)
      : this.view.getUint32(at + 8, le);
    this.#size = commit & COMMIT_MASK;
    this.#dataStart = at + head;
    if (this.#dataStart + this.#size > this.#pageEnd) {
      const cut = this.#pageEnd - at < pageSize;
      this.pages++;
      return this.#damage(at, cut ? "truncated" : `bad commit size ${this.#size} in`, cut);
    }
    if (commit & 0x80000000) {
      let lost = -1;
      const p = this.#dataStart + this.#size;
      if (commit & 0x40000000 && p + kernelLong <= this.#pageEnd) {
        lost = kernelLong === 8
          ? Number(this.view.getBigUint64(p, le))
          : this.view.getUint32(p, le);
      }
      // A stored count of 0 reports nothing, as in trace-cmd.
      if (lost !== 0) {
        this.#pendingLost = this.#pendingLost > 0 && lost > 0 ? this.#pendingLost + lost : lost;
      }
    }
    this.#curr = 0;
    this.pages++;
    return Step.RECORD;
  }

  /** Moves to the next record: RECORD, NEED_DATA (call {@link refill}) or END. */
  step(): number {
    const le = !this.#layout.bigEndian;
    const view = this.view;
    for (;;) {
      if (this.#curr >= this.#size) {
        const s = this.#loadPage();
        if (s !== Step.RECORD) return s;
        continue;
      }
      const at = this.#dataStart + this.#curr;
      if (at + 4 > this.#pageEnd) {
        if (this.#damage(at, "bad event header in") === Step.END) return Step.END;
        continue;
      }
      const w = view.getUint32(at, le);
      const typeLen = le ? w & 31 : w >>> 27;
      const delta = le ? w >>> 5 : w & COMMIT_MASK;
      if (typeLen >= 29) {
        if (at + 8 > this.#pageEnd) {
          this.#curr = this.#size; // a padding word at the very end: the page is done
          continue;
        }
        const arg = view.getUint32(at + 4, le);
        if (typeLen === 29) {
          this.#acc += delta;
          this.#curr += 4 + arg;
        } else if (typeLen === 30) {
          if (arg < 1 << 20) this.#acc += arg * 134217728 + delta;
          else {
            this.#setPageTs(
              this.#pageTs + BigInt(this.#acc) + (BigInt(arg) << 27n) + BigInt(delta),
            );
          }
          this.#curr += 8;
        } else {
          const now = this.#pageTs + BigInt(this.#acc);
          this.#setPageTs(((BigInt(arg) << 27n) + BigInt(delta)) | (now & TS_MSB));
          this.#curr += 8;
        }
        if (this.#acc > FOLD) this.#setPageTs(this.#pageTs + BigInt(this.#acc));
        continue;
      }
      let len: number;
      let dataAt: number;
      if (typeLen === 0) {
        if (at + 8 > this.#pageEnd) {
          if (this.#damage(at, "bad event header in") === Step.END) return Step.END;
          continue;
        }
        len = view.getUint32(at + 4, le) - 4;
        if (len < 0 || len > this.#pageEnd) {
          if (this.#damage(at, "bad event length in") === Step.END) return Step.END;
          continue;
        }
        len = (len + 3) & ~3;
        dataAt = at + 8;
      } else {
        len = typeLen * 4;
        dataAt = at + 4;
      }
      if (dataAt + len > this.#pageEnd) {
        if (this.#damage(at, "bad event length in") === Step.END) return Step.END;
        continue;
      }
      this.#acc += delta;
      this.#curr = dataAt + len - this.#dataStart;
      const t = this.#pageTsNum + this.#acc;
      if (this.#pageTsNum >= 0 && t <= Number.MAX_SAFE_INTEGER) {
        this.tsNum = t;
        this.tsBig = undefined;
      } else {
        this.tsBig = this.#pageTs + BigInt(this.#acc);
        this.tsNum = Number(this.tsBig);
      }
      this.dataAt = dataAt;
      this.dataLen = len;
      this.lost = this.#pendingLost;
      this.#pendingLost = 0;
      return Step.RECORD;
    }
  }
}
