/**
 * One `kvmreq record` run around the recorder: the output file, the journal
 * (lock, and what to undo after a SIGKILL), mounting tracefs, checking the
 * events before anything is written, signals, live lint, and the exit code
 * of the recording (not of the traced command, whose status is printed).
 *
 * @module
 */

import { basename } from "node:path";
import { InputError, SystemError } from "../ingest/errors.ts";
import { type EventCatalog, readEventCatalog, unknownSelectors } from "../record/event_select.ts";
import { DEFAULT_RUN_DIR, Journal, journalPath, readJournal } from "../record/journal.ts";
import { mountTracefs, tracefsMounted, unmountTracefs } from "../record/mount.ts";
import { eventsPlan, kvmPreset, type RecordPlan } from "../record/preset.ts";
import { type CommandEnd, CommandError, recordTrace } from "../record/recorder.ts";
import { instanceName, repairStale } from "../record/teardown.ts";
import { formatWrite, Tracefs, TRACEFS_ROOT } from "../record/tracefs.ts";
import type { LintResult } from "../check/lint_input.ts";
import { EXIT } from "./exit_codes.ts";
import { ruleOptionsFrom, selectRules } from "./lint_command.ts";
import { followLint } from "./lint_follow.ts";
import type { TextSink } from "./output.ts";
import { createOutputFile, type OutputFile } from "./output_file.ts";

/** What to record. */
export interface RecordRequest {
  /** Output file. */
  readonly output: string;
  /** Duration (a cap when a command runs). */
  readonly durationMs: number | undefined;
  /** Preset, used when `events` is empty. */
  readonly preset: "kvm" | "kvm-all";
  /** `set_event` selectors instead of the preset. */
  readonly events: readonly string[];
  /** Thread names the scheduler events are filtered to. */
  readonly comm: readonly string[];
  /** tracefs mount point. */
  readonly tracefs: string;
  /** Lint while recording. */
  readonly lint: boolean;
  /** Print the tracefs changes instead of making them. */
  readonly dryRun: boolean;
  /** The command to trace. */
  readonly argv: readonly string[];
  /** Where the journal lives (default: `KVMREQ_RUN_DIR`, else /run/kvmreq). */
  readonly runDir?: string;
}

const log = (m: string) => console.error(`kvmreq record: ${m}`);

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

function runDirOf(req: { readonly runDir?: string }): string {
  if (req.runDir !== undefined) return req.runDir;
  try {
    if (
      Deno.permissions.querySync({ name: "env", variable: "KVMREQ_RUN_DIR" }).state === "granted"
    ) {
      return Deno.env.get("KVMREQ_RUN_DIR") ?? DEFAULT_RUN_DIR;
    }
  } catch { /* default */ }
  return DEFAULT_RUN_DIR;
}

function planOf(req: RecordRequest): RecordPlan {
  if (req.events.length > 0) {
    const plan = eventsPlan(req.events, req.comm);
    if (plan === undefined) {
      throw new InputError(
        "--comm",
        0,
        "filters the scheduler events sched_waking, sched_wakeup and sched_switch, and --events " +
          `enables none of them (${
            req.events.join(",")
          }); add them (--events sched:sched_waking,…) ` +
          "or drop --comm",
      );
    }
    return plan;
  }
  const comms = req.comm.length > 0 ? req.comm : [
    ...(req.argv.length > 0 ? [`${basename(req.argv[0]).slice(0, 15)}*`] : ["qemu*"]),
    "CPU *",
  ];
  return kvmPreset(comms, [], req.preset === "kvm-all");
}

/** Refuses what the tracefs at `top` cannot record, before anything is written. */
async function checkTracefs(top: Tracefs, plan: RecordPlan, req: RecordRequest): Promise<void> {
  if (!(await top.exists("instances"))) {
    throw new SystemError(
      `${top.root}: no instances directory; this tracefs cannot make the instance kvmreq records in`,
    );
  }
  let catalog: EventCatalog;
  try {
    catalog = await readEventCatalog(top.path("events"));
  } catch (err) {
    throw new SystemError(`${top.path("events")}: cannot list the events: ${String(err)}`);
  }
  if (req.events.length === 0 && !catalog.has("kvm")) {
    throw new InputError(
      top.path("events/kvm"),
      0,
      "this kernel has no kvm events (is the kvm module loaded?); the kvm preset needs them — " +
        "record other events with --events",
    );
  }
  const unknown = unknownSelectors(plan.setEvent, catalog);
  if (unknown.length > 0) {
    throw new InputError(
      "--events",
      0,
      `${unknown.join("; ")} (in ${top.path("events")}; see available_events)`,
    );
  }
  if (req.events.length === 0) {
    try {
      await Deno.stat("/dev/kvm");
    } catch {
      log("no /dev/kvm here: no KVM guest can run, so only the host side is recorded");
    }
  }
}

function describeEnd(argv: readonly string[], end: CommandEnd): string {
  const cmd = argv.join(" ");
  const shown = cmd.length > 60 ? `${cmd.slice(0, 57)}…` : cmd;
  return end.signal !== null
    ? `\`${shown}\` was ended by ${end.signal}`
    : `\`${shown}\` exited with status ${end.code}`;
}

function liveLint(output: OutputFile, out: TextSink, writerDone: AbortSignal) {
  const { rules, severities } = selectRules({ rule: [], disable: [] }, undefined);
  return followLint(
    output.writePath,
    { name: output.path },
    {
      rules,
      severities,
      ruleOptions: ruleOptionsFrom({ latencyThresholdMs: undefined }, undefined),
    },
    out,
    new AbortController().signal,
    writerDone,
  );
}

