/**
 * The kernel symbol table saved in trace.dat (/proc/kallsyms), for printing
 * `%pS` arguments and stack frames as `function+0xoff`. Lookups reproduce
 * libtraceevent's exactly — the same symbols kept (no `A`/`a` absolute
 * symbols, no `$` names), the same order among symbols at one address, the
 * same binary search — so the chosen name matches `trace-cmd report`'s.
 *
 * A full table has over 100 000 symbols, so it is kept compact: addresses
 * as 32-bit halves in typed arrays, names as offsets into the saved text.
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

/** The sorted symbol table of one trace. */
export class Kallsyms {
  readonly #text: string;
  readonly #hi: Uint32Array;
  readonly #lo: Uint32Array;
  readonly #start: Int32Array;
  readonly #end: Int32Array;
  readonly #cache = new Map<bigint, Symbol | null>();

  /** @param text the kallsyms text saved in the trace (may be empty) */
  constructor(text: string) {
    this.#text = text;
    const hi: number[] = [];
    const lo: number[] = [];
    const start: number[] = [];
    const end: number[] = [];
    for (let p = 0; p < text.length;) {
      let nl = text.indexOf("\n", p);
      if (nl < 0) nl = text.length;
      const line = this.#line(p, nl);
      p = nl + 1;
      if (line === undefined) continue;
      if (line === null) break; // libtraceevent stops at the first line it cannot read
      hi.push(line[0]);
      lo.push(line[1]);
      start.push(line[2]);
      end.push(line[3]);
    }
    // libtraceevent prepends each symbol to a list and sorts it stably:
    // among equal addresses, later lines come first.
    const order = [...hi.keys()].sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b] || b - a);
    const n = order.length;
    this.#hi = new Uint32Array(n + 1); // plus libtraceevent's end marker (address 0)
    this.#lo = new Uint32Array(n + 1);
    this.#start = new Int32Array(n);
    this.#end = new Int32Array(n);
    order.forEach((j, i) => {
      this.#hi[i] = hi[j];
      this.#lo[i] = lo[j];
      this.#start[i] = start[j];
      this.#end[i] = end[j];
    });
  }

  /**
   * One line: `addr type name[\t[module]]` → [hi, lo, nameStart, nameEnd];
   * `undefined` for a line kept out (absolute or `$` symbol, blank), `null`
   * for a line that cannot be read.
   */
  #line(from: number, to: number): [number, number, number, number] | undefined | null {
    const t = this.#text;
    let p = from;
    if (p === to) return undefined;
    let hi = 0;
    let lo = 0;
    let digits = 0;
    for (; p < to && digits < 16; p++, digits++) {
      const d = hexDigit(t.charCodeAt(p));
      if (d < 0) break;
      hi = ((hi << 4) | (lo >>> 28)) >>> 0;
      lo = ((lo << 4) | d) >>> 0;
    }
    if (digits === 0 || p >= to || !isSpace(t.charCodeAt(p))) return null;
    while (p < to && isSpace(t.charCodeAt(p))) p++;
    const type = t[p];
    p++;
    if (p >= to || !isSpace(t.charCodeAt(p))) return null;
    while (p < to && isSpace(t.charCodeAt(p))) p++;
    const s = p;
    while (p < to && !isSpace(t.charCodeAt(p)) && t.charCodeAt(p) !== 0x0d) p++;
    if (p === s) return null;
    if (t[s] === "$" || type === "A" || type === "a") return undefined;
    return [hi, lo, s, p];
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
    const sym = i < 0
      ? undefined
      : { name: this.#text.slice(this.#start[i], this.#end[i]), addr: this.#addr(i) };
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
    for (let i = 0; i < this.#start.length; i++) {
      if (
        this.#end[i] - this.#start[i] === name.length && this.#text.startsWith(name, this.#start[i])
      ) {
        return this.#addr(i);
      }
    }
    return 0n;
  }
}
