/**
 * The consumer's side of one producer of chunk results (a worker, or the
 * main thread's own scanner): how its name ids map to the consumer's, and
 * the field texts it interned, by slot. Results of one producer are applied
 * in the order it scanned them, so its slots mean here what they meant there.
 *
 * @module
 */

import { FieldText } from "../../events/text_event.ts";
import { decodeBytes } from "../ascii.ts";

/** One producer of chunk results, as the main thread sees it. */
export class ChunkProducer {
  /** Producer name id → consumer name id; `null` when they are the same table. */
  readonly nameMap: number[] | null;
  /** Field texts by the producer's intern slot. */
  readonly #texts: (FieldText | undefined)[] = [];

  /**
   * A producer with no field text kept yet.
   *
   * @param sharesNames the producer uses the consumer's own name table
   */
  constructor(sharesNames: boolean) {
    this.nameMap = sharesNames ? null : [];
  }

  /**
   * The field text of a record whose `R.TEXT` is `t`, at `buf[start, end)`:
   * the one kept for its slot, a new one kept from now on (`t ≤ -2`), or
   * `undefined` when the producer did not intern it (`t = -1`).
   */
  textOf(t: number, buf: Uint8Array, start: number, end: number): FieldText | undefined {
    if (t >= 0) return this.#texts[t];
    if (t === -1) return undefined;
    const text = new FieldText(decodeBytes(buf, start, end));
    this.#texts[-2 - t] = text;
    return text;
  }
}
