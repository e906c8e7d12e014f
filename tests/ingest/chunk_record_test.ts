/**
 * The parallel reader sends an event line's scan between threads as an int32
 * record: what `writeEventScan` writes, `RecordLine` must read back, for
 * every field of the scan (one list: a field added to `EventScan` and
 * forgotten by the writer fails here; by the reader, the type check).
 */
import assert from "node:assert/strict";
import { createLineScan, LineKind, scanFtraceLine } from "../../src/ingest/ftrace_line.ts";
import { RecordLine, STRIDE, writeEventScan } from "../../src/ingest/parallel/chunk_scan.ts";

/** LineScan members that are not part of an event line's result. */
const NOT_EVENT = new Set(["lostCount", "skipReason", "lastName", "lastNameLen", "lastNameHash"]);

Deno.test("an event scan survives the trip through a chunk record, field by field", () => {
  const lines = [
    " CPU 0/KVM-6459 (  6400) [003] d..1.  8678.237572: kvm_entry: vcpu 0, rip 0xffff",
    "   <...>-12 (-------) [011] .N...  123456789.000000001: sched_waking: comm=a pid=1",
    "  ipi-176 [000]  112233445566: kvm_vcpu_kick: vcpu=1",
  ];
  for (const text of lines) {
    const buf = new TextEncoder().encode(text);
    const scan = createLineScan();
    assert.equal(scanFtraceLine(buf, 0, buf.length, scan), LineKind.Event, text);
    const recs = new Int32Array(3 * STRIDE).fill(-7);
    assert.ok(writeEventScan(recs, STRIDE, scan));
    const back = new RecordLine().at(recs, STRIDE);
    const keys = Object.keys(scan).filter((k) => !NOT_EVENT.has(k));
    assert.ok(keys.length >= 18, `fields: ${keys.join(" ")}`);
    for (const k of keys) {
      assert.equal(
        (back as unknown as Record<string, unknown>)[k],
        (scan as unknown as Record<string, unknown>)[k],
        `${text}: ${k}`,
      );
    }
  }
});
