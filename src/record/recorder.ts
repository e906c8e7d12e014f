/**
 * A recording: make a tracefs instance of kvmreq's own, apply the plan to it,
 * stream its `trace_pipe` to a file while a command runs (or for a
 * duration), then remove the instance — on success, error, SIGINT and
 * SIGTERM alike.
 *
 * The machine's own tracing settings (the top-level buffer, its events,
 * filters, triggers, clock, options, buffer size) are never written: an
 * instance (kernel/trace/trace.c: trace_array_create()) has its own ring
 * buffer, events, filters, triggers, clock and options, and removing it
 * (__remove_instance(), event_trace_del_tracer()) frees all of them. Nothing
 * has to be snapshotted or restored, so nothing can be restored wrongly —
 * including the top-level buffer's unexpanded state (`7 (expanded: 1408)`),
 * which no write can bring back once an event is enabled there
 * (trace_set_ring_buffer_expanded() is one-way, and ftrace_event_write()
 * expands the buffer on any write to set_event).
 *
 * @module
 */

import type { JournalEntry } from "./journal.ts";
import type { RecordPlan } from "./preset.ts";
import type { Tracefs } from "./tracefs.ts";
import { readTriggers, removeRecordingInstance } from "./teardown.ts";

/** Settings of {@link recordTrace}. */
export interface RecordSettings {
  /** The tracefs (top level) to make the instance in. */
  readonly tracefs: Tracefs;
  /** The instance's name (under `instances/`). */
  readonly instance: string;
  /** What to enable. */
  readonly plan: RecordPlan;
  /** Where the trace_pipe stream goes (absent in a dry run). */
  readonly output: { write(p: Uint8Array): Promise<number> } | undefined;
  /** Record while this command runs (argv). */
  readonly command: readonly string[];
  /** Or for this long (also a cap when a command is given). */
  readonly durationMs: number | undefined;
  /** Progress and notices. */
  readonly log: (message: string) => void;
  /** Aborted by SIGINT/SIGTERM: stops setup, the command, or the wait. */
  readonly signal: AbortSignal;
  /** Told of each change before it is made (the journal). */
  readonly journal?: { update(change: Partial<JournalEntry>): Promise<void> };
  /** Called once tracing is on (for live lint), optional. */
  readonly onStarted?: () => void;
}

/** How the traced command ended. */
export interface CommandEnd {
  /** Its exit code (128 + signal number when a signal ended it). */
  readonly code: number;
  /** The signal that ended it, if one did. */
  readonly signal: string | null;
}

/** What happened. */
export interface RecordOutcome {
  /** Bytes written to the output. */
  readonly bytes: number;
  /** How the command ended, when one ran. */
  readonly command: CommandEnd | undefined;
  /** Stopped by a signal. */
  readonly interrupted: boolean;
  /** What could not be undone (empty when the instance is gone). */
  readonly problems: readonly string[];
}

/** A signal arrived during setup. */
class Interrupted extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(id);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const id = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Applies `plan` to the instance `t`; stops with {@link Interrupted} as soon as `signal` aborts. */
async function applyPlan(
  t: Tracefs,
  plan: RecordPlan,
  s: RecordSettings,
  state: { recordTgid: boolean },
) {
  const step = async (f: () => Promise<void>) => {
    if (s.signal.aborted) throw new Interrupted();
    await f();
  };
  await step(() => t.write("tracing_on", "0"));
  await step(() => t.write("trace_clock", plan.clock));
  await step(() => t.write("buffer_size_kb", String(plan.bufferSizeKb)));
  for (const [o, v] of plan.options) {
    if (!t.dryRun && !(await t.exists(`options/${o}`))) continue;
    const before = t.dryRun ? "0" : await t.read(`options/${o}`);
    if (before === v) continue;
    if (o === "record-tgid" && v === "1") {
      await s.journal?.update({ recordTgid: true });
      state.recordTgid = true;
    }
    await step(() => t.write(`options/${o}`, v));
  }
  for (const e of plan.setEvent) await step(() => t.write("set_event", e, true));
  for (const [dir, f] of plan.filters) {
    await step(() => t.write(`${dir}/filter`, f));
    if (!t.dryRun) {
      const back = await t.read(`${dir}/filter`);
      if (back.trim() !== f.trim()) s.log(`${dir}/filter reads back as '${back}' (wrote '${f}')`);
    }
  }
  for (const [dir, lines] of plan.triggers) {
    const existing = t.dryRun ? [] : await readTriggers(t, dir);
    for (const line of lines) {
      const type = line.split(/[ :]/)[0];
      if (existing.some((e) => e.startsWith(type))) continue;
      await step(() => t.write(`${dir}/trigger`, line));
    }
  }
}

