/**
 * An event's print format compiled once and applied to each record: the
 * text `trace-cmd report` prints after the event name when no plugin takes
 * over. A format libtraceevent cannot parse prints
 * `[FAILED TO PARSE] name=value …`, like trace-cmd does.
 *
 * @module
 */

import { parseSpec, type Spec } from "./c_printf.ts";
import type { EventFormat } from "./event_format.ts";
import type { PArg } from "./fmt_ast.ts";
import { type Chunk, cutFormat } from "./fmt_chunks.ts";
import { type EvalEnv, evalNum } from "./fmt_eval.ts";
import { FmtParseError, parsePrintFmt } from "./fmt_parser.ts";
import { printNumber, printPointer, printStr } from "./fmt_print.ts";
import { rawFieldsText } from "./raw_fields.ts";
import type { RecordView } from "./record_view.ts";

interface Step {
  readonly chunk: Chunk;
  readonly spec: Spec | undefined;
}

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
  readonly #steps: Step[] = [];
  readonly #env: EvalEnv;

  /**
   * @param event the event description
   * @param env symbols and sizes for evaluation
   */
  constructor(event: EventFormat, env: EvalEnv) {
    this.event = event;
    this.#env = env;
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
      this.#steps.push({
        chunk,
        spec: chunk.kind === "text" ? undefined : parseSpec(chunk.format),
      });
    }
  }

  /** The text for record `r`. */
  render(r: RecordView): string {
    if (this.fallback !== undefined) return "[FAILED TO PARSE]" + rawFieldsText(r, this.event);
    const env = this.#env;
    let out = "";
    for (const { chunk, spec } of this.#steps) {
      if (chunk.kind === "text") {
        out += chunk.text;
        continue;
      }
      const lenArg = chunk.lenArg
        ? Number(BigInt.asIntN(32, evalNum(chunk.lenArg, r, env)))
        : undefined;
      if (chunk.kind === "pointer") {
        out += printPointer(chunk.format, chunk.arg, r, env, lenArg ?? 1);
      } else if (spec === undefined) {
        continue;
      } else if (chunk.kind === "digit") {
        out += printNumber(spec, chunk.ls, chunk.arg, r, env, lenArg ?? -1);
      } else {
        out += printStr(spec, chunk.arg, r, env, lenArg ?? -1);
      }
    }
    return out;
  }
}
