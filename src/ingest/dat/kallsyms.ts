/**
 * The kernel symbol table saved in trace.dat (/proc/kallsyms), for printing
 * `%pS` arguments and stack frames as `function+0xoff`. Lookups reproduce
 * libtraceevent's exactly — the same symbols kept (no `A`/`a` absolute
 * symbols, no `$` names), the same order among symbols at one address, the
 * same binary search — so the chosen name matches `trace-cmd report`'s.
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

const LINE = /^([0-9a-fA-F]{1,16})\s+(\S)\s+(\S+)/;

/** The sorted symbol table of one trace. */
export class Kallsyms {
  readonly #addrs: BigUint64Array;
  readonly #names: string[];

  /** @param text the kallsyms text saved in the trace (may be empty) */
  constructor(text: string) {
    const entries: { addr: bigint; name: string; seq: number }[] = [];
    let seq = 0;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const m = LINE.exec(line);
      // libtraceevent stops at the first line it cannot read.
      if (!m) break;
      const type = m[2];
      const name = m[3];
      if (name[0] === "$" || type === "A" || type === "a") continue;
      entries.push({ addr: BigInt("0x" + m[1]), name, seq: seq++ });
    }
    // libtraceevent prepends each symbol to a list and sorts it stably:
    // among equal addresses, later lines come first.
    entries.sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : b.seq - a.seq));
    this.#addrs = new BigUint64Array(entries.length + 1);
    this.#names = new Array(entries.length);
    entries.forEach((e, i) => {
      this.#addrs[i] = e.addr;
      this.#names[i] = e.name;
    });
    this.#addrs[entries.length] = 0n; // libtraceevent's end marker
  }

  /** Number of symbols kept. */
  get size(): number {
    return this.#names.length;
  }

  /**
   * The symbol containing `addr`: glibc `bsearch` with libtraceevent's
   * comparison (`addr` equal to a start, or between a start and the next).
   */
  find(addr: bigint): Symbol | undefined {
    const addrs = this.#addrs;
    let lo = 0;
    let hi = this.#names.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const a = addrs[mid];
      let cmp: number;
      if (addr === a || (addr > a && addr < addrs[mid + 1])) cmp = 0;
      else cmp = addr < a ? -1 : 1;
      if (cmp < 0) hi = mid;
      else if (cmp > 0) lo = mid + 1;
      else return { name: this.#names[mid], addr: a };
    }
    return undefined;
  }

  /** The address of the first symbol named `name` in table order, or 0. */
  addressOf(name: string): bigint {
    const i = this.#names.indexOf(name);
    return i < 0 ? 0n : this.#addrs[i];
  }
}
