/**
 * Progress on standard error for long reads: shown only when stderr is a
 * terminal, at most a few times a second, and erased when done.
 *
 * @module
 */

/** Reports read progress for one input. */
export interface Progress {
  /** Called after each batch with the bytes read so far. */
  update(bytes: number): void;
  /** Erases the progress line. */
  done(): void;
}

import { termSafe } from "../report/term_safe.ts";

const NO_PROGRESS: Progress = { update() {}, done() {} };

/** A progress line for `name` of `total` bytes (0 when unknown), or a no-op when stderr is not a TTY. */
export function startProgress(
  name: string,
  total: number,
  enabled = Deno.stderr.isTerminal(),
): Progress {
  if (!enabled) return NO_PROGRESS;
  const start = performance.now();
  let last = 0;
  let shown = false;
  const enc = new TextEncoder();
  return {
    update(bytes) {
      const now = performance.now();
      if (now - last < 250 || now - start < 500) return;
      last = now;
      const mb = bytes / 1e6;
      const rate = mb / ((now - start) / 1000);
      const pct = total > 0 ? ` ${(100 * bytes / total).toFixed(1)}%` : "";
      Deno.stderr.writeSync(
        enc.encode(`\r\x1b[K${termSafe(name)}:${pct} ${mb.toFixed(1)} MB, ${rate.toFixed(0)} MB/s`),
      );
      shown = true;
    },
    done() {
      if (shown) Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
    },
  };
}
