/**
 * Inputs that are not traces fail loudly: an input with no trace event
 * exits 2 with one line saying what it looks like (every reading command
 * but `stats`, whose job is to describe it), and an input mostly skipped
 * gets a warning with the counts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { runKvmreq, runKvmreqWith } from "./run_kvmreq.ts";

const REAL = "traces/record-4vcpu.trace";

async function withFile(name: string, text: string, body: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-not-a-trace-" });
  try {
    const path = `${dir}/${name}`;
    await Deno.writeTextFile(path, text);
    await body(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function oneLine(err: string): string {
  const lines = err.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${err}`);
  return lines[0];
}

Deno.test("lint of text that is not a trace: exit 2, what it looks like and its first line", async () => {
  const text = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
  await withFile("passwd", text, async (path) => {
    const r = await runKvmreq("lint", path);
    assert.equal(r.code, 2);
    assert.equal(r.out, "");
    assert.equal(
      oneLine(r.err),
      `kvmreq: ${path}: not a trace: text, 2 lines, none an ftrace event line; ` +
        "first line: root:x:0:0:root:/root:/bin/bash",
    );
  });
});

Deno.test("a non-trace's first line is shown without its secrets, cut short, escaped (a shadow hash was printed)", async () => {
  const hash = "$y$j9T$Bf7cQx0PZ/v5Ne2XK1wPf.$Zq8aE3mQ1rVtYw0uHnJk4pLs9dFgA2bC6xZ7vN5mK3.";
  await withFile(
    "shadow",
    `root:${hash}:19700:0:99999:7:::\nbin:*:19700:0:99999:7:::\n`,
    async (path) => {
      const r = await runKvmreq("lint", path);
      assert.equal(r.code, 2);
      const line = oneLine(r.err);
      assert.ok(!line.includes("Bf7cQx0PZ") && !line.includes("$y$j9T$"), line);
      assert.equal(
        line,
        `kvmreq: ${path}: not a trace: text, 2 lines, none an ftrace event line; first line: root:‹hidden›…`,
      );
    },
  );
  const long = "\x1b]0;title\x07" + "word ".repeat(30);
  await withFile("long.txt", long + "\n", async (path) => {
    const line = oneLine((await runKvmreq("lint", path)).err);
    assert.ok(!line.includes("\x1b"), "no raw ESC");
    assert.match(line, /first line: \\x1b\]0;title\\x07word word .*…$/);
    assert.ok(line.split("first line: ")[1].length <= 41 + 3 * 2, line);
  });
});

Deno.test("lint of an empty file and of empty standard input: exit 2", async () => {
  await withFile("empty.trace", "", async (path) => {
    const r = await runKvmreq("lint", path);
    assert.equal(r.code, 2);
    assert.equal(oneLine(r.err), `kvmreq: ${path}: not a trace: an empty file`);
  });
  const r = await runKvmreqWith({ stdin: "" }, "lint", "-");
  assert.equal(r.code, 2);
  assert.equal(oneLine(r.err), "kvmreq: -: not a trace: standard input was empty");
});

Deno.test("lint of kvmreq's own Perfetto export: exit 2, named as trace-event JSON", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvmreq-not-a-trace-" });
  try {
    const json = `${dir}/trace.json`;
    const e = await runKvmreq("export", "--format", "perfetto", "-o", json, REAL);
    assert.equal(e.code, 0, e.err);
    const r = await runKvmreq("lint", json);
    assert.equal(r.code, 2);
    assert.match(
      oneLine(r.err),
      /^kvmreq: .*trace\.json: not a trace: Chrome\/Perfetto trace-event JSON, which kvmreq writes but does not read; first line: \{/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an ftrace header with no events (an empty buffer) is not a trace either", async () => {
  const header = Deno.readTextFileSync(new URL("../../traces/boot-2vcpu.trace", import.meta.url))
    .split("\n").filter((l) => l.startsWith("#"));
  assert.ok(header.length > 3);
  await withFile("header.trace", header.join("\n") + "\n", async (path) => {
    const r = await runKvmreq("lint", path);
    assert.equal(r.code, 2);
    assert.equal(
      oneLine(r.err),
      `kvmreq: ${path}: not a trace: an ftrace header and no event lines: ` +
        "the buffer was empty when it was read",
    );
  });
});

Deno.test("every reading command refuses an input with no events; stats describes it", async () => {
  await withFile("empty.trace", "", async (path) => {
    const dir = path.slice(0, path.lastIndexOf("/"));
    for (
      const args of [
        ["analyze", path],
        ["events", path],
        ["replay", path],
        ["export", "--format", "perfetto", "-o", `${dir}/out.json`, path],
        ["report", "-o", `${dir}/out.html`, path],
      ]
    ) {
      const r = await runKvmreq(...args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.err, /not a trace: an empty file/, args.join(" "));
    }
    const s = await runKvmreq("stats", path);
    assert.equal(s.code, 0);
    assert.match(s.out, /no events/);
  });
});

Deno.test("an input mostly skipped says so on stderr, with counts by reason", async () => {
  const lines = Deno.readTextFileSync(new URL(`../../${REAL}`, import.meta.url)).split("\n");
  const events = lines.filter((l) => !l.startsWith("#") && / sched_switch: /.test(l)).slice(0, 5);
  const garbage = Array.from({ length: 12 }, (_, i) => `garbage ${i}`);
  await withFile("mostly.trace", [...garbage, ...events, ""].join("\n"), async (path) => {
    const r = await runKvmreq("lint", "--allow-unchecked", path);
    assert.equal(r.code, 0, r.err);
    assert.equal(
      oneLine(r.err),
      `kvmreq: warning: ${path}: 12 of 17 lines that are not headers were skipped ` +
        "(not-a-trace-line 12); only 5 events read. `kvmreq stats` lists the skipped lines",
    );
    assert.match(r.out, /12 line\(s\) skipped/);
  });
  // Not mostly skipped: no warning.
  await withFile("some.trace", [garbage[0], ...events, ""].join("\n"), async (path) => {
    const r = await runKvmreq("lint", "--allow-unchecked", path);
    assert.equal(r.err, "");
  });
});
