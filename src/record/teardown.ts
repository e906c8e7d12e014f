/**
 * Undoing a recording: removing kvmreq's tracefs instance (after its normal
 * end, or what a killed run left, found through the journal), and
 * unmounting a tracefs kvmreq mounted. Every step runs whatever the others
 * did, and what could not be undone is returned as text to report.
 *
 * @module
 */

import { TracefsError } from "./tracefs.ts";
import type { Tracefs } from "./tracefs.ts";
import { type JournalEntry, journalOwnerAlive, processStartTime } from "./journal.ts";
import { tracefsMounted, unmountTracefs } from "./mount.ts";

/** Reads the trigger lines of an event (comment lines dropped). */
export async function readTriggers(t: Tracefs, eventDir: string): Promise<string[]> {
  const text = await t.read(`${eventDir}/trigger`);
  return text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));
}

const INSTANCE_PREFIX = "kvmreq-";

/** The instance name a recording by process `pid` uses. */
export function instanceName(pid: number): string {
  return `${INSTANCE_PREFIX}${pid}`;
}

function reason(err: unknown): string {
  return err instanceof TracefsError
    ? `${err.action}: ${err.reason}`
    : err instanceof Error
    ? err.message
    : String(err);
}

/**
 * Removes the instance `name` of `top`. When the recording turned the
 * instance's record-tgid on (`recordTgid`), it is turned off first, but only
 * while the top level's is off: the kernel applies that option's change to
 * the enabled events of every instance (kernel/trace/trace_events.c:
 * trace_event_enable_tgid_record()), so turning it off while the top level
 * records tgids would stop that for the user's own events. Removing the
 * instance disables its events, which releases their own references.
 * A busy instance (a reader still has its trace_pipe open) is retried for a
 * second. Returns what could not be done.
 */
export async function removeRecordingInstance(
  top: Tracefs,
  name: string,
  recordTgid: boolean,
): Promise<string[]> {
  const t = top.instance(name);
  if (!top.dryRun && !(await top.exists(`instances/${name}`))) return [];
  const problems: string[] = [];
  try {
    await t.write("tracing_on", "0");
  } catch (err) {
    problems.push(`instances/${name}/tracing_on: ${reason(err)}`);
  }
  if (recordTgid) {
    try {
      const topTgid = top.dryRun ? "0" : await top.read("options/record-tgid");
      if (topTgid === "0") await t.write("options/record-tgid", "0");
    } catch (err) {
      problems.push(`instances/${name}/options/record-tgid: ${reason(err)}`);
    }
  }
  for (let attempt = 0;; attempt++) {
    try {
      await top.removeInstance(name);
      break;
    } catch (err) {
      const busy = err instanceof TracefsError && /busy/i.test(err.reason);
      if (busy && attempt < 10) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      problems.push(`instances/${name}: ${reason(err)}`);
      break;
    }
  }
  return problems;
}

/** Instances named like a recording's whose process no longer runs. */
export async function orphanInstances(top: Tracefs): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(top.path("instances"))) {
      const m = /^kvmreq-(\d+)$/.exec(e.name);
      if (m !== null && (await processStartTime(Number(m[1]))) === undefined) names.push(e.name);
    }
  } catch { /* no instances directory */ }
  return names.sort();
}

/** What a repair did and could not do. */
export interface RepairReport {
  /** Steps done, as sentences. */
  readonly done: string[];
  /** Steps that failed. */
  readonly problems: string[];
}

/**
 * Undoes what the journal `entry` of a recording that no longer runs says it
 * changed: its instance (and any other orphaned kvmreq instance) is removed,
 * and a tracefs it mounted is unmounted.
 */
export async function repairStale(
  entry: JournalEntry | undefined,
  top: Tracefs,
): Promise<RepairReport> {
  const done: string[] = [];
  const problems: string[] = [];
  if (entry !== undefined && (await journalOwnerAlive(entry))) {
    problems.push(`the recording (pid ${entry.pid}) still runs; it cleans up after itself`);
    return { done, problems };
  }
  const mounted = await tracefsMounted(top.root);
  if (await top.exists("instances")) {
    const names = new Set(await orphanInstances(top));
    if (entry?.instance !== undefined && (await top.exists(`instances/${entry.instance}`))) {
      names.add(entry.instance);
    }
    for (const name of names) {
      const failed = await removeRecordingInstance(
        top,
        name,
        name === entry?.instance && entry.recordTgid,
      );
      if (failed.length === 0) {
        done.push(`removed tracefs instance ${top.path(`instances/${name}`)}`);
      }
      problems.push(...failed);
    }
  }
  if (entry?.mounted && mounted) {
    const why = await unmountTracefs(top.root);
    if (why === undefined) done.push(`unmounted ${top.root} (the recording had mounted it)`);
    else problems.push(`umount ${top.root}: ${why}`);
  }
  return { done, problems };
}
