/**
 * The sequence number of each thread's last event, which the model updates
 * on every event: an open-addressing table over typed arrays (a `Map` set per
 * event was a hash-table call each time). Thread ids outside the int32 range
 * (possible from JSON Lines input) go to a `Map`.
 *
 * @module
 */

/** A free slot (thread ids kept in the table are >= 0). */
const FREE = -1;

/** Last sequence number by thread id. */
export class ThreadSeqs {
  #keys = new Int32Array(64).fill(FREE);
  #seqs = new Float64Array(64);
  #used = 0;
  readonly #other = new Map<number, number>();

  /** Records `seq` as thread `pid`'s last event (`pid` >= 0). */
  set(pid: number, seq: number): void {
    if ((pid | 0) !== pid) {
      this.#other.set(pid, seq);
      return;
    }
    const keys = this.#keys;
    const mask = keys.length - 1;
    let i = slotOf(pid, mask);
    for (;;) {
      const k = keys[i];
      if (k === pid) {
        this.#seqs[i] = seq;
        return;
      }
      if (k === FREE) break;
      i = (i + 1) & mask;
    }
    keys[i] = pid;
    this.#seqs[i] = seq;
    if (++this.#used * 2 > keys.length) this.#grow();
  }

  /** Thread `pid`'s last sequence number, -1 when it has none. */
  get(pid: number): number {
    if ((pid | 0) !== pid) return this.#other.get(pid) ?? -1;
    const keys = this.#keys;
    const mask = keys.length - 1;
    let i = slotOf(pid, mask);
    for (;;) {
      const k = keys[i];
      if (k === pid) return this.#seqs[i];
      if (k === FREE) return -1;
      i = (i + 1) & mask;
    }
  }

  #grow(): void {
    const keys = this.#keys;
    const seqs = this.#seqs;
    this.#keys = new Int32Array(keys.length * 2).fill(FREE);
    this.#seqs = new Float64Array(keys.length * 2);
    this.#used = 0;
    for (let i = 0; i < keys.length; i++) if (keys[i] !== FREE) this.set(keys[i], seqs[i]);
  }
}

/** The home slot of `pid` in a table of `mask + 1` slots. */
function slotOf(pid: number, mask: number): number {
  const h = Math.imul(pid, 0x9e3779b1);
  return (h ^ (h >>> 15)) & mask;
}