/** Records a trace; always removes its instance before returning or throwing. */
export async function recordTrace(s: RecordSettings): Promise<RecordOutcome> {
  const top = s.tracefs;
  const state = { recordTgid: false };
  const stopPolling = new AbortController();
  let poller: Promise<void> | undefined;
  let bytes = 0;
  let command: CommandEnd | undefined;
  let interrupted = false;
  let made = false;
  let problems: string[] = [];
  try {
    if (s.signal.aborted) throw new Interrupted();
    await s.journal?.update({ instance: s.instance });
    const t = await top.makeInstance(s.instance);
    made = true;
    await applyPlan(t, s.plan, s, state);
    if (s.output !== undefined && !t.dryRun) {
      poller = pollTracePipe(
        t.path("trace_pipe"),
        s.output,
        stopPolling.signal,
        (n) => (bytes += n),
      );
    }
    if (s.signal.aborted) throw new Interrupted();
    await t.write("tracing_on", "1");
    s.onStarted?.();
    if (s.command.length > 0) {
      const shown = `\`${s.command.join(" ")}\``;
      s.log(
        t.dryRun
          ? `dry run: would record while ${shown} runs (it is not run)`
          : `recording while ${shown} runs`,
      );
      if (!t.dryRun) command = await runCommand(s.command, s.durationMs, s.signal);
    } else {
      const ms = s.durationMs ?? 10_000;
      s.log(`${t.dryRun ? "dry run: would record" : "recording"} for ${ms / 1000} s`);
      if (!t.dryRun) await sleep(ms, s.signal);
    }
    await t.write("tracing_on", "0");
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
  } finally {
    stopPolling.abort();
    await poller;
    interrupted = s.signal.aborted;
    if (made) problems = await removeRecordingInstance(top, s.instance, state.recordTgid);
  }
  return { bytes, command, interrupted, problems };
}

/** How often trace_pipe is polled. */
const POLL_MS = 50;

async function writeAll(out: { write(p: Uint8Array): Promise<number> }, data: Uint8Array) {
  let off = 0;
  while (off < data.length) off += await out.write(data.subarray(off));
}

/**
 * Copies trace_pipe to `out` by polling it with non-blocking reads until
 * `stop`, then drains it. A blocking reader would be woken (by irq_work and
 * its IPIs) for every event, and those wakeups are themselves ipi/csd events:
 * the reader would fill the buffer with its own traffic.
 */
async function pollTracePipe(
  pipe: string,
  out: { write(p: Uint8Array): Promise<number> },
  stop: AbortSignal,
  onBytes: (n: number) => void,
): Promise<void> {
  const drainOnce = async (): Promise<number> => {
    const r = await new Deno.Command("dd", {
      args: [`if=${pipe}`, "iflag=nonblock", "bs=1048576", "status=none"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (r.stdout.length > 0) {
      await writeAll(out, r.stdout);
      onBytes(r.stdout.length);
    }
    return r.stdout.length;
  };
  while (!stop.aborted) {
    await drainOnce();
    await sleep(POLL_MS, stop);
  }
  // Drain what is left (bounded: a regular file, as in tests, never reads empty).
  for (let i = 0; i < 16 && (await drainOnce()) > 0; i++) { /* again */ }
}

async function runCommand(
  argv: readonly string[],
  capMs: number | undefined,
  signal: AbortSignal,
): Promise<CommandEnd> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      stdin: "inherit",
      stdout: "inherit",
      stderr: "inherit",
    }).spawn();
  } catch (err) {
    throw new CommandError(argv[0], err);
  }
  const stop = () => {
    try {
      child.kill("SIGTERM");
    } catch { /* exited */ }
  };
  signal.addEventListener("abort", stop, { once: true });
  if (signal.aborted) stop();
  const timer = capMs === undefined ? undefined : setTimeout(stop, capMs);
  try {
    const st = await child.status;
    return { code: st.code, signal: st.signal };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    signal.removeEventListener("abort", stop);
  }
}

/** The traced command could not be started. */
export class CommandError extends Error {
  /**
   * The traced command could not start.
   *
   * @param command the program name
   * @param cause why it could not run
   */
  constructor(readonly command: string, cause: unknown) {
    super(
      `cannot run ${command}: ${
        cause instanceof Deno.errors.NotFound
          ? "no such program"
          : cause instanceof Error
          ? cause.message
          : String(cause)
      }`,
    );
    this.name = "CommandError";
  }
}
