/**
 * A fake tracefs tree for the recorder's logic (plan, teardown, signals,
 * failures): regular files in a temporary directory, and instances made by
 * copying a template (a real tracefs fills an instance directory itself).
 * What only a real tracefs does (short reads, the kernel refusing a write)
 * is tested in record_tracefs_test.ts.
 */

import { join } from "node:path";
import { Tracefs } from "../../src/record/tracefs.ts";

/** Control files of an instance, in a known state. */
export const INSTANCE_FILES: Readonly<Record<string, string>> = {
  "tracing_on": "1",
  "trace_clock": "[local] global counter uptime perf mono mono_raw boot x86-tsc",
  "buffer_size_kb": "1410",
  "set_event": "",
  "trace_pipe":
    "     kworker/0:1-11      [000] D..3.  7104.188320: sched_waking: comm=qemu-system-x86 pid=4937 prio=120 target_cpu=000\n",
  "options/irq-info": "1",
  "options/record-tgid": "0",
  "options/overwrite": "1",
  ...Object.fromEntries(
    ["sched_waking", "sched_wakeup", "sched_switch"].flatMap((ev) => [
      [`events/sched/${ev}/filter`, "none"],
      [
        `events/sched/${ev}/trigger`,
        "# Available triggers:\n# traceon traceoff snapshot stacktrace",
      ],
      [`events/sched/${ev}/enable`, "0"],
    ]),
  ),
};

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [f, v] of Object.entries(files)) {
    await Deno.mkdir(join(root, f, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, f), v + "\n");
  }
}

/** A tracefs whose instances are copies of `template` (default {@link INSTANCE_FILES}). */
export class FakeTracefs extends Tracefs {
  /**
   * @param root the fake tree's directory
   * @param dryRun log changes without making them
   * @param template the files of a new instance
   */
  constructor(
    root: string,
    dryRun = false,
    readonly template: Record<string, string> = { ...INSTANCE_FILES },
  ) {
    super(root, dryRun);
  }

  override async makeInstance(name: string): Promise<Tracefs> {
    const t = await super.makeInstance(name);
    if (!this.dryRun) await writeTree(t.root, this.template);
    return t;
  }

  override async removeInstance(name: string): Promise<void> {
    if (!this.dryRun) {
      for await (const e of Deno.readDir(this.path(`instances/${name}`))) {
        await Deno.remove(this.path(`instances/${name}/${e.name}`), { recursive: true });
      }
    }
    await super.removeInstance(name);
  }
}

/** A fake tracefs root with top-level files (which a recording must never change) and `instances/`. */
export async function fakeTracefs(): Promise<{ root: string; top: Record<string, string> }> {
  const root = await Deno.makeTempDir({ prefix: "kvmreq-tracefs-" });
  const top = {
    ...INSTANCE_FILES,
    "buffer_size_kb": "7 (expanded: 1408)",
    "set_event": "irq:irq_handler_entry",
    "events/sched/sched_switch/filter": 'prev_comm ~ "a-long-user-filter*" || next_comm ~ "x*"',
  };
  await writeTree(root, top);
  await Deno.mkdir(join(root, "instances"));
  return { root, top };
}

/** The files of a tree, path → content. */
export async function treeContents(root: string, under = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const e of Deno.readDir(join(root, under))) {
    const rel = under === "" ? e.name : `${under}/${e.name}`;
    if (e.isDirectory) { for (const [k, v] of await treeContents(root, rel)) out.set(k, v); }
    else out.set(rel, await Deno.readTextFile(join(root, rel)));
  }
  return out;
}
