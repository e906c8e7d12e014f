/**
 * Least privilege: each command keeps only the permissions it needs; the
 * README's install flags work as documented.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { permissionsFor } from "../../src/cli/permissions.ts";
import { inTempDir } from "./temp_dir.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const MAIN = `${ROOT}main.ts`;
const TRACE = `${ROOT}traces/boot-2vcpu.trace`;

async function deno(args: string[], env: Record<string, string> = {}) {
  const r = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

Deno.test("each command keeps what it needs: reading commands read, outputs write, record everything", () => {
  const keep = (command: string, inputs: string[], outputs: (string | undefined)[] = []) =>
    [...permissionsFor({ command, inputs, outputs }).keep].sort().join(",");
  for (const cmd of ["lint", "stats", "events", "analyze", "replay", "model", "explore"]) {
    assert.equal(keep(cmd, ["x.trace"]), "env,read", cmd);
  }
  assert.equal(keep("report", ["x.trace"], ["r.html"]), "env,read,write");
  assert.equal(keep("report", ["x.trace"], [undefined]), "env,read", "to standard output");
  assert.equal(keep("events", ["x.trace"], ["x.jsonl"]), "env,read,write");
  assert.equal(keep("simulate", [], ["-"]), "env,read");
  assert.equal(keep("simulate", [], ["s.trace", "labels.json"]), "env,read,write");
  assert.equal(keep("events", ["x.trace"], ["/dev/null"]), "env,read,write");
  const all = "env,ffi,import,net,read,run,sys,write";
  assert.equal(keep("record", [], ["k.trace"]), all);
  assert.equal(keep("stats", ["/sys/kernel/tracing/trace"]), all, "Deno's rule for /sys");
  assert.equal(keep("lint", ["/proc/self/fd/0"]), all);
  assert.equal(keep("export", ["x.trace"], ["/dev/stdout"]), all, "a link into /proc/self/fd");
});

Deno.test("-o /dev/stdout writes to standard output (it stopped: 'Requires all access', exit 4)", async () => {
  for (const cmd of ["report", "export", "events"]) {
    const r = await deno(["run", "-A", MAIN, cmd, TRACE, "-o", "/dev/stdout"]);
    assert.equal(r.code, 0, `${cmd}: ${r.err}`);
    assert.ok(r.out.length > 1000, cmd);
  }
});

Deno.test("kvmreq gives up the rest before reading (KVMREQ_DEBUG=1 says what it kept); the task granted --allow-all to every command", async () => {
  const lint = await deno(["run", "-A", MAIN, "lint", "--fail-on", "never", TRACE], {
    KVMREQ_DEBUG: "1",
  });
  assert.equal(lint.code, 0, lint.err);
  assert.match(lint.err, /^kvmreq: permissions kept: read, env$/m);
  await inTempDir("kvmreq-perm-", async (dir) => {
    const report = await deno(["run", "-A", MAIN, "report", "-o", join(dir, "r.html"), TRACE], {
      KVMREQ_DEBUG: "1",
    });
    assert.equal(report.code, 0, report.err);
    assert.match(report.err, /^kvmreq: permissions kept: read, env, write$/m);
  });
  // In-process: after lint's drop, writing and running are refused.
  const probe = `
    import { dropPermissions, needsOf, permissionsFor } from "${ROOT}src/cli/permissions.ts";
    await dropPermissions(permissionsFor(needsOf({ command: "lint", files: ["x"] })).keep);
    const tries = { write: () => Deno.writeTextFileSync(Deno.makeTempFileSync(), "x"),
      run: () => new Deno.Command("true").outputSync(), read: () => Deno.readTextFileSync("${MAIN}") };
    for (const [k, f] of Object.entries(tries)) {
      try { f(); console.log(k, "allowed"); } catch (e) { console.log(k, (e as Error).name); }
    }`;
  const r = await deno(["eval", "-A", probe]);
  assert.equal(r.out, "write NotCapable\nrun NotCapable\nread allowed\n", r.err);
});

Deno.test("the README's flags: reading commands run with --allow-read alone, report -o with read and write; less is one line, exit 4", async () => {
  for (
    const cmd of [["lint", "--fail-on", "never"], ["stats"], ["events"], ["analyze"], ["replay"]]
  ) {
    const r = await deno(["run", "--allow-read", MAIN, ...cmd, TRACE]);
    assert.equal(r.code, 0, `${cmd[0]}: ${r.err}`);
  }
  await inTempDir("kvmreq-perm-", async (dir) => {
    const out = join(dir, "r.html");
    const ok = await deno([
      "run",
      "--allow-read",
      "--allow-write",
      MAIN,
      "report",
      "-o",
      out,
      TRACE,
    ]);
    assert.equal(ok.code, 0, ok.err);
    const less = await deno(["run", "--allow-read", MAIN, "report", "-o", out, TRACE]);
    assert.equal(less.code, 4);
    assert.equal(less.err.trim().split("\n").length, 1, less.err);
    assert.match(less.err, /not given that permission/);
  });
});

Deno.test("deno install as the README says gives a kvmreq command", async () => {
  await inTempDir("kvmreq-install-", async (dir) => {
    const r = await deno([
      "install",
      "--global",
      "--root",
      dir,
      "--name",
      "kvmreq",
      "--allow-all",
      "--config",
      `${ROOT}deno.json`,
      MAIN,
    ]);
    assert.equal(r.code, 0, r.err);
    const run = await new Deno.Command(join(dir, "bin", "kvmreq"), {
      args: ["lint", "--fail-on", "never", TRACE],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(new TextDecoder().decode(run.stdout), /findings/);
  });
});
