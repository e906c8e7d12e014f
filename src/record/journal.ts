/**
 * The record journal: a file (in /run/kvmreq, which like tracefs's state
 * does not outlive a reboot) saying which kvmreq process is recording and
 * what it changed — whether it mounted tracefs, which instance it made, and
 * whether it turned on record-tgid there. Each change is written to the
 * journal before it is made, so a recording killed with SIGKILL leaves
 * enough for the next run (or `kvmreq record --repair`) to undo it. The
 * journal is created exclusively: it is also the lock that refuses a second
 * recording while one runs.
 *
 * @module
 */

import { join } from "node:path";
import { describeOsError } from "../ingest/byte_source.ts";
import { InputError } from "../ingest/errors.ts";

/** Where journals live unless told otherwise (`KVMREQ_RUN_DIR`). */
export const DEFAULT_RUN_DIR = "/run/kvmreq";

/** What one recording changed (or is about to change). */
export interface JournalEntry {
  /** The recording process. */
  readonly pid: number;
  /** Its start time (field 22 of /proc/PID/stat): a pid reused by another process does not match. */
  readonly startTime: string;
  /** When the recording began (ISO 8601). */
  readonly since: string;
  /** The tracefs mount point. */
  readonly tracefs: string;
  /** kvmreq mounted tracefs (and must unmount it). */
  readonly mounted: boolean;
  /** The instance kvmreq made (under `instances/`). */
  readonly instance?: string;
  /** kvmreq turned the instance's record-tgid option on (it must turn it off again). */
  readonly recordTgid: boolean;
}

/** A second recording while one runs. */
export class RecordBusyError extends InputError {
  /**
   * Refuses a recording while another runs.
   *
   * @param entry the running recording's journal
   */
  constructor(readonly entry: JournalEntry) {
    super(
      "kvmreq record",
      0,
      `another recording (kvmreq pid ${entry.pid}, since ${entry.since}) is using ${entry.tracefs}; ` +
        `wait for it to end (tracefs allows one kvmreq recording at a time)`,
    );
    this.name = "RecordBusyError";
  }
}

/** The start time of process `pid`, or undefined when there is none. */
export async function processStartTime(pid: number): Promise<string | undefined> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces and parentheses).
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19]; // field 22 overall: starttime
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `entry` still runs. */
export async function journalOwnerAlive(entry: JournalEntry): Promise<boolean> {
  return (await processStartTime(entry.pid)) === entry.startTime;
}

/** The journal file for a tracefs mount point. */
export function journalPath(runDir: string, tracefs: string): string {
  const key = tracefs.replace(/^\/+|\/+$/g, "").replace(/[^A-Za-z0-9._-]+/g, "_") || "root";
  return join(runDir, `record-${key}.json`);
}

/** Reads a journal; undefined when there is none (or it is unreadable, which is said through `log`). */
export async function readJournal(
  path: string,
  log: (m: string) => void,
): Promise<JournalEntry | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new InputError(path, 0, `cannot read the record journal: ${describeOsError(err)}`);
  }
  try {
    const e = JSON.parse(text) as JournalEntry;
    if (typeof e.pid === "number" && typeof e.tracefs === "string") return e;
  } catch { /* below */ }
  log(`${path}: not a record journal (ignored and replaced)`);
  return undefined;
}

/** An acquired journal: the lock is held until {@link Journal.release}. */
export class Journal {
  #entry: JournalEntry;

  private constructor(readonly path: string, entry: JournalEntry) {
    this.#entry = entry;
  }

  /** The current entry. */
  get entry(): JournalEntry {
    return this.#entry;
  }

  /**
   * Creates the journal for `tracefs` exclusively. When one exists: a live
   * owner is refused with {@link RecordBusyError}; a dead owner's journal is
   * handed to `repair` (which undoes what it says) and then replaced.
   */
  static async acquire(
    runDir: string,
    tracefs: string,
    repair: (stale: JournalEntry) => Promise<void>,
    log: (m: string) => void,
  ): Promise<Journal> {
    try {
      await Deno.mkdir(runDir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new InputError(
        runDir,
        0,
        `cannot create the record journal's directory: ${describeOsError(err)}`,
      );
    }
    const path = journalPath(runDir, tracefs);
    const entry: JournalEntry = {
      pid: Deno.pid,
      startTime: (await processStartTime(Deno.pid)) ?? "",
      since: new Date().toISOString(),
      tracefs,
      mounted: false,
      recordTgid: false,
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await Deno.writeTextFile(path, JSON.stringify(entry) + "\n", {
          createNew: true,
          mode: 0o600,
        });
        return new Journal(path, entry);
      } catch (err) {
        if (!(err instanceof Deno.errors.AlreadyExists)) {
          throw new InputError(path, 0, `cannot write the record journal: ${describeOsError(err)}`);
        }
      }
      const other = await readJournal(path, log);
      if (other !== undefined) {
        if (await journalOwnerAlive(other)) throw new RecordBusyError(other);
        await repair(other);
      }
      await Deno.remove(path).catch(() => {});
    }
    throw new InputError(
      path,
      0,
      "the record journal keeps reappearing; is another kvmreq starting?",
    );
  }

  /** Records a change before it is made (written to a temporary file, then renamed over the journal). */
  async update(change: Partial<Omit<JournalEntry, "pid" | "startTime">>): Promise<void> {
    this.#entry = { ...this.#entry, ...change };
    const tmp = `${this.path}.${Deno.pid}.tmp`;
    await Deno.writeTextFile(tmp, JSON.stringify(this.#entry) + "\n", { mode: 0o600 });
    await Deno.rename(tmp, this.path);
  }

  /** Removes the journal: everything it listed was undone. */
  async release(): Promise<void> {
    await Deno.remove(this.path).catch(() => {});
  }
}
