/**
 * The kernel source and the KVM modules: Debian's linux-source unpacked and
 * prepared once (`.config` and `Module.symvers` from the headers package,
 * `make olddefconfig modules_prepare`), then per series a hard-linked copy
 * with the patches applied in which only arch/x86/kvm is built.
 *
 * @module
 */

import type { LabCache } from "./cache.ts";
import { unpackedDir } from "./debs.ts";
import { exists, LabError, run } from "./exec.ts";
import { debFileName, KERNEL_RELEASE, SOURCE_SERIES } from "./pins.ts";
import type { PatchFile, Series } from "./series.ts";

const STAMP = ".kvmreq-prepared";

/** The modules a build produces (relative to the tree), in load order. */
export const KVM_MODULES = ["arch/x86/kvm/kvm.ko", "arch/x86/kvm/kvm-amd.ko"];

/** Make arguments every kernel build of the lab uses. */
function makeArgs(): string[] {
  return [`KERNELRELEASE=${KERNEL_RELEASE}`];
}

/**
 * Unpacks and prepares the source once. Returns `cached` when it was
 * already done. `jobs` is make's -j.
 */
export async function preparePristine(c: LabCache, jobs: number): Promise<string | undefined> {
  if (await exists(`${c.prepared}/${STAMP}`)) return "cached";
  const log = `${c.logs}/prepare.log`;
  const tmp = `${c.root}/src/tmp-prepare`;
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
  await Deno.remove(c.prepared, { recursive: true }).catch(() => {});
  await Deno.mkdir(tmp, { recursive: true });
  const deb = `${c.debs}/${debFileName(`linux-source-${SOURCE_SERIES}`)}`;
  const tarball = `./usr/src/linux-source-${SOURCE_SERIES}.tar.xz`;
  await run("sh", [
    "-c",
    `dpkg-deb --fsys-tarfile "$1" | tar -xO "$2" | tar -xJ -C "$3"`,
    "sh",
    deb,
    tarball,
    tmp,
  ], { log });
  const src = `${tmp}/linux-source-${SOURCE_SERIES}`;
  if (!(await exists(`${src}/Makefile`))) {
    throw new LabError(`the source package unpacked no ${src}/Makefile`);
  }
  const headers = `${
    unpackedDir(c, `linux-headers-${KERNEL_RELEASE}`)
  }/usr/src/linux-headers-${KERNEL_RELEASE}`;
  await Deno.copyFile(`${headers}/.config`, `${src}/.config`);
  await Deno.copyFile(`${headers}/Module.symvers`, `${src}/Module.symvers`);
  await run("make", [...makeArgs(), "olddefconfig", "modules_prepare", `-j${jobs}`], {
    cwd: src,
    log,
  });
  await Deno.writeTextFile(`${src}/${STAMP}`, `${new Date().toISOString()}\n`);
  await Deno.rename(src, c.prepared);
  await Deno.remove(tmp, { recursive: true });
  return undefined;
}

/** Where the modules of `series` are kept. */
export function modulesDir(c: LabCache, series: Series): string {
  return `${c.modules}/${series.key}`;
}

/** The files a patch touches (`+++ b/PATH` lines). */
export function touchedFiles(patch: Uint8Array): string[] {
  const out: string[] = [];
  for (const line of new TextDecoder().decode(patch).split("\n")) {
    const m = /^\+\+\+ b\/(\S+)/.exec(line);
    if (m !== null) out.push(m[1]);
  }
  return out;
}

async function applyPatch(tree: string, p: PatchFile, log: string): Promise<void> {
  try {
    await run("patch", ["-p1", "--batch", "--forward", "-i", p.path], { cwd: tree, log });
  } catch (e) {
    throw new LabError(
      `${p.name} does not apply to linux-source-${SOURCE_SERIES}`,
      e instanceof LabError ? e.detail : [],
    );
  }
  // The tree is a hard-linked copy of the prepared source: a patched file
  // must be a new inode, or the prepared source itself was changed.
  for (const f of touchedFiles(p.bytes)) {
    const st = await Deno.stat(`${tree}/${f}`).catch(() => undefined);
    if (st !== undefined && (st.nlink ?? 1) > 1) {
      throw new LabError(`patching ${f} wrote through a hard link into the prepared source`, [
        `remove ${`${tree}`} and the prepared tree, then run again`,
      ]);
    }
  }
}

/**
 * Builds kvm.ko and kvm-amd.ko for `series` unless they are cached.
 * Returns `cached` or undefined.
 */
export async function buildModules(
  c: LabCache,
  series: Series,
  jobs: number,
): Promise<string | undefined> {
  const out = modulesDir(c, series);
  if (await exists(`${out}/.kvmreq-built`)) return "cached";
  const tree = `${c.builds}/${series.key}`;
  const log = `${c.logs}/build-${series.key}.log`;
  await Deno.writeTextFile(log, "");
  await Deno.remove(tree, { recursive: true }).catch(() => {});
  await run("cp", ["-al", c.prepared, tree], { log });
  for (const p of series.patches) await applyPatch(tree, p, log);
  if (series.mutant !== undefined) await applyPatch(tree, series.mutant, log);
  await run("make", [...makeArgs(), `-j${jobs}`, "M=arch/x86/kvm", "modules"], { cwd: tree, log });
  await Deno.remove(out, { recursive: true }).catch(() => {});
  await Deno.mkdir(out, { recursive: true });
  for (const m of KVM_MODULES) {
    await Deno.copyFile(`${tree}/${m}`, `${out}/${m.split("/").pop()}`);
  }
  await Deno.writeTextFile(
    `${out}/.kvmreq-built`,
    [...series.patches, ...(series.mutant ? [series.mutant] : [])].map((p) => p.name).join("\n") +
      "\n",
  );
  await pruneBuildTrees(c, 3);
  return undefined;
}

/** Keeps the `keep` most recent patched trees (their modules stay cached). */
async function pruneBuildTrees(c: LabCache, keep: number): Promise<void> {
  const trees: { path: string; mtime: number }[] = [];
  for await (const e of Deno.readDir(c.builds)) {
    if (!e.isDirectory) continue;
    const path = `${c.builds}/${e.name}`;
    trees.push({ path, mtime: (await Deno.stat(path)).mtime?.getTime() ?? 0 });
  }
  trees.sort((a, b) => b.mtime - a.mtime);
  for (const t of trees.slice(keep)) await Deno.remove(t.path, { recursive: true });
}
