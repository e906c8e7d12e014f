/**
 * Bit masks carried as `bigint` (request bits, vCPU masks, cpumasks): their
 * set bits as numbers, read 32 bits at a time rather than one `bigint`
 * shift per bit (which allocates).
 *
 * @module
 */

/**
 * The indices of the bits set in `mask` (a non-negative integer of any
 * width), in ascending order.
 *
 * @example
 * ```ts
 * import { setBits } from "./bits.ts";
 * if (String(setBits(0x8000_0000_0000_0005n)) !== "0,2,63") throw new Error();
 * ```
 */
export function setBits(mask: bigint): number[] {
  const out: number[] = [];
  let rest = mask < 0n ? 0n : mask;
  for (let base = 0; rest !== 0n; base += 32) {
    const word = Number(BigInt.asUintN(32, rest));
    for (let w = word; w !== 0; w &= w - 1) out.push(base + 31 - Math.clz32(w & -w));
    rest >>= 32n;
  }
  return out;
}

/** {@link setBits} limited to bits 0–63 (a 64-bit field). */
export function setBits64(mask: bigint): number[] {
  return setBits(BigInt.asUintN(64, mask < 0n ? 0n : mask));
}