/** Records as `req` says; returns the exit code. */
export async function recordSession(req: RecordRequest, out: TextSink): Promise<number> {
  const plan = planOf(req);
  const top = new Tracefs(
    req.tracefs,
    req.dryRun,
    req.dryRun ? (w) => void out.write(formatWrite(w) + "\n") : undefined,
  );
  const instance = instanceName(Deno.pid);
  if (req.dryRun) {
    if (await top.exists("events")) await checkTracefs(top, plan, req);
    await recordTrace({
      tracefs: top,
      instance,
      plan,
      output: undefined,
      command: req.argv,
      durationMs: req.durationMs,
      log,
      signal: new AbortController().signal,
    });
    return EXIT.ok;
  }

  const output = await createOutputFile(req.output, {
    mode: 0o600,
    sudoOwner: true,
    cleanupOnSignal: false,
  });
  const abort = new AbortController();
  let caught: string | undefined;
  const listeners = Object.keys(SIGNAL_EXIT).map((name) => {
    const fn = () => {
      if (caught === undefined) caught = name;
      else log(`${name}: still putting tracefs back, please wait`);
      abort.abort();
    };
    Deno.addSignalListener(name as Deno.Signal, fn);
    return [name as Deno.Signal, fn] as const;
  });
  const writerDone = new AbortController();
  let live: Promise<LintResult> | undefined;
  let journal: Journal | undefined;
  let mounted = false;
  const problems: string[] = [];
  let recorded: Awaited<ReturnType<typeof recordTrace>> | undefined;
  try {
    journal = await Journal.acquire(runDirOf(req), req.tracefs, async (stale) => {
      log(
        `a recording (pid ${stale.pid}, since ${stale.since}) ended without cleaning up; repairing`,
      );
      const r = await repairStale(stale, new Tracefs(stale.tracefs, false));
      for (const d of r.done) log(d);
      if (r.problems.length > 0) {
        throw new SystemError(`could not repair: ${r.problems.join("; ")}`);
      }
    }, log);
    if (!(await tracefsMounted(req.tracefs)) && !(await top.exists("tracing_on"))) {
      if (req.tracefs !== TRACEFS_ROOT) {
        throw new InputError(req.tracefs, 0, "no tracefs here (no tracing_on file)");
      }
      await journal.update({ mounted: true });
      log(`mounting tracefs on ${req.tracefs} (unmounted again at the end)`);
      const why = await mountTracefs(req.tracefs);
      if (why !== undefined) {
        await journal.update({ mounted: false });
        throw new SystemError(
          `${req.tracefs}: tracefs is not mounted and mounting it failed: ${why}`,
        );
      }
      mounted = true;
    }
    await checkTracefs(top, plan, req);
    recorded = await recordTrace({
      tracefs: top,
      instance,
      plan,
      output: output.file,
      command: req.argv,
      durationMs: req.durationMs,
      log,
      signal: abort.signal,
      journal,
      onStarted: req.lint ? () => (live = liveLint(output, out, writerDone.signal)) : undefined,
    });
    problems.push(...recorded.problems);
  } catch (err) {
    writerDone.abort();
    await live?.catch(() => {});
    await output.discard();
    throw err instanceof CommandError ? new InputError(err.command, 0, err.message) : err;
  } finally {
    writerDone.abort();
    if (mounted) {
      const why = await unmountTracefs(req.tracefs);
      if (why !== undefined) problems.push(`umount ${req.tracefs}: ${why}`);
      else await journal?.update({ mounted: false });
    }
    if (problems.length === 0) await journal?.release();
    for (const [name, fn] of listeners) Deno.removeSignalListener(name, fn);
  }
  const linted = await live;
  const r = recorded!;
  if (r.command !== undefined) log(describeEnd(req.argv, r.command));
  if (r.interrupted && r.bytes === 0) {
    await output.discard();
    log(`interrupted before anything was recorded; ${req.output} left as it was`);
  } else {
    await output.commit();
    log(`${r.bytes} bytes written to ${req.output}${r.interrupted ? " (interrupted)" : ""}`);
  }
  if (problems.length > 0) {
    for (const p of problems) log(`could not undo: ${p}`);
    log(`tracefs is NOT as it was; \`kvmreq record --repair\` retries (journal: ${journal?.path})`);
    return EXIT.internal;
  }
  log("tracefs left as it was");
  if (caught !== undefined) return SIGNAL_EXIT[caught];
  if (linted !== undefined && linted.findings.some((f) => f.severity === "error")) {
    return EXIT.findings;
  }
  return EXIT.ok;
}

/** `kvmreq record --repair`: undoes what a killed recording left; returns the exit code. */
export async function repairSession(tracefs: string, out: TextSink): Promise<number> {
  const path = journalPath(runDirOf({}), tracefs);
  const entry = await readJournal(path, log);
  const r = await repairStale(entry, new Tracefs(tracefs, false));
  for (const d of r.done) await out.write(`${d}\n`);
  for (const p of r.problems) await out.write(`could not undo: ${p}\n`);
  if (r.problems.length > 0) return EXIT.internal;
  if (entry !== undefined) await Deno.remove(path).catch(() => {});
  if (r.done.length === 0) {
    await out.write("nothing to repair: no kvmreq recording left anything\n");
  }
  return EXIT.ok;
}
