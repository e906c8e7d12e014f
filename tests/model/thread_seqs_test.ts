import assert from "node:assert/strict";
import fc from "fast-check";
import { ThreadSeqs } from "../../src/model/thread_seqs.ts";

Deno.test("thread seqs: the last set per thread, -1 for threads never set, as a Map would say", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.oneof(
            fc.integer({ min: 0, max: 40 }),
            fc.integer({ min: 0, max: 0x7fffffff }),
            fc.integer({ min: 0, max: 4_000_000 }).map((n) => n * 64),
            fc.constantFrom(2 ** 31, 2 ** 40, 1.5),
          ),
          fc.nat(),
        ),
        { maxLength: 400 },
      ),
      fc.array(fc.integer({ min: 0, max: 2 ** 32 }), { maxLength: 50 }),
      (writes, probes) => {
        const t = new ThreadSeqs();
        const m = new Map<number, number>();
        for (const [pid, seq] of writes) {
          t.set(pid, seq);
          m.set(pid, seq);
        }
        for (const pid of [...m.keys(), ...probes]) assert.equal(t.get(pid), m.get(pid) ?? -1);
      },
    ),
  );
});
