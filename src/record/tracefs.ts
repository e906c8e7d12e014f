/**
 * A tracefs tree kvmreq records through: whole reads of its control files,
 * writes that fail with the file and the kernel's reason, instance
 * directories, and a log of every change (what `--dry-run` prints).
 *
 * @module
 */

import { join } from "node:path";
import { concatBytes, describeOsError } from "../ingest/byte_source.ts";
import { SystemError } from "../ingest/errors.ts";

/** Where tracefs is normally mounted. */
export const TRACEFS_ROOT = "/sys/kernel/tracing";

/** A change to tracefs: a write to a control file (append: `>>`, else `>`), or an instance made or removed. */
export interface TracefsWrite {
  /** Path relative to the tree written (the tracefs root, or an instance directory). */
  readonly file: string;
  /** Absolute path. */
  readonly path: string;
  /** Value written (without newline); for `mkdir`/`rmdir`, empty. */
  readonly value: string;
  /** Appended (`>>`) rather than truncated. */
  readonly append: boolean;
  /** What the change is (a write when absent). */
  readonly op?: "mkdir" | "rmdir";
}

/** A tracefs write the kernel refused (EINVAL for a bad filter, ENOENT for an unknown event, …). */
export class TracefsError extends SystemError {
  /**
   * A tracefs operation the kernel refused.
   *
   * @param file the control file, relative to the tracefs root
   * @param action what was attempted (`write 'x'`, `mkdir`, `read`)
   * @param reason the OS error, in words
   */
  constructor(readonly file: string, readonly action: string, readonly reason: string) {
    super(`${file}: ${action} failed: ${reason}`);
    this.name = "TracefsError";
  }
}

/** Access to one tracefs tree (the top one, or an instance); in dry-run mode changes are only logged. */
export class Tracefs {
  /** Every change made (or, in dry-run mode, that would be made), in order; shared with instances. */
  readonly writes: TracefsWrite[];

  /**
   * Access to the tracefs tree at `root`.
   *
   * @param root the tracefs mount point (or an instance directory)
   * @param dryRun log changes without making them
   * @param onWrite called for each change (e.g. to print it)
   * @param log the change log to append to (an instance shares its parent's)
   */
  constructor(
    readonly root: string,
    readonly dryRun: boolean,
    readonly onWrite?: (w: TracefsWrite) => void,
    log?: TracefsWrite[],
  ) {
    this.writes = log ?? [];
  }

  /** The absolute path of `file`. */
  path(file: string): string {
    return join(this.root, file);
  }

  /** Reads a control file whole (trailing newline removed); see {@link readControlFile}. */
  async read(file: string): Promise<string> {
    try {
      return (await readControlFile(this.path(file))).replace(/\n$/, "");
    } catch (err) {
      throw new TracefsError(file, "read", describeOsError(err));
    }
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

  /** Writes `value` to `file` (`>`), or appends it (`>>`); a refusal throws {@link TracefsError}. */
  async write(file: string, value: string, append = false): Promise<void> {
    this.logChange({ file, path: this.path(file), value, append });
    if (this.dryRun) return;
    try {
      await Deno.writeTextFile(this.path(file), value + "\n", { append });
    } catch (err) {
      throw new TracefsError(file, `write '${value}'`, describeOsError(err));
    }
  }

  /** The instance `name` under `instances/` (not created). */
  instance(name: string): Tracefs {
    return new Tracefs(this.path(`instances/${name}`), this.dryRun, this.onWrite, this.writes);
  }

  /** Creates the instance `name` (tracefs fills the directory with its own control files). */
  async makeInstance(name: string): Promise<Tracefs> {
    const file = `instances/${name}`;
    this.logChange({ file, path: this.path(file), value: "", append: false, op: "mkdir" });
    if (!this.dryRun) {
      try {
        await Deno.mkdir(this.path(file));
      } catch (err) {
        throw new TracefsError(file, "mkdir", describeOsError(err));
      }
    }
    return this.instance(name);
  }

  /** Removes the instance `name`, with its buffers, events, filters and triggers. */
  async removeInstance(name: string): Promise<void> {
    const file = `instances/${name}`;
    this.logChange({ file, path: this.path(file), value: "", append: false, op: "rmdir" });
    if (this.dryRun) return;
    try {
      await Deno.remove(this.path(file));
    } catch (err) {
      throw new TracefsError(file, "rmdir", describeOsError(err));
    }
  }

  /** Records a change in the log (and tells `onWrite`). */
  protected logChange(w: TracefsWrite): void {
    this.writes.push(w);
    this.onWrite?.(w);
  }
}

/** The first read's size: a tracefs file that answers only at offset 0 must fit in it whole. */
const READ_CHUNK = 1 << 16;

/**
 * Reads a control file whole. Several tracefs files (an event's `filter`,
 * kernel/trace/trace_events_filter.c: event_filter_read()) return their text
 * only to a read at offset 0 and 0 bytes to any later read, so a reader that
 * probes with a small first read (Rust's `read_to_end`, behind
 * `Deno.readTextFile`, reads 32 bytes first when the size is 0, as tracefs
 * reports) gets the text cut at 32 bytes. Here the first read asks for 64 KiB
 * (a filter is printed into one page-sized trace_seq), later reads follow
 * until end of file (seq_file files such as `set_event` continue correctly).
 */
export async function readControlFile(path: string): Promise<string> {
  const file = await Deno.open(path, { read: true });
  try {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const buf = new Uint8Array(READ_CHUNK);
      const n = await file.read(buf);
      if (n === null || n === 0) break;
      chunks.push(buf.subarray(0, n));
    }
    return new TextDecoder().decode(concatBytes(chunks));
  } finally {
    file.close();
  }
}

/** A change as a shell command: `echo 'value' > /sys/kernel/tracing/file`, `mkdir …`, `rmdir …`. */
export function formatWrite(w: TracefsWrite): string {
  if (w.op !== undefined) return `${w.op} ${w.path}`;
  const quoted = `'${w.value.replaceAll("'", `'\\''`)}'`;
  return `echo ${quoted} ${w.append ? ">>" : ">"} ${w.path}`;
}

/** The selected entry of a `[a] b c`-style file (`trace_clock`). */
export function selectedChoice(text: string): string {
  const m = /\[([^\]]+)\]/.exec(text);
  return m === null ? text.trim() : m[1];
}
