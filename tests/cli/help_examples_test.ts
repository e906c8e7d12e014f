import assert from "node:assert/strict";
import { parseAsync } from "@optique/core/parser";
import { cli, COMMAND_NAMES } from "../../src/cli/cli.ts";
import { runKvmreq } from "./run_kvmreq.ts";

const COMMANDS = COMMAND_NAMES;

/** `kvmreq [COMMAND] --help` (or another help flag) as printed. */
async function helpOf(command: string | undefined, flag = "--help"): Promise<string> {
  const r = await runKvmreq(...(command === undefined ? [] : [command]), flag);
  return r.out + r.err;
}

/** The example command lines of a help text: the `Examples:` block, comments cut. */
export function exampleCommands(help: string): string[] {
  const out: string[] = [];
  let inBlock = false;
  for (const raw of help.split("\n")) {
    const line = raw.trim();
    if (line === "Examples:") inBlock = true;
    else if (line === "") inBlock = false;
    else if (inBlock) {
      // Examples that need root say `sudo kvmreq …`.
      const cmd = line.startsWith("sudo ") ? line.slice(5).trimStart() : line;
      if (cmd.startsWith("kvmreq ")) out.push(cmd.split(/\s+#\s/)[0].trim());
    }
  }
  return out;
}

/** Shell words of `line` up to the first pipe or redirection (quotes honoured, no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote = "";
  for (const ch of line) {
    if (quote !== "") {
      if (ch === quote) quote = "";
      else word = (word ?? "") + ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= "";
    } else if (ch === "|" || ch === ">" || ch === "<") {
      break;
    } else if (ch === " " || ch === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word = (word ?? "") + ch;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

Deno.test("help examples: shell words stop at a pipe or redirection and keep quoted text", () => {
  assert.deepEqual(shellWords(`kvmreq lint --format json a.trace | jq '.x'`), [
    "kvmreq",
    "lint",
    "--format",
    "json",
    "a.trace",
  ]);
  assert.deepEqual(shellWords(`kvmreq events --comm 'CPU 0/KVM' t > out`), [
    "kvmreq",
    "events",
    "--comm",
    "CPU 0/KVM",
    "t",
  ]);
  assert.deepEqual(
    exampleCommands(
      "kvmreq checks\n\nExamples:\n  kvmreq lint x   # what\n  sudo kvmreq record -- q\n  other\n\nkvmreq y",
    ),
    ["kvmreq lint x", "kvmreq record -- q"],
  );
});

Deno.test("help: -h is --help, for kvmreq and every command", async () => {
  for (const command of [undefined, ...COMMANDS]) {
    assert.equal(await helpOf(command, "-h"), await helpOf(command), `kvmreq ${command ?? ""} -h`);
  }
});

Deno.test("help examples: every example in every command's --help parses", async () => {
  let checked = 0;
  for (const command of [undefined, ...COMMANDS]) {
    const help = await helpOf(command);
    // `--help` shows the help (a command taking trailing words once swallowed it and ran).
    assert.match(help, new RegExp(`Usage: kvmreq${command === undefined ? "" : ` ${command}`} `));
    const lines = exampleCommands(help);
    assert.ok(lines.length > 0, `kvmreq ${command ?? ""} --help shows examples`);
    for (const line of lines) {
      const words = shellWords(line);
      assert.equal(words[0], "kvmreq", line);
      const result = await parseAsync(cli, words.slice(1));
      assert.ok(
        result.success,
        `kvmreq ${command ?? ""} --help example does not parse: ${line}\n` +
          (result.success ? "" : JSON.stringify(result.error)),
      );
      checked++;
    }
  }
  assert.ok(checked >= 20, `${checked} examples checked`);
});

Deno.test("every command that reads traces says so plainly when given none (exit 2)", async () => {
  for (const command of ["lint", "replay", "analyze", "events", "stats", "export", "report"]) {
    const r = await runKvmreq(command);
    assert.equal(r.code, 2, `kvmreq ${command}: exit code`);
    assert.match(
      r.err,
      /No trace given: name at least one FILE .*traces\/.*standard input/,
      `kvmreq ${command}`,
    );
  }
});
