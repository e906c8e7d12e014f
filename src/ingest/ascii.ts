/**
 * Byte-level helpers for the hot path: the readers work on `Uint8Array`
 * slices of the input and turn only the parts they keep into strings.
 *
 * @module
 */

/** Character codes the scanners compare against. */
export const CH = {
  TAB: 0x09,
  LF: 0x0a,
  CR: 0x0d,
  SPACE: 0x20,
  HASH: 0x23,
  LPAREN: 0x28,
  RPAREN: 0x29,
  DASH: 0x2d,
  DOT: 0x2e,
  ZERO: 0x30,
  NINE: 0x39,
  COLON: 0x3a,
  LT: 0x3c,
  EQ: 0x3d,
  GT: 0x3e,
  LBRACKET: 0x5b,
  RBRACKET: 0x5d,
  LBRACE: 0x7b,
} as const;

const utf8 = new TextDecoder("utf-8");

/**
 * Decodes bytes `[start, end)` of `buf` to a string. Short pure-ASCII runs
 * (most comms, names and fields) are built directly, which is several times
 * cheaper than a `TextDecoder` call; anything else goes through UTF-8
 * decoding with replacement characters for invalid bytes.
 */
export function decodeBytes(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len <= 0) return "";
  if (len <= 24) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (buf[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      // String.fromCharCode over a subarray avoids a TextDecoder round trip.
      return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
    }
  }
  return utf8.decode(buf.subarray(start, end));
}

/** True for an ASCII decimal digit code. */
export function isDigit(c: number): boolean {
  return c >= CH.ZERO && c <= CH.NINE;
}

/** True for space or tab. */
export function isBlank(c: number): boolean {
  return c === CH.SPACE || c === CH.TAB;
}

/**
 * A 32-bit view of `buf`'s bytes for {@link findLineFeed}, or `undefined`
 * when `buf` does not start on a 4-byte boundary of its buffer.
 */
export function wordView(buf: Uint8Array): Uint32Array | undefined {
  if ((buf.byteOffset & 3) !== 0) return undefined;
  return new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >> 2);
}

/**
 * The offset of the first LF in `buf[from, to)`, or -1. Tests four bytes at a
 * time through `words` (from {@link wordView}): a native `indexOf` per line
 * costs more in call overhead than the whole search of a 100-byte line here.
 */
export function findLineFeed(
  buf: Uint8Array,
  words: Uint32Array | undefined,
  from: number,
  to: number,
): number {
  if (words === undefined) {
    const i = buf.indexOf(CH.LF, from);
    return i >= 0 && i < to ? i : -1;
  }
  let i = from;
  while (i < to && (i & 3) !== 0) {
    if (buf[i] === CH.LF) return i;
    i++;
  }
  if (i >= to) return -1;
  const wordEnd = to >> 2;
  let w = i >> 2;
  while (w < wordEnd) {
    // "Has a zero byte" on the word XOR '\n\n\n\n': exact for existence.
    const v = words[w] ^ 0x0a0a0a0a;
    if (((v - 0x01010101) & ~v & 0x80808080) !== 0) {
      let j = w << 2;
      while (buf[j] !== CH.LF) j++;
      return j;
    }
    w++;
  }
  i = w << 2;
  while (i < to) {
    if (buf[i] === CH.LF) return i;
    i++;
  }
  return -1;
}

/** Lookups per sampling window of {@link AsciiStringCache}'s hit rate. */
const SAMPLE = 1024;

/**
 * A direct-mapped table of texts by their bytes, which gives each text it
 * keeps a slot number: comms, flag columns and field texts repeat a lot, and
 * checking a kept copy against the bytes costs a fraction of building a new
 * string (and of whatever is made from it: see {@link AsciiInternTable}).
 * Hashing and comparing go four bytes at a time through `DataView`s. Only
 * pure-ASCII texts are kept (so equal bytes mean an equal decoding). Memory
 * is bounded by `slots × maxLength`. Holds no objects, so a worker thread
 * can intern texts and let another thread keep the values by slot, as long
 * as that thread sees the slots in the order this table gave them.
 *
 * A text enters the table only when its hash was seen recently (a table of
 * hashes, no objects): one-off texts such as `kvm_exit` fields with their
 * addresses would otherwise take slots (and their values live long enough
 * to be promoted to the old generation and fill it with garbage). When
 * fewer than one lookup in eight hits, the table stands aside for a while
 * (texts are not hashed) and then samples again.
 */
export class AsciiInterner {
  readonly #lengths: Int32Array;
  readonly #seen: Int32Array;
  readonly #pool: Uint8Array;
  readonly #poolView: DataView;
  readonly #mask: number;
  readonly #maxLength: number;
  /** Lookups and hits in the current sampling window. */
  #lookups = 0;
  #hits = 0;
  /** Lookups left to pass over (texts that rarely repeat, such as fields with addresses). */
  #bypass = 0;

