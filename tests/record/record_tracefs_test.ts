/**
 * `kvmreq record` on this machine's real tracefs (see real_tracefs.ts for
 * when these run and how concurrent test runs take turns). Every test checks
 * that the machine's tracing state — every setting of tracefs, and whether
 * it is mounted at all — is exactly what it was before.
 *
 * No KVM guest is needed: the kvm preset and --events record the host side of
 * any command (a shell loop of sleeps gives wakeups with stacks).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readControlFile } from "../../src/record/tracefs.ts";
import {
  leavesTracingAsFound,
  realTracefsTest,
  realTracefsUnavailable,
  startKvmreq,
  TRACEFS,
  tracefsIsMounted,
} from "./real_tracefs.ts";

const why = await realTracefsUnavailable();
const realTest = (name: string, fn: () => Promise<void>) => realTracefsTest(why, name, fn);

const LOOP = ["sh", "-c", "for i in 1 2 3 4 5; do sleep 0.05; done"];

async function record(...args: string[]) {
  return await startKvmreq("record", ...args).done();
}

realTest(
  "record with the kvm preset leaves every tracefs setting as found, buffer_size_kb's unexpanded state included",
  async () => {
    await leavesTracingAsFound(async (dir) => {
      const out = join(dir, "loop.trace");
      const r = await record("-o", out, "--", ...LOOP);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /`sh -c for i in .*` exited with status 0/);
      assert.match(r.err, /tracefs left as it was/);
      const trace = await Deno.readTextFile(out);
      assert.match(trace, /sched_waking: comm=sh pid=/, "wakeups of the traced threads");
      assert.match(trace, /<stack trace>\n => /, "the preset's stacktrace trigger fired");
      assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600, "not world-readable");
    });
  },
);

realTest(
  "a filter longer than 32 bytes is read back whole (tracefs answers only a read at offset 0)",
  async () => {
    await leavesTracingAsFound(async () => {
      const mounted = await tracefsIsMounted();
      if (!mounted) {
        await new Deno.Command("mount", { args: ["-t", "tracefs", "nodev", TRACEFS] }).output();
      }
      const inst = join(TRACEFS, "instances", `kvmreq-test-${Deno.pid}`);
      await Deno.mkdir(inst);
      try {
        const filter = 'prev_comm ~ "qemu-system-x86*" || next_comm ~ "CPU *"';
        const file = join(inst, "events/sched/sched_switch/filter");
        await Deno.writeTextFile(file, filter + "\n");
        // What Deno.readTextFile (Rust's read_to_end, 32-byte first read) gets:
        assert.equal((await Deno.readTextFile(file)).length, 32, "the kernel's short read");
        assert.equal((await readControlFile(file)).trim(), filter);
      } finally {
        await Deno.remove(inst);
        if (!mounted) await new Deno.Command("umount", { args: [TRACEFS] }).output();
      }
    });
  },
);

realTest(
  "the exit status is the recording's; the command's is printed (timeout's 124 is not a failure)",
  async () => {
    await leavesTracingAsFound(async (dir) => {
      const r = await record("-o", join(dir, "t.trace"), "--", "timeout", "0.3", "sleep", "5");
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /`timeout 0\.3 sleep 5` exited with status 124/);
      const lint = await record("--lint", "-o", join(dir, "l.trace"), "--", "sh", "-c", "exit 3");
      assert.equal(lint.code, 0, lint.err);
      assert.match(lint.err, /exited with status 3/);
      assert.match(lint.out, /end of input/);
    });
  },
);

realTest(
  "--comm filters the scheduler events --events enables; with none of them it is refused",
  async () => {
    await leavesTracingAsFound(async (dir) => {
      const out = join(dir, "sw.trace");
      const r = await record(
        "--events",
        "sched:sched_switch",
        "--comm",
        "sleep*",
        "-o",
        out,
        "--",
        ...LOOP,
      );
      assert.equal(r.code, 0, r.err);
      const lines = (await Deno.readTextFile(out)).split("\n").filter((l) => l !== "");
      assert.ok(lines.length > 0);
      for (const l of lines) assert.match(l, /sched_switch: prev_comm=sleep|next_comm=sleep/, l);
      const refused = await record(
        "--events",
        "ipi:*",
        "--comm",
        "sleep*",
        "-o",
        out,
        "--",
        "true",
      );
      assert.equal(refused.code, 2);
      assert.match(refused.err, /^kvmreq: --comm: filters the scheduler events/m);
    });
  },
);

realTest("bad --events, an unwritable -o: one line, exit 2, nothing touched", async () => {
  await leavesTracingAsFound(async (dir) => {
    const bogus = await record("--events", "bogus:nope", "-o", join(dir, "x.trace"), "--", "true");
    assert.equal(bogus.code, 2);
    assert.equal(bogus.err.trim().split("\n").filter((l) => l.startsWith("kvmreq: ")).length, 1);
    assert.match(bogus.err, /kvmreq: --events: bogus:nope: no event system 'bogus'/);
    assert.doesNotMatch(bogus.err, /\n\s+at /, "no stack trace");
    const nodir = await record("-o", "/nonexistent/x", "--", "true");
    assert.equal(nodir.code, 2);
    assert.equal(
      nodir.err.trim(),
      "kvmreq: /nonexistent/x: cannot write: no such directory: /nonexistent",
    );
  });
});

realTest(
  "SIGTERM while recording, and right at the start: prompt stop, trace kept, tracefs as found",
  async () => {
    await leavesTracingAsFound(async (dir) => {
      const out = join(dir, "term.trace");
      const p = startKvmreq("record", "--duration", "15", "-o", out);
      assert.ok(await p.waitFor(/recording for 15 s/), p.err());
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      p.child.kill("SIGTERM");
      const r = await p.done();
      assert.equal(r.code, 143, r.err);
      assert.ok(performance.now() - t0 < 12_000, "stopped before the 15 s duration");
      assert.match(r.err, /bytes written to .*term\.trace \(interrupted\)/);
      // During setup: the signal is not lost (it used to be, and --duration ran to its end).
      const early = startKvmreq("record", "--duration", "15", "-o", join(dir, "early.trace"));
      await early.waitFor(/mounting|no \/dev\/kvm/);
      early.child.kill("SIGTERM");
      const t1 = performance.now();
      const e = await early.done();
      assert.ok(performance.now() - t1 < 12_000, e.err);
      assert.equal(e.code, 143, e.err);
    });
  },
);

realTest("a SIGKILLed recording is repaired by the next one, or by --repair", async () => {
  await leavesTracingAsFound(async (dir) => {
    for (const repairBy of ["next recording", "--repair"]) {
      const p = startKvmreq("record", "--duration", "15", "-o", join(dir, "killed.trace"));
      assert.ok(await p.waitFor(/recording for 15 s/), p.err());
      const instance = join(TRACEFS, "instances", `kvmreq-${p.child.pid}`);
      p.child.kill("SIGKILL");
      await p.done();
      await Deno.stat(instance); // left behind, as a SIGKILL must leave it
      if (repairBy === "--repair") {
        const r = await startKvmreq("record", "--repair").done();
        assert.equal(r.code, 0, r.err);
        assert.match(r.out, new RegExp(`removed tracefs instance ${instance}`));
      } else {
        const r = await record("-o", join(dir, "next.trace"), "--", "true");
        assert.equal(r.code, 0, r.err);
        assert.match(
          r.err,
          new RegExp(
            `a recording \\(pid ${p.child.pid}, .*\\) ended without cleaning up; repairing`,
          ),
        );
        assert.match(r.err, /removed tracefs instance/);
      }
      await assert.rejects(() => Deno.stat(instance));
    }
  });
});

realTest("a second recording is refused while one runs", async () => {
  await leavesTracingAsFound(async (dir) => {
    const first = startKvmreq("record", "--duration", "2", "-o", join(dir, "a.trace"));
    assert.ok(await first.waitFor(/recording for 2 s/), first.err());
    const second = await record("-o", join(dir, "b.trace"), "--", "true");
    assert.equal(second.code, 2);
    assert.match(
      second.err,
      /another recording \(kvmreq pid \d+, since .*\) is using \/sys\/kernel\/tracing/,
    );
    const r = await first.done();
    assert.equal(r.code, 0, r.err);
  });
});
