/**
 * An event's print format compiled once and applied to each record: the
 * text `trace-cmd report` prints after the event name when no plugin takes
 * over. A format libtraceevent cannot parse prints
 * `[FAILED TO PARSE] name=value …`, like trace-cmd does.
 *
 * @module
 */

import { parseSpec } from "./c_printf.ts";
import type { EventFormat } from "./event_format.ts";
import type { PArg } from "./fmt_ast.ts";
import { cutFormat } from "./fmt_chunks.ts";
import { compileChunk, type Piece } from "./fmt_compile.ts";
import type { EvalEnv } from "./fmt_eval.ts";
import { FmtParseError, parsePrintFmt } from "./fmt_parser.ts";
import { rawFieldsText } from "./raw_fields.ts";
import type { RecordView } from "./record_view.ts";

/** Why an event prints its raw fields instead of its format. */
export type FallbackReason = "no-print-fmt" | "parse-error" | "arg-mismatch";

/** A compiled print format. */
export class EventPrinter {
  /** The event this prints. */
  readonly event: EventFormat;
  /** Set when libtraceevent would fail to parse the format. */
  readonly fallback: FallbackReason | undefined;
  /** The parse error text, for diagnostics. */
  readonly error: string | undefined;
  readonly #pieces: Piece[] = [];

  /**
   * Prepares the rendering of `event`'s print format.
   *
   * @param event the event description
   * @param env symbols and sizes for evaluation
   */
  constructor(event: EventFormat, env: EvalEnv) {
    this.event = event;
    if (event.printFmt === undefined) {
      this.fallback = "no-print-fmt";
      return;
    }
    let parsed;
    try {
      parsed = parsePrintFmt(event.printFmt, event, env.longSize);
    } catch (err) {
      if (!(err instanceof FmtParseError)) throw err;
      this.fallback = "parse-error";
      this.error = err.message;
      return;
    }
    let args: PArg[] = parsed.args;
    if (args.length === 0 && event.system === "ftrace") {
      // Old ftrace formats have no arguments: the fields are the arguments.
      args = event.fields.map((field) => ({ kind: "field", name: field.name, field }));
    }
    const { chunks, failed } = cutFormat(parsed.format, args);
    if (failed) {
      this.fallback = "arg-mismatch";
      return;
    }
    for (const chunk of chunks) {
      const spec = chunk.kind === "text" ? undefined : parseSpec(chunk.format);
      this.#pieces.push(compileChunk(chunk, spec, env));
    }
  }

  /** The text for record `r`. */
  render(r: RecordView): string {
    if (this.fallback !== undefined) return "[FAILED TO PARSE]" + rawFieldsText(r, this.event);
    let out = "";
    for (const piece of this.#pieces) out += piece(r);
    return out;
  }
}