  /**
   * A table of `slots` texts of up to `maxLength` bytes.
   *
   * @param slots number of entries, a power of two
   * @param maxLength longer texts are never kept
   */
  constructor(slots: number, maxLength: number) {
    this.#lengths = new Int32Array(slots).fill(-1);
    this.#seen = new Int32Array(slots);
    this.#maxLength = (maxLength + 3) & ~3;
    this.#pool = new Uint8Array(slots * this.#maxLength);
    this.#poolView = new DataView(this.#pool.buffer);
    this.#mask = slots - 1;
  }

  /**
   * Where the text `buf[start, end)` is kept: its slot (≥ 0) when the table
   * held the same bytes; `-2 - slot` when it was not there and is kept from
   * now on at `slot` (whatever that slot held is gone); -1 when it is not
   * kept (empty, too long, not ASCII, not seen recently, or the table is
   * standing aside). `view` is a `DataView` of `buf`.
   */
  slotOf(buf: Uint8Array, view: DataView, start: number, end: number): number {
    const len = end - start;
    if (len <= 0 || len > this.#maxLength) return -1;
    if (this.#bypass > 0) {
      this.#bypass--;
      return -1;
    }
    if (++this.#lookups === SAMPLE) {
      // Hashing pays only when texts repeat: below 1 hit in 8, stop for a while.
      if (this.#hits < SAMPLE >> 3) this.#bypass = SAMPLE * 16;
      this.#lookups = 0;
      this.#hits = 0;
    }
    let h = len;
    let i = start;
    const wordEnd = end - 3;
    for (; i < wordEnd; i += 4) h = Math.imul(h ^ view.getInt32(i, true), 0x01000193);
    for (; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const slot = (h ^ (h >>> 15)) & this.#mask;
    const at = slot * this.#maxLength;
    if (this.#lengths[slot] === len) {
      const pool = this.#poolView;
      let j = 0;
      const lastWord = len - 3;
      while (j < lastWord && pool.getInt32(at + j, true) === view.getInt32(start + j, true)) j += 4;
      if (j >= lastWord) {
        const bytes = this.#pool;
        while (j < len && bytes[at + j] === buf[start + j]) j++;
        if (j === len) {
          this.#hits++;
          return slot;
        }
      }
    }
    const door = (h >>> 7) & this.#mask;
    if (this.#seen[door] !== h) {
      this.#seen[door] = h;
      return -1;
    }
    let or = 0;
    for (let k = start; k < end; k++) or |= buf[k];
    if ((or & 0x80) !== 0) return -1;
    this.#pool.set(buf.subarray(start, end), at);
    this.#lengths[slot] = len;
    return -2 - slot;
  }
}

/**
 * Values made from texts decoded from bytes, kept by an {@link AsciiInterner}:
 * the same bytes give the same value while the table keeps them.
 */
export class AsciiInternTable<T> {
  readonly #slots: AsciiInterner;
  readonly #values: (T | undefined)[];
  readonly #make: (text: string) => T;

  /**
   * An empty table of `slots` values.
   *
   * @param slots number of entries, a power of two
   * @param maxLength longer texts are decoded without caching
   * @param make the value of a text (called once per text that is not in the table)
   */
  constructor(slots: number, maxLength: number, make: (text: string) => T) {
    this.#slots = new AsciiInterner(slots, maxLength);
    this.#values = new Array<T | undefined>(slots).fill(undefined);
    this.#make = make;
  }

  /**
   * The value of the text `buf[start, end)` (decoded like {@link decodeBytes}):
   * the one made for the same bytes before when the table still holds it,
   * else a new one. `view` is a `DataView` of `buf`.
   */
  get(buf: Uint8Array, view: DataView, start: number, end: number): T {
    const slot = this.#slots.slotOf(buf, view, start, end);
    if (slot >= 0) return this.#values[slot]!;
    const fresh = this.#make(decodeBytes(buf, start, end));
    if (slot < -1) this.#values[-2 - slot] = fresh;
    return fresh;
  }
}

/** An {@link AsciiInternTable} of the decoded strings themselves. */
export class AsciiStringCache extends AsciiInternTable<string> {
  /**
   * An empty cache of `slots` strings.
   *
   * @param slots number of entries, a power of two
   * @param maxLength longer texts are decoded without caching
   */
  constructor(slots: number, maxLength: number) {
    super(slots, maxLength, (text) => text);
  }
}

/** A `DataView` over exactly the bytes of `buf`. */
export function dataViewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
