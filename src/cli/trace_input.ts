/**
 * Reading the traces named on a command line: expands directories, opens
 * each input with the shared reader options, and shows progress on stderr
 * for large inputs.
 *
 * @module
 */

import type { InputFormat, TraceRecord } from "../events/types.ts";
import { describeNoEvents, NotATraceError } from "../ingest/no_events.ts";
import type { ReadStats } from "../ingest/read_stats.ts";
import { readTrace, type TraceReader } from "../ingest/read_trace.ts";
import { expandInputs, inputSize } from "./inputs.ts";
import { startProgress } from "./progress.ts";
import { termSafeLines } from "../report/term_safe.ts";

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

/**
 * Expands `paths` (directories become their files) and opens each in turn.
 * Once an input is read whole, one without any event throws
 * {@link NotATraceError}, and one mostly skipped gets a warning on stderr
 * (unless `describeOnly`).
 */
export async function* openInputs(
  paths: readonly string[],
  options: TraceInputOptions,
): AsyncGenerator<OpenedInput, void, undefined> {
  for (const path of await expandInputs(paths)) {
    const reader = await readTrace(path, {
      format: options.inputFormat,
      strict: options.strict,
      keepEvent: options.keepEvent,
      allFormats: options.allFormats,
      buffer: options.buffer,
    });
    const total = await inputSize(path);
    yield {
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
}
