import assert from "node:assert/strict";
import { Prng } from "../../src/sim/prng.ts";

Deno.test("Prng: the same seed gives the same stream", () => {
  const a = new Prng(12345), b = new Prng(12345);
  for (let i = 0; i < 1000; i++) assert.equal(a.next(), b.next());
});

Deno.test("Prng: different seeds (including the high half) give different streams", () => {
  const first = (seed: number) =>
    Array.from({ length: 8 }, ((p) => () => p.next())(new Prng(seed)));
  assert.notDeepEqual(first(1), first(2));
  assert.notDeepEqual(first(7), first(7 + 2 ** 32));
  assert.notDeepEqual(first(0), first(-1));
});

Deno.test("Prng: values stay in range and spread out", () => {
  const p = new Prng(99);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100_000; i++) {
    const f = p.float();
    assert.ok(f >= 0 && f < 1);
    const n = p.int(3, 12);
    assert.ok(Number.isInteger(n) && n >= 3 && n <= 12);
    counts[n - 3]++;
  }
  for (const c of counts) assert.ok(c > 9_000 && c < 11_000, `bucket count ${c}`);
  assert.equal(p.chance(0), false);
  assert.equal(p.chance(1), true);
  assert.ok(["a", "b"].includes(p.pick(["a", "b"])));
});
