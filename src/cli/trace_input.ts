/**
 * Reading the traces named on a command line: expands directories, opens
 * each input with the shared reader options, and shows progress on stderr
 * for large inputs.
 *
 * @module
 */

import type { InputFormat, TraceRecord } from "../events/types.ts";
import { readTrace, type TraceReader } from "../ingest/read_trace.ts";
import { expandInputs, inputSize } from "./inputs.ts";
import { startProgress } from "./progress.ts";

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

/** Expands `paths` (directories become their files) and opens each in turn. */
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
      },
    };
  }
}
