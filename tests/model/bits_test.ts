import { deepEqual } from "node:assert/strict";
import fc from "fast-check";
import { setBits, setBits64 } from "../../src/events/bits.ts";

/** The obvious definition: one shift per bit. */
function naive(mask: bigint, limit: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < limit && mask >> BigInt(i) !== 0n; i++) {
    if ((mask >> BigInt(i)) & 1n) out.push(i);
  }
  return out;
}

Deno.test("setBits: the set bits of masks of any width, ascending", () => {
  deepEqual(setBits(0n), []);
  deepEqual(setBits(1n << 31n), [31]);
  deepEqual(setBits(0xffff_ffffn), [...Array(32).keys()]);
  deepEqual(setBits((1n << 200n) | 6n), [1, 2, 200]);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 300n) - 1n }), (m: bigint) => {
      deepEqual(setBits(m), naive(m, 1000));
    }),
  );
});

Deno.test("setBits64: only bits 0-63", () => {
  deepEqual(setBits64((1n << 64n) | (1n << 63n) | 1n), [0, 63]);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 70n) - 1n }), (m: bigint) => {
      deepEqual(setBits64(m), naive(m, 64));
    }),
  );
});
