/**
 * Renders one record of a one-off event format, for print-format tests.
 * Expected texts in those tests were taken from `trace-cmd report` 3.1.6
 * (libtraceevent 1.7.1) on files holding the same format and record.
 *
 * @module
 */

import { parseEventFormat } from "../../../src/ingest/dat/event_format.ts";
import { EventPrinter } from "../../../src/ingest/dat/fmt_render.ts";
import { Kallsyms } from "../../../src/ingest/dat/kallsyms.ts";
import { recordOf } from "../../../src/ingest/dat/record_view.ts";
import { type FieldValue, PayloadBuilder } from "./payload.ts";
import { KALLSYMS } from "./synthetic.ts";
import { format } from "./test_formats.ts";

/** A field for {@link render}: declaration, size, alignment, signedness. */
export type FieldSpec = [decl: string, size: number, align: number, signed: 0 | 1];

/** Renders `values` through `printFmt` over `fields`, as trace-cmd would print the event text. */
export function render(
  fields: FieldSpec[],
  printFmt: string,
  values: Record<string, FieldValue>,
  bigEndian = false,
  longSize: 4 | 8 = 8,
): string {
  const text = format("probe", 900, fields, printFmt);
  const ev = parseEventFormat(text, "test", longSize);
  if (!ev) throw new Error("bad format");
  const env = { longSize, kallsyms: new Kallsyms(KALLSYMS), printk: new Map<bigint, string>() };
  const data = new PayloadBuilder(text, "test", bigEndian, longSize).build(1, values);
  return new EventPrinter(ev, env).render(recordOf(data, bigEndian));
}
