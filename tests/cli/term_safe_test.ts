/**
 * Terminal escape injection: a thread (or a file) named with escape
 * sequences must not reach the terminal raw through any text output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { termSafe, termSafeLines } from "../../src/report/term_safe.ts";
import { runKvmreq } from "./run_kvmreq.ts";

// deno-lint-ignore no-control-regex
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

Deno.test("termSafe escapes C0, DEL and C1 controls (newline and tab too); termSafeLines keeps newlines", () => {
  assert.equal(termSafe("CPU 0/KVM"), "CPU 0/KVM");
  assert.equal(
    termSafe("a\x1b[2Jb\x07c\x7f\x9b31m\n\t"),
    "a\\x1b[2Jb\\x07c\\x7f\\x9b31m\\x0a\\x09",
  );
  assert.equal(termSafeLines("a\x1b]0;t\x07\nb\n"), "a\\x1b]0;t\\x07\nb\n");
  assert.equal(termSafe("ünïcödé 名前"), "ünïcödé 名前", "printable text is left alone");
});

Deno.test("no raw control character reaches the terminal from lint, follow, events, replay, stats, analyze", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-esc-" });
  // The real trace's first request-less kick, with its kicking thread renamed
  // (clear screen, window title, C1 CSI) — and a file named with a colour.
  const evil = "CPU 0/KVM\x1b[2J\x1b]0;pwned\x07\u009b31m";
  const lines = (await Deno.readTextFile("traces/boot-2vcpu-debug-threads.trace"))
    .split("\n").slice(0, 1800).map((l) => l.replaceAll("CPU 0/KVM", evil));
  const trace = join(dir, "evil\x1b[31m.trace");
  await Deno.writeTextFile(trace, lines.join("\n") + "\n");
  try {
    const runs: [string, string[]][] = [
      ["lint", ["lint", "-v", trace]],
      ["lint --follow", ["lint", "--follow", trace]],
      ["events", ["events", trace]],
      ["replay", ["replay", trace]],
      ["stats", ["stats", dir]],
      ["analyze", ["analyze", trace]],
    ];
    for (const [what, args] of runs) {
      const r = what === "lint --follow" ? await followOnce(args) : await runKvmreq(...args);
      assert.match(
        r.out,
        /CPU 0\/KVM\\x1b\[2J\\x1b\]0;pwned\\x07\\x9b31m|evil\\x1b\[31m\.trace/,
        what,
      );
      for (const [stream, text] of [["stdout", r.out], ["stderr", r.err]]) {
        const bad = RAW_CONTROL.exec(text);
        assert.equal(
          bad,
          null,
          `${what} ${stream}: raw ${JSON.stringify(bad?.[0])} near ${
            JSON.stringify(text.slice(Math.max(0, (bad?.index ?? 0) - 30), (bad?.index ?? 0) + 10))
          }`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** `lint --follow` on a regular file ends only on SIGINT: stop it once it has printed its finding. */
async function followOnce(args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  setTimeout(() => child.kill("SIGINT"), 3000);
  const r = await child.output();
  const dec = new TextDecoder();
  return { out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}
