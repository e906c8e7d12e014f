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

Deno.test("lint --follow prints a finding while the FIFO's writer is still open, then sums up at EOF", async () => {
  const dir = await Deno.makeTempDir();
  const fifo = `${dir}/trace_pipe`;
  const mk = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.ok(mk.success, "mkfifo");
  const lines = counterexampleTrace(
    exploreProtocol({ vcpus: 1, requesters: 2, memoryModel: "tso", variant: "no-barrier" }),
  )
    .split("\n").filter((l) => !l.startsWith("#"));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "lint", "--follow", fifo],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = await Deno.open(fifo, { write: true });
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
