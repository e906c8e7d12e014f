import assert from "node:assert/strict";
import fc from "fast-check";
import type { TraceEvent } from "../../src/events/types.ts";
import { readAll } from "./read_helpers.ts";

/**
 * Flag columns as kernels print them, and odd ones: any token not starting
 * with a digit; half of them share their first four bytes and differ only
 * in length and the bytes after (what a table keyed on the first four bytes
 * alone would mix up).
 */
const sharedHead = fc
  .tuple(
    fc.constantFrom("d..1", "...."),
    fc.array(fc.constantFrom(".", "N", "1", "é"), { maxLength: 4 }),
  )
  .map(([head, rest]) => head + rest.join(""));
const anyColumn = fc
  .tuple(
    fc.constantFrom(".", "d", "D", "b", "X", "é"),
    fc.array(fc.constantFrom(".", "d", "N", "n", "h", "H", "s", "S", "1", "2", "9", "z", "é"), {
      maxLength: 9,
    }),
  )
  .map(([first, rest]) => first + rest.join(""));
const flagColumn = fc.oneof(sharedHead, anyColumn);

Deno.test("flag columns of every length come out byte for byte, whatever came before", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(flagColumn, fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 60,
      }),
      async (rows) => {
        const text = rows.map(([flags, cpu], i) =>
          `  CPU ${cpu}/KVM-${100 + cpu}  [00${cpu}] ${flags}  ${1000 + i}.000001: ` +
          `kvm_entry: vcpu ${cpu}, rip 0x1\n`
        ).join("");
        const { records, stats } = await readAll(text);
        assert.equal(stats.skippedLines, 0);
        assert.equal(records.length, rows.length);
        for (let i = 0; i < rows.length; i++) {
          assert.equal((records[i] as TraceEvent).flags, rows[i][0], `line ${i + 1}`);
        }
      },
    ),
    { numRuns: 300 },
  );
});
