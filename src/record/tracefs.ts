/**
 * A tracefs instance kvmreq records through: reads and writes of its control
 * files, a log of every write (what `--dry-run` prints), and the snapshot /
 * restore of every setting a recording touches.
 *
 * @module
 */

import { join } from "node:path";

/** Where tracefs is normally mounted. */
export const TRACEFS_ROOT = "/sys/kernel/tracing";

/** A write to a control file (append: `>>`, else `>`). */
export interface TracefsWrite {
  /** Path relative to the tracefs root. */
  readonly file: string;
  /** Value written (without newline). */
  readonly value: string;
  /** Appended (`>>`) rather than truncated. */
  readonly append: boolean;
}

/** Access to one tracefs tree; in dry-run mode writes are only logged. */
export class Tracefs {
  /** Every write made (or, in dry-run mode, that would be made), in order. */
  readonly writes: TracefsWrite[] = [];

  /**
   * @param root the tracefs mount point
   * @param dryRun log writes without making them
   * @param onWrite called for each write (e.g. to print it)
   */
  constructor(
    readonly root: string,
    readonly dryRun: boolean,
    readonly onWrite?: (w: TracefsWrite) => void,
  ) {}

  /** The absolute path of `file`. */
  path(file: string): string {
    return join(this.root, file);
  }

  /** Reads a control file (trailing newline removed). */
  async read(file: string): Promise<string> {
    return (await Deno.readTextFile(this.path(file))).replace(/\n$/, "");
  }

  /** Whether `file` exists. */
  async exists(file: string): Promise<boolean> {
    try {
      await Deno.stat(this.path(file));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes `value` to `file` (`>`), or appends it (`>>`). */
  async write(file: string, value: string, append = false): Promise<void> {
    const w = { file, value, append };
    this.writes.push(w);
    this.onWrite?.(w);
    if (this.dryRun) return;
    await Deno.writeTextFile(this.path(file), value + "\n", { append });
  }
}

/** `echo 'value' > /sys/kernel/tracing/file`: a write as a shell command. */
export function formatWrite(t: Tracefs, w: TracefsWrite): string {
  const quoted = `'${w.value.replaceAll("'", `'\\''`)}'`;
  return `echo ${quoted} ${w.append ? ">>" : ">"} ${t.path(w.file)}`;
}

/** The selected entry of a `[a] b c`-style file (`trace_clock`). */
export function selectedChoice(text: string): string {
  const m = /\[([^\]]+)\]/.exec(text);
  return m === null ? text.trim() : m[1];
}
