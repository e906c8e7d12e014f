import { deepStrictEqual, ok, throws } from "node:assert/strict";
import * as zlib from "node:zlib";
import { decompressorFor, SLACK } from "../../../src/ingest/dat/compression.ts";
import { Prng } from "../../../src/sim/prng.ts";

/** Page-like data: runs of repeated words with some noise, as ring-buffer pages look. */
function pages(seed: number, size: number): Uint8Array {
  const rand = new Prng(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 4) {
    out[i] = (i >> 6) & 0xff;
    out[i + 1] = rand.next() % 10 === 0 ? 7 : 0;
  }
  return out;
}

const COMPRESS = {
  zstd: (d: Uint8Array) =>
    new Uint8Array(
      zlib.zstdCompressSync(d, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } }),
    ),
  zlib: (d: Uint8Array) => new Uint8Array(zlib.deflateSync(d)),
};

for (const kind of ["zstd", "zlib"] as const) {
  Deno.test(`${kind}: blocks decoded into a reused buffer equal the one-shot result`, () => {
    const dec = decompressorFor(kind)!;
    const into = new Uint8Array(65536 + SLACK);
    for (let seed = 1; seed <= 20; seed++) {
      const plain = pages(seed, 4096 * (1 + (seed % 16)));
      const packed = COMPRESS[kind](plain);
      const viaBuffer = dec(packed, plain.length, into);
      ok(viaBuffer.buffer === into.buffer, "the result is a view of the caller's buffer");
      deepStrictEqual(viaBuffer, plain);
      deepStrictEqual(dec(packed, plain.length), plain);
    }
  });

  Deno.test(`${kind}: damaged blocks throw and the decoder keeps working after them`, () => {
    const dec = decompressorFor(kind)!;
    const into = new Uint8Array(65536 + SLACK);
    const plain = pages(99, 32768);
    const packed = COMPRESS[kind](plain);
    const flipped = packed.map((b, i) => (i > 8 ? b ^ 0x5a : b));
    throws(() => dec(flipped, plain.length, into));
    // Complete output but a wrong checksum (zlib's adler32, zstd's xxhash) is damage too.
    const badSum = packed.slice();
    badSum[badSum.length - 1] ^= 0xff;
    throws(() => dec(badSum, plain.length, into), /check|checksum/);
    deepStrictEqual(dec(packed, plain.length, into), plain);
    throws(() => dec(packed.subarray(0, packed.length >> 1), plain.length, into));
    // Announced size smaller or larger than the real one: refused, not truncated.
    throws(() => dec(packed, plain.length - 4096, into));
    throws(() => dec(packed, plain.length + 4096, into));
    deepStrictEqual(dec(packed, plain.length, into), plain);
  });
}
