/**
 * Decompression of trace.dat v7 blocks. trace-cmd names the algorithm in
 * the file header (`zstd`, `zlib` or `none`); each compressed block is one
 * zstd frame or one zlib stream (`compress2()`), decoded with `node:zlib`.
 *
 * A recording's data is thousands of small blocks. `node:zlib`'s one-shot
 * functions build a stream object per call and hand back a fresh buffer,
 * which made decompression half of the time and most of the memory of
 * reading a trace.dat (the buffers are garbage V8 frees late). Blocks are
 * therefore decoded with one reused native handle straight into a buffer
 * the caller reuses ({@link Decompressor} with `into`); any surprise from
 * that handle (missing, an error, a size that does not match) falls back to
 * the one-shot function, which gives the error its usual form.
 *
 * @module
 */

import * as zlib from "node:zlib";

/**
 * Decompresses one block to exactly `expected` bytes, or throws an `Error`.
 * With `into` (at least `expected` + {@link SLACK} bytes long), the result is
 * a view of `into`, valid until the next call that reuses it.
 */
export type Decompressor = (data: Uint8Array, expected: number, into?: Uint8Array) => Uint8Array;

/** Extra room asked of `into`, so output larger than announced is noticed. */
export const SLACK = 64;

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
 * Output limits for a block of known size: one output chunk a little larger
 * than that (the default 16 KB chunks cost an allocation each and a final
 * copy, and a chunk filled exactly makes node:zlib allocate a spare one).
 * A block that inflates to more is still caught by {@link checked}.
 */
function sizedOutput(expected: number): { maxOutputLength: number; chunkSize: number } {
  return { maxOutputLength: expected + SLACK, chunkSize: expected + SLACK };
}

/** The native handle inside a node:zlib stream (`_handle`), as far as it is used here. */
interface NativeHandle {
  /** Called by the handle, during `writeSync`, with zlib's error (bad data, bad checksum). */
  onerror: (message: string, errno: number) => void;
  reset(): void;
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
}

/** A node:zlib stream's internals: its handle, write state and finishing flush flag. */
interface StreamInternals {
  readonly _handle?: NativeHandle;
  readonly _writeState?: Uint32Array;
  readonly _finishFlushFlag?: number;
  on(event: "error", listener: () => void): unknown;
}

/**
 * One reused native decoder. {@link decode} returns the bytes produced, or
 * -1 when the handle is unavailable or the block did not decode cleanly to
 * exactly `expected` bytes (the caller then takes the one-shot path).
 */
class HandleDecoder {
  readonly #create: () => StreamInternals;
  #stream: StreamInternals | undefined;
  #broken = false;
  /** Set by the handle's error callback during the current call. */
  #failed = false;

  constructor(create: () => StreamInternals) {
    this.#create = create;
  }

  #open(): StreamInternals | undefined {
    if (this.#stream === undefined && !this.#broken) {
      try {
        const s = this.#create();
        const ok = typeof s._handle?.writeSync === "function" &&
          typeof s._handle.reset === "function" && typeof s._handle.onerror === "function" &&
          s._writeState instanceof Uint32Array &&
          s._writeState.length >= 2 && typeof s._finishFlushFlag === "number";
        if (!ok) this.#broken = true;
        else {
          // The handle reports damage (a bad checksum after complete output, say)
          // through this callback, during writeSync: note it here instead of
          // letting the stream turn it into an 'error' event later.
          (s._handle as NativeHandle).onerror = () => {
            this.#failed = true;
          };
          s.on("error", () => this.#drop());
          this.#stream = s;
        }
      } catch {
        this.#broken = true;
      }
    }
    return this.#stream;
  }

  #drop(): void {
    this.#stream = undefined;
  }

  decode(data: Uint8Array, expected: number, into: Uint8Array): number {
    const s = this.#open();
    if (s === undefined || into.length < expected + SLACK) return -1;
    const h = s._handle as NativeHandle;
    const state = s._writeState as Uint32Array;
    this.#failed = false;
    try {
      h.reset();
      h.writeSync(s._finishFlushFlag as number, data, 0, data.length, into, 0, into.length);
    } catch {
      this.#drop();
      return -1;
    }
    const produced = into.length - state[0];
    if (this.#failed || state[1] !== 0 || produced !== expected || this.#stream !== s) {
      this.#drop();
      return -1;
    }
    return produced;
  }
}

function reusing(
  oneShot: (data: Uint8Array, expected: number) => Uint8Array,
  create: () => StreamInternals,
): Decompressor {
  const handle = new HandleDecoder(create);
  return (data, expected, into) => {
    if (into !== undefined && handle.decode(data, expected, into) === expected) {
      return into.subarray(0, expected);
    }
    return checked(oneShot(data, expected), expected);
  };
}

/**
 * The decompressor for the algorithm named in a v7 header, or `undefined`
 * for an algorithm this reader does not know.
 */
export function decompressorFor(name: string): Decompressor | undefined {
  switch (name) {
    case "zstd":
      return reusing(
        (data, expected) => toBytes(zlib.zstdDecompressSync(data, sizedOutput(expected))),
        () => zlib.createZstdDecompress() as unknown as StreamInternals,
      );
    case "zlib":
      return reusing(
        (data, expected) => toBytes(zlib.inflateSync(data, sizedOutput(expected))),
        () => zlib.createInflate() as unknown as StreamInternals,
      );
    case "none":
    case "":
      return (data, expected) => checked(data, expected);
    default:
      return undefined;
  }
}
