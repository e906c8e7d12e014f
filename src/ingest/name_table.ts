/**
 * Interning of event names straight from bytes: the same name bytes always
 * give the same string object, and no string is built for a name seen before.
 *
 * @module
 */

import { decodeBytes } from "./ascii.ts";

interface NameEntry {
  readonly bytes: Uint8Array;
  readonly name: string;
}

/** Maps name bytes to interned strings (FNV-1a hash, verified byte by byte). */
export class NameTable {
  readonly #byHash = new Map<number, NameEntry[]>();

  /** Returns the interned string for `buf[start, end)`. */
  intern(buf: Uint8Array, start: number, end: number): string {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const bucket = this.#byHash.get(h);
    if (bucket !== undefined) {
      for (const entry of bucket) {
        if (sameBytes(entry.bytes, buf, start, end)) return entry.name;
      }
    }
    const entry = { bytes: buf.slice(start, end), name: decodeBytes(buf, start, end) };
    if (bucket === undefined) this.#byHash.set(h, [entry]);
    else bucket.push(entry);
    return entry.name;
  }
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}
