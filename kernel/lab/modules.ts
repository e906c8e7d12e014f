/**
 * The modules the guest loads: the built kvm.ko and kvm-amd.ko, and the
 * stock modules they depend on (from the image package, decompressed), in
 * an order where each comes after its dependencies. Dependencies are read
 * with `modinfo -F depends`, not assumed.
 *
 * @module
 */

import { LabError, run } from "./exec.ts";

/** The stock module that gives the guest its output disk (/dev/vda). */
export const DISK_MODULE = "virtio_blk";

/** A module file and its name (`kvm_amd`). */
export interface ModuleFile {
  /** Module name with `_` (as modinfo prints dependencies). */
  readonly name: string;
  /** Path of the .ko or .ko.xz. */
  readonly path: string;
}

/** The module name of a file: `kvm-amd.ko.xz` → `kvm_amd`. */
export function moduleName(file: string): string {
  return (file.split("/").pop() ?? file).replace(/\.ko(\.xz|\.zst|\.gz)?$/, "").replaceAll(
    "-",
    "_",
  );
}

async function indexStock(dir: string): Promise<Map<string, string>> {
  const out = await run("find", [dir, "-name", "*.ko*"], { capture: true });
  const m = new Map<string, string>();
  for (const p of out.split("\n")) if (p !== "") m.set(moduleName(p), p);
  return m;
}

/** `modinfo -F depends` of a module file, as names. */
export async function dependsOf(path: string): Promise<string[]> {
  const out = await run("/sbin/modinfo", ["-F", "depends", path], { capture: true });
  return out.trim().split(",").map((s) => s.trim()).filter((s) => s !== "");
}

/**
 * The load order of `roots` (built modules) and everything they need from
 * `stockDir`: dependencies first. Throws when a dependency is nowhere.
 */
export async function loadOrder(
  roots: readonly ModuleFile[],
  stockDir: string,
  stockRoots: readonly string[] = [],
): Promise<ModuleFile[]> {
  const stock = await indexStock(stockDir);
  const byName = new Map(roots.map((r) => [r.name, r.path]));
  const order: ModuleFile[] = [];
  const seen = new Set<string>();
  const visit = async (name: string, from: string): Promise<void> => {
    if (seen.has(name)) return;
    seen.add(name);
    const path = byName.get(name) ?? stock.get(name);
    if (path === undefined) {
      throw new LabError(`module ${name} (needed by ${from}) is not in ${stockDir}`);
    }
    for (const d of await dependsOf(path)) await visit(d, name);
    order.push({ name, path });
  };
  for (const r of roots) await visit(r.name, "the lab");
  for (const n of stockRoots) await visit(n, "the lab");
  return order;
}
