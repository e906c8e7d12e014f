/**
 * Reading the traces named on a command line: expands directories, opens
 * each input with the shared reader options, and shows progress on stderr
 * for large inputs.
 *
 * @module
 */

import type { InputFormat, TraceRecord } from "../events/types.ts";
import { BinaryInputError, InputError } from "../ingest/errors.ts";
import { describeNoEvents, NotATraceError } from "../ingest/no_events.ts";
import type { ReadStats } from "../ingest/read_stats.ts";
import { readTrace, type TraceReader } from "../ingest/read_trace.ts";
import { EXIT } from "./exit_codes.ts";
import { expandInputList, inputSize } from "./inputs.ts";
import { startProgress } from "./progress.ts";
import { termSafe, termSafeLines } from "../report/term_safe.ts";
import { formatTimestamp } from "../ingest/timestamp.ts";
import { resolveTimeArg, type TimeArg } from "./time_arg.ts";

/** Reader settings common to the commands. */
export interface TraceInputOptions {
  /** Forced input format. */
  readonly inputFormat?: InputFormat;
  /** Stop at the first unreadable line. */
  readonly strict?: boolean;
  /** Which events to materialize (others are only counted). */
  readonly keepEvent?: (name: string) => boolean;
  /** trace.dat: parse (and audit) every event format, used or not. */
  readonly allFormats?: boolean;
  /** trace.dat: the instance buffer to read (the top one when absent). */
  readonly buffer?: string;
  /**
   * Describe inputs as they are, whatever they hold (`kvmreq stats`): no
   * {@link NotATraceError} for an input without events, no warning for a
   * mostly skipped one.
   */
  readonly describeOnly?: boolean;
  /**
   * The command's `--from`/`--until`: an input whose events all lie outside
   * them gets a note (an empty report must not look like a clean trace).
   */
  readonly from?: TimeArg;
  /** See {@link TraceInputOptions.from}. */
  readonly until?: TimeArg;
}

/** One opened input: its reader, and its batches with progress reporting. */
export interface OpenedInput {
  /** The path as expanded. */
  readonly path: string;
  /** The reader (counters, time span). */
  readonly reader: TraceReader;
  /** The records, in batches, reporting progress while they are read. */
  batches(): AsyncGenerator<TraceRecord[], void, undefined>;
}

/**
 * The warning for an input of which more lines were skipped than read as
 * events, or `undefined` when it is not mostly skipped.
 */
export function mostlySkippedWarning(stats: ReadStats): string | undefined {
  if (stats.skippedLines <= stats.events) return undefined;
  const n = (x: number) => x.toLocaleString("en-US");
  const reasons = [...stats.skipped.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([k, v]) => `${k} ${n(v.count)}`)
    .join(", ");
  return `kvmreq: warning: ${stats.file}: ${n(stats.skippedLines)} of ${
    n(stats.events + stats.skippedLines)
  } lines that are not headers were skipped (${reasons}); only ${n(stats.events)} event${
    stats.events === 1 ? "" : "s"
  } read. \`kvmreq stats\` lists the skipped lines`;
}

/** What became of the inputs of a command (each problem was said on stderr). */
export interface InputsOutcome {
  /** Inputs named on the command line that could not be read. */
  readonly failed: number;
  /** Files found in a directory and skipped because they are not traces. */
  readonly skipped: number;
}

/** Opens one input with the shared reader options. */
async function openInput(path: string, options: TraceInputOptions): Promise<OpenedInput> {
  const reader = await readTrace(path, {
    format: options.inputFormat,
    strict: options.strict,
    keepEvent: options.keepEvent,
    allFormats: options.allFormats,
    buffer: options.buffer,
  });
  const total = await inputSize(path);
  return {
    path,
    reader,
    async *batches() {
      const progress = startProgress(path, total);
      try {
        for await (const batch of reader.batches()) {
          progress.update(reader.stats.bytes);
          yield batch;
        }
      } finally {
        progress.done();
      }
      if (options.describeOnly) return;
      const stats = reader.stats;
      if (stats.events === 0) throw new NotATraceError(path, describeNoEvents(stats));
      const warning = mostlySkippedWarning(stats);
      if (warning !== undefined) console.error(termSafeLines(warning));
    },
  };
}

/**
 * Expands `paths` (directories become their files) and runs `body` on each
 * input in turn, one at a time. Results are per input, never all or
 * nothing: an input that cannot be read, is binary or holds no trace event
 * (its {@link InputError}) is said on stderr and the others are still read —
 * a file found in a directory that is not a trace (a picture, kvmreq's own
 * report.html) is skipped with a note, one named on the command line counts
 * as failed. With `strict`, the first such error ends the run (thrown).
 * A mostly skipped input gets a warning (unless `describeOnly`).
 */
export async function forEachInput(
  paths: readonly string[],
  options: TraceInputOptions,
  body: (input: OpenedInput) => Promise<void>,
): Promise<InputsOutcome> {
  let failed = 0;
  let skipped = 0;
  /** Per directory: files listed, and files read as traces. */
  const dirs = new Map<string, { files: number; read: number }>();
  for (const { path, inDirectory, directory, subdirectory } of await expandInputList(paths)) {
    if (subdirectory) {
      console.error(termSafe(
        `kvmreq: note: ${path}: skipped, a directory (directories are not read recursively: ` +
          "name it to read it)",
      ));
      skipped++;
      continue;
    }
    const dir = directory === undefined ? undefined : dirs.get(directory) ?? { files: 0, read: 0 };
    if (directory !== undefined && dir !== undefined) {
      dirs.set(directory, dir);
      dir.files++;
    }
    try {
      const input = await openInput(path, options);
      await body(input);
      if (dir !== undefined) dir.read++;
      const outside = windowOutside(input.reader, options);
      if (outside !== undefined) console.error(termSafe(`kvmreq: note: ${path}: ${outside}`));
    } catch (err) {
      if (!(err instanceof InputError) || options.strict) throw err;
      if (inDirectory && (err instanceof BinaryInputError || err instanceof NotATraceError)) {
        console.error(termSafe(`kvmreq: note: ${path}: skipped, ${err.reason}`));
        skipped++;
      } else {
        console.error(termSafe(`kvmreq: ${err.message}`));
        failed++;
      }
    }
  }
  for (const [directory, d] of dirs) {
    if (d.read > 0) continue;
    // A directory without a single trace must not pass green.
    console.error(termSafe(`kvmreq: ${directory}: no trace among its ${d.files} file(s)`));
    failed++;
  }
  return { failed, skipped };
}

/**
 * Why nothing of the input `reader` read lies in the window `--from`/`--until`
 * select, or `undefined` when some of it may (or no window was given).
 */
function windowOutside(reader: TraceReader, o: TraceInputOptions): string | undefined {
  if (o.from === undefined && o.until === undefined) return undefined;
  const { first, last } = reader.timeSpan();
  if (first === undefined || last === undefined) return undefined;
  const unit = reader.stats.timeUnit ?? "ns";
  if (o.from !== undefined && resolveTimeArg(o.from, unit) > last) {
    return `--from ${o.from.text} is after its last event (${formatTimestamp(last, unit)}): ` +
      "nothing of it is in the window";
  }
  if (o.until !== undefined && resolveTimeArg(o.until, unit) < first) {
    return `--until ${o.until.text} is before its first event (${formatTimestamp(first, unit)}): ` +
      "nothing of it is in the window";
  }
  return undefined;
}

/** A command's exit code given what became of its inputs: an input that failed makes it 2. */
export function exitCodeWith(code: number, inputs: InputsOutcome): number {
  return inputs.failed > 0 ? EXIT.error : code;
}
