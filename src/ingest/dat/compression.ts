/**
 * Decompression of trace.dat v7 blocks. trace-cmd names the algorithm in
 * the file header (`zstd`, `zlib` or `none`); each compressed block is one
 * zstd frame or one zlib stream (`compress2()`), decoded with `node:zlib`.
 *
 * @module
 */

import * as zlib from "node:zlib";

/** Decompresses one block to exactly `expected` bytes, or throws an `Error`. */
export type Decompressor = (data: Uint8Array, expected: number) => Uint8Array;

function checked(out: Uint8Array, expected: number): Uint8Array {
  if (out.length !== expected) {
    throw new Error(`decompressed ${out.length} bytes, expected ${expected}`);
  }
  return out;
}

function toBytes(
  buf: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * The decompressor for the algorithm named in a v7 header, or `undefined`
 * for an algorithm this reader does not know.
 */
export function decompressorFor(name: string): Decompressor | undefined {
  switch (name) {
    case "zstd":
      return (data, expected) =>
        checked(
          toBytes(zlib.zstdDecompressSync(data, { maxOutputLength: Math.max(expected, 1) })),
          expected,
        );
    case "zlib":
      return (data, expected) =>
        checked(
          toBytes(zlib.inflateSync(data, { maxOutputLength: Math.max(expected, 1) })),
          expected,
        );
    case "none":
    case "":
      return (data, expected) => checked(data, expected);
    default:
      return undefined;
  }
}
