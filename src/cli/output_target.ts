/**
 * Where a command's output goes: standard output, or a file named by `-o`
 * written through {@link createOutputFile} (replaced only when the command
 * succeeds, never an input, never through a link). Formats a terminal cannot
 * show (HTML, Trace Event JSON) are refused on one.
 *
 * @module
 */

import { InputError } from "../ingest/errors.ts";
import { bufferedSink, type TextSink } from "./output.ts";
import { createOutputFile, writeFailure } from "./output_file.ts";
import { termSafe } from "../report/term_safe.ts";

/** Whether `path` means standard output (absent or `-`). */
export function isStdout(path: string | undefined): path is undefined | "-" {
  return path === undefined || path === "-";
}

/**
 * Refuses to write `what` (e.g. `HTML`) to standard output when it is a
 * terminal: the user forgot `-o` (`isTerminal` is for tests).
 */
export function refuseTerminal(
  command: string,
  what: string,
  example: string,
  isTerminal: () => boolean = () => Deno.stdout.isTerminal(),
): void {
  if (!isTerminal()) return;
  throw new InputError(
    "standard output",
    0,
    `is a terminal; kvmreq ${command} writes ${what}, which a terminal cannot show: ` +
      `give -o FILE (${example}) or redirect the output`,
  );
}

/**
 * Runs `body` with a sink for `path`, or with `out` when `path` is absent or
 * `-`. A file is written beside `path` and put in its place only when `body`
 * succeeds: it returns without throwing and `succeeded(result)` (by default
 * always) says so — a command whose input could not be read says no, so a
 * failing run never replaces the previous output with a partial or empty
 * one (the reason is said on stderr). `inputs` (the command's expanded
 * inputs) may not be `path`.
 */
export async function withOutput<T>(
  path: string | undefined,
  out: TextSink,
  inputs: readonly string[],
  body: (sink: TextSink) => Promise<T>,
  succeeded: (result: T) => boolean = () => true,
): Promise<T> {
  if (isStdout(path)) return await body(out);
  const file = await createOutputFile(path, { inputs });
  try {
    const sink = bufferedSink(file.file, 1 << 20, path);
    const result = await body(sink);
    await sink.flush();
    if (succeeded(result)) await file.commit();
    else {
      console.error(
        `kvmreq: ${termSafe(path)} not written: an input could not be read ` +
          "(the previous file, if any, is as it was)",
      );
    }
    return result;
  } finally {
    await file.discard();
  }
}

/** Writes `text` to the file `path` as {@link withOutput} does. */
export async function writeOutputText(
  path: string,
  text: string,
  inputs: readonly string[] = [],
): Promise<void> {
  const file = await createOutputFile(path, { inputs });
  try {
    const data = new TextEncoder().encode(text);
    let off = 0;
    try {
      while (off < data.length) off += await file.file.write(data.subarray(off));
    } catch (err) {
      throw writeFailure(path, err);
    }
    await file.commit();
  } finally {
    await file.discard();
  }
}
