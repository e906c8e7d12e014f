/**
 * The tracepoint patch series (`kernel/patches/linux-6.12/*.patch`, applied
 * in name order) and an optional mutant (`kernel/mutants/MNN-*.patch`) on
 * top, and the key that names their build in the cache.
 *
 * @module
 */

import { LabError } from "./exec.ts";

/** One patch file of the series or a mutant. */
export interface PatchFile {
  /** File name (`0001-kvm-….patch`). */
  readonly name: string;
  /** Absolute path. */
  readonly path: string;
  /** Its bytes. */
  readonly bytes: Uint8Array;
}

/** What the lab builds KVM from. */
export interface Series {
  /** The series' patches, in the order they apply. */
  readonly patches: readonly PatchFile[];
  /** The mutant applied on top, if any. */
  readonly mutant?: PatchFile;
  /** Hex key of the patches' names and bytes (and the mutant's): names the build. */
  readonly key: string;
}

/** Bumped when the way modules are built changes, so old builds are not reused. */
const BUILD_RECIPE = "kvmreq-lab build 1: olddefconfig modules_prepare; M=arch/x86/kvm modules";

async function readPatches(dir: string, match: (name: string) => boolean): Promise<PatchFile[]> {
  const out: PatchFile[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && match(e.name)) {
        const path = `${dir}/${e.name}`;
        out.push({ name: e.name, path, bytes: await Deno.readFile(path) });
      }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The key of `patches` plus `mutant`: SHA-256 over the recipe, each name and its bytes. */
export async function seriesKey(
  patches: readonly PatchFile[],
  mutant: PatchFile | undefined,
): Promise<string> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode(`${BUILD_RECIPE}\n`)];
  for (const p of [...patches, ...(mutant !== undefined ? [mutant] : [])]) {
    parts.push(enc.encode(`${p === mutant ? "mutant" : "patch"} ${p.name} ${p.bytes.length}\n`));
    parts.push(p.bytes);
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("").slice(0, 16);
}

/**
 * Reads the series under `root/kernel/patches/linux-6.12` and, when
 * `mutantId` is given (`M03`), the one `root/kernel/mutants/M03-*.patch`;
 * with `stock`, no patches at all.
 */
export async function loadSeries(root: string, mutantId?: string, stock = false): Promise<Series> {
  const patches = stock
    ? []
    : await readPatches(`${root}/kernel/patches/linux-6.12`, (n) => n.endsWith(".patch"));
  let mutant: PatchFile | undefined;
  if (mutantId !== undefined) {
    const found = await readPatches(
      `${root}/kernel/mutants`,
      (n) => n.startsWith(`${mutantId}-`) && n.endsWith(".patch"),
    );
    if (found.length === 0) {
      throw new LabError(
        `no mutant ${mutantId}: kernel/mutants/${mutantId}-*.patch does not exist`,
      );
    }
    if (found.length > 1) {
      throw new LabError(`mutant ${mutantId} is ambiguous: ${found.map((f) => f.name).join(", ")}`);
    }
    mutant = found[0];
  }
  return { patches, mutant, key: await seriesKey(patches, mutant) };
}

/** `stock KVM (no patches)`, `4 patches`, `4 patches + M03-….patch`. */
export function describeSeries(s: Series): string {
  const base = s.patches.length === 0 ? "stock KVM (empty series)" : `${s.patches.length} patches`;
  return s.mutant !== undefined ? `${base} + ${s.mutant.name}` : base;
}
