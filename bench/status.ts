/**
 * A one-line status on standard error for the benchmark's long steps
 * (building inputs, each measured run), shown only when stderr is a
 * terminal and erased before results are printed.
 *
 * @module
 */

const enc = new TextEncoder();

/** A status line that is rewritten in place. */
export interface StatusLine {
  /** Replaces the line with `text`. */
  show(text: string): void;
  /** Erases the line. */
  clear(): void;
}

/** A status line on stderr, or a no-op when stderr is not a terminal. */
export function statusLine(enabled = Deno.stderr.isTerminal()): StatusLine {
  let shown = false;
  return {
    show(text) {
      if (!enabled) return;
      Deno.stderr.writeSync(enc.encode(`\r\x1b[K${text}`));
      shown = true;
    },
    clear() {
      if (!enabled || !shown) return;
      Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
      shown = false;
    },
  };
}
