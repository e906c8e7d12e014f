/**
 * Where a CPU's ring-buffer pages come from, one block of whole pages at a
 * time: straight from the file, or from trace-cmd's compressed chunks
 * (`u32 count`, then per chunk `u32 compressed size, u32 size, data`).
 * A block that ends early, or a compressed chunk that does not decompress,
 * carries the error to report once its pages are used; after a chunk that
 * does not decompress the next one is read as usual.
 *
 * @module
 */

import { type Decompressor, SLACK } from "./compression.ts";
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

/** Bytes read from the file at a time for compressed chunks (several chunks each). */
const READ_AHEAD = 256 << 10;

/**
 * Pages in compressed chunks. The file is read a window of several chunks
 * at a time, and each chunk is decompressed into one buffer reused for the
 * next (records are copied out before the stream asks for another block).
 */
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
  let win = new Uint8Array(0);
  let winView = new DataView(win.buffer);
  let winStart = 0;
  let winLen = 0;
  let out = new Uint8Array(0);
  const fail = (at: number, what: string) =>
    new DatFormatError(ra.name, "flyrecord", at, what, data.cpu);
  /** Makes `n` bytes at `pos` available in the window; false when the data ends first. */
  async function need(n: number): Promise<boolean> {
    if (pos + n > end) return false;
    if (pos >= winStart && pos + n <= winStart + winLen) return true;
    const want = Math.min(Math.max(n, READ_AHEAD), end - pos);
    if (win.length < want) {
      win = new Uint8Array(Math.max(want, READ_AHEAD));
      winView = new DataView(win.buffer);
    }
    const got = await ra.readAt(pos, win.subarray(0, want));
    winStart = pos;
    winLen = got;
    return got >= n;
  }
  return {
    async next() {
      if (chunks === -1) {
        if (data.size === 0) return undefined;
        if (!(await need(4))) {
          chunks = 0;
          return { bytes: new Uint8Array(0), fileOffset: pos, error: fail(pos, "truncated") };
        }
        chunks = winView.getUint32(pos - winStart, !bigEndian);
        pos += 4;
        counter.bytes += 4;
      }
      if (chunks === 0) return undefined;
      const at = pos;
      if (!(await need(8))) {
        chunks = 0;
        return { bytes: new Uint8Array(0), fileOffset: at, error: fail(at, "truncated") };
      }
      const csize = winView.getUint32(at - winStart, !bigEndian);
      const usize = winView.getUint32(at - winStart + 4, !bigEndian);
      if (usize > MAX_CHUNK || at + 8 + csize > end) {
        chunks = 0;
        const what = usize > MAX_CHUNK ? `chunk of ${usize} bytes in` : "truncated";
        return { bytes: new Uint8Array(0), fileOffset: at, error: fail(at, what) };
      }
      pos = at + 8;
      const whole = await need(csize);
      chunks--;
      pos = at + 8 + csize;
      if (!whole) {
        chunks = 0;
        return { bytes: new Uint8Array(0), fileOffset: at, error: fail(at, "truncated") };
      }
      // Counted as consumed, not as read: the read-ahead windows overlap.
      counter.bytes += 8 + csize;
      const from = at + 8 - winStart;
      const packed = win.subarray(from, from + csize);
      if (out.length < usize + SLACK) out = new Uint8Array(usize + SLACK);
      try {
        return { bytes: decompress(packed, usize, out), fileOffset: at, error: undefined };
      } catch {
        // Its size was plausible, so the next chunk is where it says: go on from there.
        return {
          bytes: new Uint8Array(0),
          fileOffset: at,
          error: fail(at, "corrupt compressed chunk in"),
        };
      }
    },
  };
}
