/**
 * Interning of event names straight from bytes: the same name bytes always
 * give the same small integer id and the same string object, and no string
 * is built for a name seen before. Ids index the per-name counters of the
 * hot path; equal strings (invalid UTF-8 decodes several byte sequences to
 * the same text) share one id.
 *
 * @module
 */

import { decodeBytes } from "./ascii.ts";

/** FNV-1a offset basis; {@link NameTable.lookup} takes a hash continued from it. */
export const NAME_HASH_SEED = 0x811c9dc5;
/** FNV-1a prime. */
export const NAME_HASH_PRIME = 0x01000193;

/** FNV-1a hash of `buf[start, end)`, as the line scanner computes it. */
export function nameHash(buf: Uint8Array, start: number, end: number): number {
  let h = NAME_HASH_SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], NAME_HASH_PRIME);
  return h;
}

/** Maps name bytes to ids and interned strings (open addressing on the FNV-1a hash). */
export class NameTable {
  /** Name of each id. */
  readonly names: string[] = [];
  readonly #byName = new Map<string, number>();
  /** Slots: entry index + 1, 0 when free. */
  #slots = new Int32Array(256);
  #slotHash = new Int32Array(256);
  /** Per entry: id, and where its bytes sit in `#pool`. */
  #entryId: number[] = [];
  #entryStart: number[] = [];
  #entryLength: number[] = [];
  #pool = new Uint8Array(4096);
  #poolUsed = 0;
  /** Entry index and hash of the last name found, -1 when none. */
  #lastEntry = -1;
  #lastHash = 0;

  /** Number of distinct names. */
  get size(): number {
    return this.names.length;
  }

  /** The id of `buf[start, end)`, whose FNV-1a hash is `hash` (see {@link nameHash}). */
  lookup(buf: Uint8Array, start: number, end: number, hash: number): number {
    // Runs of one event are the common case: try the last answer first.
    const lastK = this.#lastEntry;
    const len0 = end - start;
    if (lastK >= 0 && this.#lastHash === hash && this.#entryLength[lastK] === len0) {
      const pool = this.#pool;
      const at = this.#entryStart[lastK];
      let j = 0;
      while (j < len0 && pool[at + j] === buf[start + j]) j++;
      if (j === len0) return this.#entryId[lastK];
    }
    const slots = this.#slots;
    const mask = slots.length - 1;
    const len = end - start;
    let i = (hash ^ (hash >>> 13)) & mask;
    while (true) {
      const e = slots[i];
      if (e === 0) break;
      if (this.#slotHash[i] === hash) {
        const k = e - 1;
        if (this.#entryLength[k] === len) {
          const pool = this.#pool;
          const at = this.#entryStart[k];
          let j = 0;
          while (j < len && pool[at + j] === buf[start + j]) j++;
          if (j === len) {
            this.#lastEntry = k;
            this.#lastHash = hash;
            return this.#entryId[k];
          }
        }
      }
      i = (i + 1) & mask;
    }
    return this.#insert(buf, start, end, hash, i);
  }

  /** The id of `name`, interning it when new. */
  idOf(name: string): number {
    const known = this.#byName.get(name);
    if (known !== undefined) return known;
    const bytes = new TextEncoder().encode(name);
    return this.lookup(bytes, 0, bytes.length, nameHash(bytes, 0, bytes.length));
  }

  /** The interned string for `buf[start, end)`. */
  intern(buf: Uint8Array, start: number, end: number): string {
    return this.names[this.lookup(buf, start, end, nameHash(buf, start, end))];
  }

  #insert(buf: Uint8Array, start: number, end: number, hash: number, slot: number): number {
    const name = decodeBytes(buf, start, end);
    let id = this.#byName.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.#byName.set(name, id);
    }
    const len = end - start;
    if (this.#poolUsed + len > this.#pool.length) {
      const grown = new Uint8Array(Math.max(this.#pool.length * 2, this.#poolUsed + len));
      grown.set(this.#pool.subarray(0, this.#poolUsed));
      this.#pool = grown;
    }
    this.#pool.set(buf.subarray(start, end), this.#poolUsed);
    const k = this.#entryId.length;
    this.#entryId.push(id);
    this.#entryStart.push(this.#poolUsed);
    this.#entryLength.push(len);
    this.#poolUsed += len;
    this.#slots[slot] = k + 1;
    this.#slotHash[slot] = hash;
    if (2 * (k + 1) > this.#slots.length) this.#grow();
    return id;
  }

  #grow(): void {
    const old = this.#slots;
    const oldHash = this.#slotHash;
    const slots = new Int32Array(old.length * 2);
    const slotHash = new Int32Array(old.length * 2);
    const mask = slots.length - 1;
    for (let s = 0; s < old.length; s++) {
      if (old[s] === 0) continue;
      const h = oldHash[s];
      let i = (h ^ (h >>> 13)) & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = old[s];
      slotHash[i] = h;
    }
    this.#slots = slots;
    this.#slotHash = slotHash;
  }
}
