import assert from "node:assert/strict";
import fc from "fast-check";
import { BinaryInputError } from "../../src/ingest/errors.ts";
import { countsAddUp, readAll } from "./read_helpers.ts";

const REAL_LINES = [
  " qemu-system-x86-6001    [000] .....  7166.367568: kvm_apic_ipi: dst 0 vec 0 (INIT|physical|assert|edge|all-but-self)",
  "       CPU 0/KVM-6459    [000] ...1.  8678.237572: csd_queue_cpu: cpu=1 callsite=on_each_cpu_cond_mask+0x20/0x60 func=do_sync_core csd=0000000085942b2e",
  "     kworker/0:1-11      [000] D..3.  7104.188322: <stack trace>",
  " => __kvm_vcpu_kick",
  "CPU:1 [LOST 42 EVENTS]",
  "##### CPU 1 buffer started ####",
  "       CPU 0/KVM-6459    (   6440) [000] d..1.  8678.237572: kvm_entry: vcpu 0, rip 0x0",
  " qemu-system-x86-6001  [000]  7166.367568: kvm_userspace_exit:   reason KVM_EXIT_IO (2)",
  "     kworker/0:1-11    [000]  7104.188322: kernel_stack:         <stack trace >",
  "=> try_to_wake_up (ffffffff810c1a2b)",
  "# tracer: nop",
  "",
];

async function readOrBinary(bytes: Uint8Array, piece: number) {
  try {
    return await readAll(bytes, { chunkBytes: 512, maxLineBytes: 300 }, piece);
  } catch (err) {
    // A binary-looking input is refused as a whole with one message; that is allowed.
    if (err instanceof BinaryInputError) return undefined;
    throw err;
  }
}

Deno.test("random bytes: the reader never throws and every line is accounted for", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 3000 }),
      fc.integer({ min: 1, max: 700 }),
      async (bytes, piece) => {
        const res = await readOrBinary(bytes, piece);
        if (res !== undefined) assert.ok(countsAddUp(res.stats));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("mutated, truncated and interleaved real lines: counts add up, split-independent", async () => {
  const line = fc.constantFrom(...REAL_LINES);
  const mutated = fc.tuple(line, fc.nat(), fc.nat(), fc.string({ maxLength: 4 })).map(
    ([l, a, b, ins]) => {
      const i = a % (l.length + 1);
      const j = Math.min(l.length, i + (b % 6));
      return l.slice(0, i) + ins + l.slice(j);
    },
  );
  const truncated = fc.tuple(line, fc.nat()).map(([l, n]) => l.slice(0, n % (l.length + 1)));
  const anyLine = fc.oneof(line, mutated, truncated);
  await fc.assert(
    fc.asyncProperty(
      fc.array(anyLine, { maxLength: 60 }),
      fc.integer({ min: 1, max: 97 }),
      async (lines, piece) => {
        const text = new TextEncoder().encode(lines.join("\n"));
        const a = await readOrBinary(text, 1 << 20);
        const b = await readOrBinary(text, piece);
        if (a === undefined || b === undefined) return;
        assert.ok(countsAddUp(a.stats));
        assert.deepEqual(b.records, a.records);
        assert.equal(b.stats.lines, a.stats.lines);
        assert.equal(b.stats.skippedLines, a.stats.skippedLines);
      },
    ),
    { numRuns: 300 },
  );
});
