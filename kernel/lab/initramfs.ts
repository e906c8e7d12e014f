/**
 * The guest's initramfs: busybox, the /init script, the workloads and the
 * modules (debug info stripped, .ko.xz decompressed), as a gzipped newc cpio.
 *
 * @module
 */

import { run } from "./exec.ts";
import type { ModuleFile } from "./modules.ts";

/** A file to copy into the guest: `src` on the host, `dst` in the guest. */
export interface GuestFile {
  /** Host path (a regular file). */
  readonly src: string;
  /** Absolute path in the guest. */
  readonly dst: string;
}

/** What goes into the initramfs. */
export interface InitramfsContent {
  /** The /init script. */
  readonly init: string;
  /** Workload binaries (copied to /w). */
  readonly workloads: readonly string[];
  /** Modules (to /lib/modules/<name>.ko), in any order. */
  readonly modules: readonly ModuleFile[];
  /** Other files (trace-cmd and its libraries), copied with their mode. */
  readonly files?: readonly GuestFile[];
}

/** Builds `out` (initrd.gz) from a staging directory `stage`; returns its size in bytes. */
export async function buildInitramfs(
  c: InitramfsContent,
  stage: string,
  out: string,
  log: string,
): Promise<number> {
  await Deno.remove(stage, { recursive: true }).catch(() => {});
  for (const d of ["bin", "dev", "proc", "sys", "tmp", "w", "lib/modules", "out"]) {
    await Deno.mkdir(`${stage}/${d}`, { recursive: true });
  }
  await Deno.copyFile("/bin/busybox", `${stage}/bin/busybox`);
  await Deno.chmod(`${stage}/bin/busybox`, 0o755);
  await Deno.writeTextFile(`${stage}/init`, c.init);
  await Deno.chmod(`${stage}/init`, 0o755);
  for (const w of c.workloads) {
    const dst = `${stage}/w/${w.split("/").pop()}`;
    await Deno.copyFile(w, dst);
    await Deno.chmod(dst, 0o755);
  }
  for (const f of c.files ?? []) {
    const dst = `${stage}${f.dst}`;
    await Deno.mkdir(dst.slice(0, dst.lastIndexOf("/")), { recursive: true });
    await Deno.copyFile(f.src, dst);
    await Deno.chmod(dst, (await Deno.stat(f.src)).mode! & 0o777);
  }
  for (const m of c.modules) {
    const dst = `${stage}/lib/modules/${m.name}.ko`;
    if (m.path.endsWith(".xz")) {
      await run("sh", ["-c", 'xz -dc "$1" > "$2"', "sh", m.path, dst], { log });
    } else {
      await run("strip", ["--strip-debug", "-o", dst, m.path], { log });
    }
  }
  await run("sh", [
    "-c",
    'cd "$1" && find . | cpio -o -H newc --quiet | gzip -1 > "$2"',
    "sh",
    stage,
    out,
  ], { log });
  return (await Deno.stat(out)).size;
}
