/**
 * Where bytes come from: a file, standard input (`-`), or a FIFO such as
 * /sys/kernel/tracing/trace_pipe. Reads are pulled into a caller's buffer,
 * so memory stays constant whatever the input size.
 *
 * @module
 */

import { InputError } from "./errors.ts";

/** A readable stream of bytes with a name for messages. */
export interface ByteSource {
  /** Name as the user gave it (`-` for standard input). */
  readonly name: string;
  /** Reads into `into`; resolves to the byte count, or `null` at end of input. */
  read(into: Uint8Array): Promise<number | null>;
  /** Releases the underlying handle. */
  close(): void;
}

/** Opens `path` (or standard input for `-`) for reading. */
export async function openByteSource(path: string): Promise<ByteSource> {
  if (path === "-") {
    return { name: "-", read: (into) => Deno.stdin.read(into), close: () => {} };
  }
  let file: Deno.FsFile;
  let regular: boolean;
  try {
    const info = await Deno.stat(path);
    if (info.isDirectory) throw new InputError(path, 0, "is a directory");
    regular = info.isFile;
    file = await Deno.open(path, { read: true });
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(path, 0, `cannot open: ${describeOsError(err)}`);
  }
  return {
    name: path,
    // A regular file is read synchronously (a page-cache copy; an asynchronous
    // op per read left the thread idle ~10% of the time). FIFOs and devices
    // such as trace_pipe can block, so they keep asynchronous reads.
    read: regular ? (into) => Promise.resolve(file.readSync(into)) : (into) => file.read(into),
    close: () => {
      try {
        file.close();
      } catch { /* already closed */ }
    },
  };
}

/** A byte source over an in-memory buffer, read in pieces of at most `pieceSize` bytes. */
export function memoryByteSource(name: string, data: Uint8Array, pieceSize = 1 << 20): ByteSource {
  let pos = 0;
  return {
    name,
    read(into) {
      if (pos >= data.length) return Promise.resolve(null);
      const n = Math.min(into.length, pieceSize, data.length - pos);
      into.set(data.subarray(pos, pos + n));
      pos += n;
      return Promise.resolve(n);
    },
    close() {},
  };
}

/** The OS reason of a failed open, without Deno's stack noise. */
export function describeOsError(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "no such file or directory";
  if (err instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (err instanceof Error) return err.message.replace(/,\s*(open|stat) '.*'$/, "");
  return String(err);
}

/** The chunks `parts`, in order, as one array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
