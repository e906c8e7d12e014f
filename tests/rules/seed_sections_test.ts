/**
 * `SEED_SECTIONS` is the seed document's own list of headings: read out of
 * Documentation/virt/kvm/vcpu-requests.rst (a reStructuredText heading is a
 * line underlined — or over- and underlined — with `=`, `-`, `~` or `^`),
 * they must be the list, in order. The document is taken from
 * `$KVMREQ_SEED_DOC`, the reference kernel source, or the lab's prepared
 * tree, whichever exists.
 *
 * @module
 */

import assert from "node:assert/strict";
import { SEED_SECTIONS } from "../../src/rules/seed_sections.ts";
import { RULES } from "../../src/rules/index.ts";

const RST = "Documentation/virt/kvm/vcpu-requests.rst";

function candidates(): string[] {
  const env = (name: string) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  };
  const lab = env("KVMREQ_LAB_CACHE") ?? `${env("HOME") ?? "/root"}/.cache/kvmreq-lab`;
  return [
    env("KVMREQ_SEED_DOC"),
    `/work/ref/linux-source-6.12/${RST}`,
    "/work/shared/reference/vcpu-requests.rst",
    `${lab}/src/linux-prepared/${RST}`,
  ].filter((p): p is string => p !== undefined && p !== "");
}

function seedDocument(): string | undefined {
  for (const path of candidates()) {
    try {
      return Deno.readTextFileSync(path);
    } catch { /* next */ }
  }
  return undefined;
}

/** The headings of a reStructuredText text, in order. */
export function rstHeadings(text: string): string[] {
  const lines = text.split("\n");
  const out: string[] = [];
  const rule = /^([=\-~^])\1{2,}\s*$/;
  for (let i = 1; i < lines.length; i++) {
    const title = lines[i - 1].trim();
    if (!rule.test(lines[i]) || title === "" || rule.test(lines[i - 1])) continue;
    if (lines[i].trim().length < title.length) continue;
    out.push(title);
  }
  return out;
}

const doc = seedDocument();

Deno.test({
  name: "seed sections: SEED_SECTIONS are the seed document's headings, in order",
  ignore: doc === undefined,
  fn() {
    assert.deepEqual([...SEED_SECTIONS], rstHeadings(doc!));
  },
});

Deno.test("seed sections: the heading reader", () => {
  const text = "=====\nTitle\n=====\n\nIntro\n=====\n\ntext\n\nSub part\n--------\n\n" +
    "a line\n---\n\n  code ::\n";
  assert.deepEqual(rstHeadings(text), ["Title", "Intro", "Sub part"]);
});

Deno.test("seed sections: every rule cites sections, each once, and every rule is indexed", () => {
  for (const r of RULES) {
    assert.ok(r.meta.seedSections.length > 0, r.meta.id);
    assert.equal(new Set(r.meta.seedSections).size, r.meta.seedSections.length, r.meta.id);
  }
});
