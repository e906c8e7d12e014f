/**
 * The kernel symbol table saved in trace.dat (/proc/kallsyms), for printing
 * `%pS` arguments and stack frames as `function+0xoff`. Lookups reproduce
 * libtraceevent's exactly — the same symbols kept (no `A`/`a` absolute
 * symbols, no `$` names), the same order among symbols at one address, the
 * same binary search — so the chosen name matches `trace-cmd report`'s.
 *
 * A full table has over 100 000 symbols, so it is kept compact: addresses
 * as 32-bit halves in typed arrays, names as offsets into the saved text's
 * bytes (decoded when a lookup returns them).
 *
 * @module
 */

/** A symbol found for an address. */
export interface Symbol {
  /** Symbol name. */
  readonly name: string;
  /** Start address of the symbol. */
  readonly addr: bigint;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Latin-1 bytes of a string (kallsyms text is ASCII). */
function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

const latin1 = new TextDecoder("latin1");

/** Growable columns of parsed lines, before sorting. */
class Columns {
  hi = new Uint32Array(1024);
  lo = new Uint32Array(1024);
  start = new Int32Array(1024);
  end = new Int32Array(1024);
  n = 0;

  push(hi: number, lo: number, start: number, end: number): void {
    if (this.n === this.hi.length) {
      const grow = <T extends Uint32Array | Int32Array>(a: T): T => {
        const b = new (a.constructor as { new (n: number): T })(a.length * 2);
        b.set(a);
        return b;
      };
      this.hi = grow(this.hi);
      this.lo = grow(this.lo);
      this.start = grow(this.start);
      this.end = grow(this.end);
    }
    const i = this.n++;
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.start[i] = start;
    this.end[i] = end;
  }
}

/** The sorted symbol table of one trace. */
export class Kallsyms {
  readonly #text: Uint8Array;
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #start: Int32Array;
  readonly #end: Int32Array;
  readonly #cache = new Map<bigint, Symbol | null>();

  /**
   * Parses a kallsyms text.
   *
   * @param text the kallsyms text saved in the trace (may be empty), as
   * bytes or as a string
   */
  constructor(text: Uint8Array | string) {
    const t = typeof text === "string" ? latin1Bytes(text) : text;
    this.#text = t;
    const cols = new Columns();
    for (let p = 0; p < t.length;) {
      let nl = t.indexOf(0x0a, p);
      if (nl < 0) nl = t.length;
      const ok = this.#line(p, nl, cols);
      p = nl + 1;
      if (!ok) break; // libtraceevent stops at the first line it cannot read
    }
    const { hi, lo, start, end, n } = cols;
    // libtraceevent prepends each symbol to a list and sorts it stably:
    // among equal addresses, later lines come first.
    const order = new Int32Array(n);
    let sorted = true;
    for (let i = 0; i < n; i++) {
      order[i] = i;
      if (i > 0 && (hi[i] < hi[i - 1] || (hi[i] === hi[i - 1] && lo[i] <= lo[i - 1]))) {
        sorted = false;
      }
    }
    if (!sorted) order.sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || b - a);
    this.#hi = new Uint32Array(n + 1); // plus libtraceevent's end marker (address 0)
    this.#lo = new Uint32Array(n + 1);
    this.#start = new Int32Array(n);
    this.#end = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const j = order[i];
      this.#hi[i] = hi[j];
      this.#lo[i] = lo[j];
      this.#start[i] = start[j];
      this.#end[i] = end[j];
    }
  }

  /**
   * Reads one line, `addr type name[\t[module]]`, into `cols` unless it is
   * kept out (absolute or `$` symbol, blank line); false when the line
   * cannot be read.
   */
  #line(from: number, to: number, cols: Columns): boolean {
    const t = this.#text;
    let p = from;
    if (p === to) return true;
    let hi = 0;
    let lo = 0;
    let digits = 0;
    for (; p < to && digits < 16; p++, digits++) {
      const d = hexDigit(t[p]);
      if (d < 0) break;
      hi = ((hi << 4) | (lo >>> 28)) >>> 0;
      lo = ((lo << 4) | d) >>> 0;
    }
    if (digits === 0 || p >= to || !isSpace(t[p])) return false;
    while (p < to && isSpace(t[p])) p++;
    const type = t[p];
    p++;
    if (p >= to || !isSpace(t[p])) return false;
    while (p < to && isSpace(t[p])) p++;
    const s = p;
    while (p < to && !isSpace(t[p]) && t[p] !== 0x0d) p++;
    if (p === s) return false;
    // `$` names and absolute symbols (`A`, `a`) are kept out.
    if (t[s] !== 0x24 && type !== 0x41 && type !== 0x61) cols.push(hi, lo, s, p);
    return true;
  }

  #name(i: number): string {
    return latin1.decode(this.#text.subarray(this.#start[i], this.#end[i]));
  }

  /** Number of symbols kept. */
  get size(): number {
    return this.#start.length;
  }

  #addr(i: number): bigint {
    return (BigInt(this.#hi[i]) << 32n) | BigInt(this.#lo[i]);
  }

  /** The symbol containing `addr` (cached: call sites and stacks repeat). */
  find(addr: bigint): Symbol | undefined {
    const hit = this.#cache.get(addr);
    if (hit !== undefined) return hit ?? undefined;
    const i = this.#search(Number(addr >> 32n) >>> 0, Number(addr & 0xffffffffn));
    const sym = i < 0 ? undefined : { name: this.#name(i), addr: this.#addr(i) };
    if (this.#cache.size >= 65536) this.#cache.clear();
    this.#cache.set(addr, sym ?? null);
    return sym;
  }

  /**
   * glibc `bsearch` with libtraceevent's comparison: `addr` equal to a
   * start, or between a start and the next entry's (the end marker is 0).
   */
  #search(hi: number, lo: number): number {
    const H = this.#hi;
    const L = this.#lo;
    let a = 0;
    let b = this.#start.length;
    while (a < b) {
      const mid = (a + b) >>> 1;
      const cmpMid = hi - H[mid] || lo - L[mid];
      const cmpNext = hi - H[mid + 1] || lo - L[mid + 1];
      if (cmpMid === 0 || (cmpMid > 0 && cmpNext < 0)) return mid;
      if (cmpMid < 0) b = mid;
      else a = mid + 1;
    }
    return -1;
  }

  /** The address of the first symbol named `name` in table order, or 0. */
  addressOf(name: string): bigint {
    const want = latin1Bytes(name);
    const t = this.#text;
    for (let i = 0; i < this.#start.length; i++) {
      const from = this.#start[i];
      if (this.#end[i] - from !== want.length) continue;
      let same = true;
      for (let k = 0; k < want.length && same; k++) same = t[from + k] === want[k];
      if (same) return this.#addr(i);
    }
    return 0n;
  }
}
