/**
 * A byte source for live input (`lint --follow`): a FIFO such as
 * /sys/kernel/tracing/trace_pipe, or a regular file still being written.
 * When no data arrives for `idleMs` it returns 0 bytes, which tells the
 * reader to release the records it holds back, so findings come out while
 * the input is quiet. A FIFO ends when its writer closes it; a regular file
 * is followed (like `tail -f`) until the signal aborts.
 *
 * @module
 */

import { type ByteSource, describeOsError } from "./byte_source.ts";
import { InputError } from "./errors.ts";

/** Options of {@link openFollowSource}. */
export interface FollowOptions {
  /** Ends the input (SIGINT). */
  readonly signal: AbortSignal;
  /** For a regular file: once aborted, the writer is done and the next end of file ends the input. */
  readonly writerDone?: AbortSignal;
  /**
   * Quiet time after which a read returns 0 bytes.
   * @default 200
   */
  readonly idleMs?: number;
  /** The name the input goes by in messages (default: its path). */
  readonly name?: string;
}

/** Opens `path` (`-` for stdin) for following. */
export async function openFollowSource(path: string, options: FollowOptions): Promise<ByteSource> {
  const idleMs = options.idleMs ?? 200;
  let file: Deno.FsFile | undefined;
  let regular = false;
  if (path === "-") {
    file = undefined;
  } else {
    try {
      regular = (await Deno.stat(path)).isFile;
      file = await Deno.open(path, { read: true });
    } catch (err) {
      throw new InputError(path, 0, `cannot open: ${describeOsError(err)}`);
    }
  }
  const readInto = (b: Uint8Array) => (file === undefined ? Deno.stdin.read(b) : file.read(b));
  const own = new Uint8Array(1 << 20);
  let pending: Promise<number | null> | undefined;
  const aborted = new Promise<"abort">((resolve) => {
    if (options.signal.aborted) resolve("abort");
    options.signal.addEventListener("abort", () => resolve("abort"), { once: true });
  });
  return {
    name: options.name ?? path,
    async read(into) {
      while (true) {
        if (options.signal.aborted) return null;
        if (pending === undefined) {
          pending = readInto(own.subarray(0, Math.min(own.length, into.length)));
          pending.catch(() => {}); // a read cut short by close() at the end is not an error
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const idle = new Promise<"idle">((
          resolve,
        ) => (timer = setTimeout(() => resolve("idle"), idleMs)));
        const r = await Promise.race([pending, idle, aborted]);
        clearTimeout(timer);
        if (r === "abort") return null;
        if (r === "idle") return 0;
        pending = undefined;
        if (r === null) {
          if (!regular) return null; // FIFO or stdin: the writer closed it.
          if (options.writerDone?.aborted) return null;
          const wait = await Promise.race([
            new Promise<"idle">((res) => setTimeout(() => res("idle"), idleMs)),
            aborted,
          ]);
          if (wait === "abort") return null;
          return 0;
        }
        into.set(own.subarray(0, r));
        return r;
      }
    },
    close() {
      try {
        file?.close();
      } catch { /* closed */ }
    },
  };
}
