import assert from "node:assert/strict";
import { counterexampleTrace, exploreProtocol } from "../../src/explore/explore.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  want: RegExp,
  text: { s: string },
) {
  const dec = new TextDecoder();
  const deadline = Date.now() + 20_000;
  while (!want.test(text.s)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${want}; got:\n${text.s}`);
    const { value, done } = await reader.read();
    if (done) break;
    text.s += dec.decode(value);
  }
}

/** A FIFO in a new directory, `lint --follow` reading it, and the FIFO open for writing. */
async function startFollow(...options: string[]) {
  const dir = await Deno.makeTempDir();
  const fifo = `${dir}/trace_pipe`;
  assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success, "mkfifo");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "lint", "--follow", ...options, fifo],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return { dir, child, writer: await Deno.open(fifo, { write: true }) };
}

Deno.test("lint --follow prints a finding while the FIFO's writer is still open, then sums up at EOF", async () => {
  const lines = counterexampleTrace(
    exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" }),
  )
    .split("\n").filter((l) => !l.startsWith("#"));
  const { dir, child, writer } = await startFollow();
  const out = child.stdout.getReader();
  const text = { s: "" };
  await writer.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  // The writer stays open: the finding must come out anyway.
  await readUntil(out, /request-unseen-at-entry/, text);
  assert.doesNotMatch(text.s, /end of input/);
  writer.close();
  await readUntil(out, /still open at the end/, text);
  await readUntil(out, /\n$/, text);
  out.releaseLock();
  await child.stdout.cancel();
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 1);
  assert.match(text.s, /1 finding \(1 error/);
  await Deno.remove(dir, { recursive: true });
});

/** `lint --follow` on a FIFO fed `parts` with `pauseMs` of quiet between them; its exit code and output. */
async function followInParts(parts: string[], pauseMs: number, ...options: string[]) {
  const { dir, child, writer } = await startFollow(...options);
  for (const [i, part] of parts.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
    await writer.write(new TextEncoder().encode(part));
  }
  writer.close();
  const r = await child.output();
  await Deno.remove(dir, { recursive: true });
  return { code: r.code, out: new TextDecoder().decode(r.stdout) };
}

Deno.test("lint --follow: a pause inside a stack does not end it (the kick was missed)", async () => {
  // Up to the stack of the first request-less kick of the real trace (line 1750) and a bit after.
  const lines = (await Deno.readTextFile(
    new URL("../../traces/boot-2vcpu-debug-threads.trace", import.meta.url),
  )).split("\n").slice(0, 1770);
  const event = lines.findIndex((l) => l.includes("2544.062127: sched_waking"));
  assert.ok(lines[event + 1].includes("<stack trace>"));
  const text = (from: number, to?: number) => lines.slice(from, to).join("\n") + "\n";
  // The writer pauses (longer than the reader's 200 ms idle time) after two
  // frames of the stack — before __kvm_vcpu_kick, the frame that proves the kick —
  // and, in the second run, between the event and its `<stack trace>` line.
  for (const cut of [event + 4, event + 1]) {
    // (A memslot-update kick is info: --fail-on info makes it the exit code too.)
    const r = await followInParts([text(0, cut), text(cut)], 700, "--fail-on", "info");
    assert.equal(r.code, 1, r.out);
    assert.match(
      r.out,
      /1750 +info +request-less-kick +CPU 0\/KVM-27983 woke vCPU 1 from kvm_arch_memslots_updated/,
    );
    assert.doesNotMatch(r.out, /orphan/);
  }
});

Deno.test("lint --follow prints identical findings once and counts the repeats at the end", async () => {
  const text = await Deno.readTextFile(
    new URL("../../traces/boot-2vcpu-debug-threads.trace", import.meta.url),
  );
  const grouped = (await followInParts([text], 0)).out;
  assert.equal((grouped.match(/^ +\d+ {2}\w+ +request-less-kick /gm) ?? []).length, 1);
  assert.match(
    grouped,
    /\nrepeated \(printed once above; --no-group prints each\):\n {2}24 like line 1750 \(request-less-kick\): last at line 6008 \(2547\.981485\)\n/,
  );
  assert.match(grouped, /\n {2}24 request-less-kick: /);
  const each = (await followInParts([text], 0, "--no-group")).out;
  assert.equal((each.match(/^ +\d+ {2}\w+ +request-less-kick /gm) ?? []).length, 24);
  assert.doesNotMatch(each, /repeated/);
});
