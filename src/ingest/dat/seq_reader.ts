/**
 * Sequential reads of trace.dat metadata (headers, formats, kallsyms,
 * options) in the file's byte order. Data is fetched through a window that
 * `need()` fills asynchronously; the number and string getters after it are
 * synchronous, so parsing code reads like the format description.
 *
 * @module
 */

import { DatFormatError, type DatSection } from "./dat_error.ts";
import type { RandomAccess, ReadCounter } from "./random_access.ts";

const WINDOW = 1 << 20;
const latin1 = new TextDecoder("latin1");

/** A cursor over a {@link RandomAccess} with a read-ahead window. */
export class SeqReader {
  readonly #ra: RandomAccess;
  readonly #counter: ReadCounter | undefined;
  #buf: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(this.#buf.buffer);
  #winStart = 0;
  /** Absolute position of the next byte to read. */
  pos: number;
  /** Whether numbers are big-endian. */
  bigEndian: boolean;
  /** The section being read, for error messages. */
  section: DatSection = "file header";
  /** Offset added to positions in messages (non-zero inside decompressed sections). */
  reportBase: number = -1;

  /**
   * Reads sequentially from `pos` of `ra`.
   *
   * @param ra where to read
   * @param pos absolute start position
   * @param bigEndian byte order of numbers
   * @param counter receives the number of bytes consumed (read or skipped
   * through this reader, each once; not the read-ahead)
   */
  constructor(ra: RandomAccess, pos: number, bigEndian: boolean, counter?: ReadCounter) {
    this.#ra = ra;
    this.pos = pos;
    this.bigEndian = bigEndian;
    this.#counter = counter;
  }

  /** Input name for messages. */
  get name(): string {
    return this.#ra.name;
  }

  /** Size of the underlying input. */
  get size(): number {
    return this.#ra.size;
  }

  /** A {@link DatFormatError} at the current position. */
  error(what: string, at = this.pos): DatFormatError {
    const offset = this.reportBase >= 0 ? this.reportBase : at;
    return new DatFormatError(this.#ra.name, this.section, offset, what);
  }

  /** Makes `n` bytes from `pos` available, or throws a truncation error. */
  async need(n: number): Promise<void> {
    const rel = this.pos - this.#winStart;
    if (rel >= 0 && rel + n <= this.#buf.length) return;
    if (n < 0 || this.pos + n > this.#ra.size) throw this.error("truncated");
    const whole = this.#ra.whole;
    if (whole !== undefined) {
      // In memory already (a decompressed section): read it in place.
      this.#buf = whole;
      this.#view = new DataView(whole.buffer, whole.byteOffset, whole.byteLength);
      this.#winStart = 0;
      return;
    }
    const len = Math.min(Math.max(n, WINDOW), this.#ra.size - this.pos);
    const buf = new Uint8Array(len);
    const got = await this.#ra.readAt(this.pos, buf);
    if (got < n) throw this.error("truncated");
    this.#buf = buf.subarray(0, got);
    this.#view = new DataView(buf.buffer, 0, got);
    this.#winStart = this.pos;
  }

  #at(n: number): number {
    const rel = this.pos - this.#winStart;
    if (rel < 0 || rel + n > this.#buf.length) throw this.error("truncated");
    this.pos += n;
    if (this.#counter) this.#counter.bytes += n;
    return rel;
  }

  /** Reads an unsigned byte. */
  u8(): number {
    return this.#buf[this.#at(1)];
  }

  /** Reads an unsigned 16-bit number. */
  u16(): number {
    return this.#view.getUint16(this.#at(2), !this.bigEndian);
  }

  /** Reads an unsigned 32-bit number. */
  u32(): number {
    return this.#view.getUint32(this.#at(4), !this.bigEndian);
  }

  /** Reads an unsigned 64-bit number. */
  u64(): bigint {
    return this.#view.getBigUint64(this.#at(8), !this.bigEndian);
  }

  /** Reads an unsigned 64-bit number that must fit a JS number (sizes, offsets). */
  u64n(): number {
    const at = this.pos;
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.error(`impossible size ${v} in`, at);
    return Number(v);
  }

  /** Copies the next `n` bytes (already made available by {@link need}). */
  bytes(n: number): Uint8Array {
    const rel = this.#at(n);
    return this.#buf.slice(rel, rel + n);
  }

  /**
   * The next `n` bytes without a copy, fetching them first. The window is
   * never written to again (each fetch gets a new one), so the view stays
   * valid.
   */
  async view(n: number): Promise<Uint8Array> {
    await this.need(n);
    const rel = this.#at(n);
    return this.#buf.subarray(rel, rel + n);
  }

  /** Skips `n` bytes without reading them. */
  skip(n: number): void {
    this.pos += n;
    if (this.#counter) this.#counter.bytes += n;
  }

  /** Reads a NUL-terminated string (bytes as Latin-1), fetching as needed. */
  async cstring(maxLen = 1 << 20): Promise<string> {
    const start = this.pos;
    let len = 0;
    while (true) {
      await this.need(Math.min(len + 256, this.#ra.size - start));
      const rel = start - this.#winStart;
      const nul = this.#buf.indexOf(0, rel + len);
      if (nul >= 0) {
        const s = latin1.decode(this.#buf.subarray(rel, nul));
        this.pos = start + (nul - rel) + 1;
        if (this.#counter) this.#counter.bytes += this.pos - start;
        return s;
      }
      len = this.#buf.length - rel;
      if (len > maxLen || start + len >= this.#ra.size) {
        this.pos = start;
        throw this.error("unterminated string in");
      }
      this.pos = start;
    }
  }

  /** Reads `n` bytes as text (Latin-1: every byte maps to one character). */
  async text(n: number): Promise<string> {
    await this.need(n);
    const rel = this.#at(n);
    return latin1.decode(this.#buf.subarray(rel, rel + n));
  }
}
