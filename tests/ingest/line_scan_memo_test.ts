/**
 * The line scanner remembers the last event name (and the name table its
 * last answer) to skip rehashing on runs of one event. Whatever the order of
 * lines, scanning with that memory must give exactly what scanning each line
 * with a fresh scanner gives.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  createLineScan,
  LineKind,
  type LineScan,
  scanFtraceLine,
} from "../../src/ingest/ftrace_line.ts";
import { NameTable } from "../../src/ingest/name_table.ts";

/** The result fields of a scan of kind `kind` (not the scanner's memory). */
function result(kind: number, s: LineScan): string {
  // A skipped line has only its reason; the other fields are left as they were.
  if (kind === LineKind.Skip) return JSON.stringify([kind, s.skipReason]);
  return JSON.stringify([
    kind,
    s.commStart,
    s.commEnd,
    s.pid,
    s.cpu,
    s.tsStart,
    s.tsEnd,
    s.nameStart,
    s.nameEnd,
    s.nameHash,
    s.fieldsStart,
    s.fieldsEnd,
  ]);
}

// Names that are prefixes, extensions and near-misses of each other, some with
// colons inside, so a stale memory would be caught.
const NAMES = [
  "kvm_exit",
  "kvm_exit_x",
  "kvm_exi",
  "kvm_exit:x",
  "kvm_entry",
  "kvm_exit:",
  "<stack trace>",
  "kernel_stack",
  "a",
  "kvm_exit\t",
];
const SEPARATORS = [": ", ":\t", ":", ": x", " : ", ":  "];

Deno.test("line scan memo: scanning with memory equals scanning each line afresh", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          name: fc.constantFrom(...NAMES),
          sep: fc.constantFrom(...SEPARATORS),
          fields: fc.constantFrom("", "vcpu 0", "a: b", "x"),
        }),
        { minLength: 1, maxLength: 40 },
      ),
      (lines) => {
        const text = lines.map((l) =>
          `       CPU 0/KVM-6459    [001] d..1.  5979.126890: ${l.name}${l.sep}${l.fields}`
        );
        const enc = new TextEncoder();
        const remembering = createLineScan();
        const table = new NameTable();
        const fresh = new NameTable();
        for (const t of text) {
          const buf = enc.encode(t);
          const a = scanFtraceLine(buf, 0, buf.length, remembering);
          const once = createLineScan();
          const b = scanFtraceLine(buf, 0, buf.length, once);
          assert.equal(result(a, remembering), result(b, once), t);
          if (a === LineKind.Event || b === LineKind.Event) {
            const id = table.lookup(
              buf,
              remembering.nameStart,
              remembering.nameEnd,
              remembering.nameHash,
            );
            const id2 = fresh.idOf(
              new TextDecoder().decode(buf.subarray(once.nameStart, once.nameEnd)),
            );
            assert.equal(table.names[id], fresh.names[id2], t);
          }
        }
      },
    ),
    { numRuns: 500 },
  );
});
