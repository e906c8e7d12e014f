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
 * Output limits for a block of known size: one output chunk of that size
 * (the default 16 KB chunks cost an allocation each and a final copy).
 */
function sizedOutput(expected: number): { maxOutputLength: number; chunkSize: number } {
  return { maxOutputLength: Math.max(expected, 1), chunkSize: Math.max(64, expected) };
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
          toBytes(zlib.zstdDecompressSync(data, sizedOutput(expected))),
          expected,
        );
    case "zlib":
      return (data, expected) =>
        checked(
          toBytes(zlib.inflateSync(data, sizedOutput(expected))),
          expected,
        );
    case "none":
    case "":
      return (data, expected) => checked(data, expected);
    default:
      return undefined;
  }
}
