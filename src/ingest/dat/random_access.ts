/**
 * Random access to a trace.dat file. The format is a set of sections found
 * by offset, and per-CPU data that a merge reads from several places at
 * once, so the reader needs positioned reads. A regular file is read in
 * place; anything else (standard input, a FIFO, an in-memory buffer) is held
 * in memory, which is documented as the price of piping a trace.dat.
 *
 * @module
 */

import { type ByteSource, concatBytes } from "../byte_source.ts";

/** Positioned reads over a trace.dat. */
export interface RandomAccess {
  /** Input name for messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads up to `into.length` bytes at `pos`; resolves to the count read,
   * less than asked only at the end of the input.
   */
  readAt(pos: number, into: Uint8Array): Promise<number>;
  /** Releases the underlying handle. */
  close(): void;
  /** The whole input, when it is already in memory (read it in place). */
  readonly whole?: Uint8Array;
}

/** Bytes of the file consumed (each counted once, read-ahead not), for the `bytes` counter. */
export interface ReadCounter {
  /** Bytes consumed so far. */
  bytes: number;
}

/** A {@link RandomAccess} over bytes already in memory. */
export function memoryRandomAccess(name: string, data: Uint8Array): RandomAccess {
  return {
    name,
    size: data.length,
    whole: data,
    readAt(pos, into) {
      if (pos >= data.length || pos < 0) return Promise.resolve(0);
      const n = Math.min(into.length, data.length - pos);
      into.set(data.subarray(pos, pos + n));
      return Promise.resolve(n);
    },
    close() {},
  };
}

/** A {@link RandomAccess} over an open file of known size. */
export function fileRandomAccess(name: string, file: Deno.FsFile, size: number): RandomAccess {
  let closed = false;
  return {
    name,
    size,
    // Synchronous reads of a regular file: each one is a page-cache copy, and an
    // asynchronous round trip per chunk left the thread idle most of the time.
    readAt(pos, into) {
      if (pos >= size) return Promise.resolve(0);
      file.seekSync(pos, Deno.SeekMode.Start);
      let got = 0;
      const want = Math.min(into.length, size - pos);
      while (got < want) {
        const n = file.readSync(into.subarray(got, want));
        if (n === null || n === 0) break;
        got += n;
      }
      return Promise.resolve(got);
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        file.close();
      } catch { /* already closed */ }
    },
  };
}

/** Opens `path` for positioned reads when it is a regular file; `undefined` otherwise. */
export async function openFileRandomAccess(path: string): Promise<RandomAccess | undefined> {
  try {
    const info = await Deno.stat(path);
    if (!info.isFile) return undefined;
    const file = await Deno.open(path, { read: true });
    return fileRandomAccess(path, file, info.size);
  } catch {
    return undefined;
  }
}

async function sameStart(ra: RandomAccess, head: Uint8Array): Promise<boolean> {
  const probe = new Uint8Array(Math.min(head.length, 4096));
  const n = await ra.readAt(0, probe);
  if (n !== probe.length) return false;
  for (let i = 0; i < n; i++) if (probe[i] !== head[i]) return false;
  return true;
}

/**
 * Random access for a trace.dat whose first bytes `head` were already read
 * from `source`. When the source names a regular file whose first bytes
 * match `head`, the file is reopened and read in place (constant memory);
 * otherwise the rest of the source is read into memory.
 */
export async function randomAccessFor(
  source: ByteSource,
  head: Uint8Array,
): Promise<RandomAccess> {
  if (source.name !== "-") {
    const ra = await openFileRandomAccess(source.name);
    if (ra !== undefined) {
      if (await sameStart(ra, head)) return ra;
      ra.close();
    }
  }
  const parts: Uint8Array[] = [head.slice()];
  while (true) {
    const chunk = new Uint8Array(1 << 20);
    const n = await source.read(chunk);
    // A source that returns 0 would otherwise spin: treat it as the end.
    if (n === null || n === 0) break;
    parts.push(chunk.subarray(0, n));
  }
  return memoryRandomAccess(source.name, concatBytes(parts));
}
