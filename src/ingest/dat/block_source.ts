/**
 * Where a CPU's ring-buffer pages come from, one block of whole pages at a
 * time: straight from the file, or from trace-cmd's compressed chunks
 * (`u32 count`, then per chunk `u32 compressed size, u32 size, data`).
 * A block that ends early carries the error to raise once its pages are used.
 *
 * @module
 */

import type { Decompressor } from "./compression.ts";
import { DatFormatError } from "./dat_error.ts";
import type { CpuData } from "./meta_types.ts";
import type { RandomAccess, ReadCounter } from "./random_access.ts";

/** A block of pages and the file offset its first byte stands for. */
export interface Block {
  /** Whole pages (the last may be short when the data is). */
  readonly bytes: Uint8Array;
  /** File offset of the block (of its chunk header when compressed). */
  readonly fileOffset: number;
  /** Raised after this block's pages are consumed, when the data is damaged there. */
  readonly error: DatFormatError | undefined;
}

/** Supplies blocks of one CPU's pages in order. */
export interface BlockSource {
  /** The next block, or `undefined` at the end of the data. */
  next(): Promise<Block | undefined>;
}

/** Pages stored as is. */
export function plainSource(
  ra: RandomAccess,
  data: CpuData,
  pageSize: number,
  blockBytes: number,
  counter: ReadCounter,
): BlockSource {
  let done = 0;
  // One buffer per CPU, reused: records are copied into strings before the next read.
  const whole = new Uint8Array(Math.min(blockBytes, data.size));
  return {
    async next() {
      if (done >= data.size) return undefined;
      const want = Math.min(blockBytes, data.size - done);
      const at = data.offset + done;
      const buf = whole.subarray(0, want);
      const got = await ra.readAt(at, buf);
      counter.bytes += got;
      done += want;
      if (got === want) return { bytes: buf, fileOffset: at, error: undefined };
      const full = got - (got % pageSize);
      done = data.size;
      const error = new DatFormatError(ra.name, "flyrecord page", at + full, "truncated", data.cpu);
      return { bytes: buf.subarray(0, full), fileOffset: at, error };
    },
  };
}

/** The largest decompressed chunk accepted before calling the data corrupt. */
const MAX_CHUNK = 1 << 28;

/** Pages in compressed chunks. */
export function compressedSource(
  ra: RandomAccess,
  data: CpuData,
  decompress: Decompressor,
  bigEndian: boolean,
  counter: ReadCounter,
): BlockSource {
  let pos = data.offset;
  // trace-cmd's recorded size leaves out the 4-byte chunk count.
  const end = data.offset + data.size + 4;
  let chunks = -1;
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  const fail = (at: number, what: string) =>
    new DatFormatError(ra.name, "flyrecord", at, what, data.cpu);
  async function readHead(n: number): Promise<boolean> {
    if (pos + n > end) return false;
    const got = await ra.readAt(pos, head.subarray(0, n));
    counter.bytes += got;
    return got === n;
  }
  return {
    async next() {
      if (chunks === -1) {
        if (data.size === 0) return undefined;
        if (!(await readHead(4))) {
          return { bytes: new Uint8Array(0), fileOffset: pos, error: fail(pos, "truncated") };
        }
        chunks = view.getUint32(0, !bigEndian);
        pos += 4;
      }
      if (chunks === 0) return undefined;
      const at = pos;
      if (!(await readHead(8))) {
        return { bytes: new Uint8Array(0), fileOffset: at, error: fail(at, "truncated") };
      }
      const csize = view.getUint32(0, !bigEndian);
      const usize = view.getUint32(4, !bigEndian);
      if (usize > MAX_CHUNK || at + 8 + csize > end) {
        chunks = 0;
        const what = usize > MAX_CHUNK ? `chunk of ${usize} bytes in` : "truncated";
        return { bytes: new Uint8Array(0), fileOffset: at, error: fail(at, what) };
      }
      const packed = new Uint8Array(csize);
      const got = await ra.readAt(at + 8, packed);
      counter.bytes += got;
      chunks--;
      pos = at + 8 + csize;
      if (got !== csize) {
        chunks = 0;
        return { bytes: new Uint8Array(0), fileOffset: at, error: fail(at, "truncated") };
      }
      try {
        return { bytes: decompress(packed, usize), fileOffset: at, error: undefined };
      } catch {
        chunks = 0;
        return {
          bytes: new Uint8Array(0),
          fileOffset: at,
          error: fail(at, "corrupt compressed chunk in"),
        };
      }
    },
  };
}
