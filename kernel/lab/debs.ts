/**
 * The pinned Debian packages: downloaded with `apt-get download NAME=VERSION`
 * into the cache once, unpacked with `dpkg-deb -x` once.
 *
 * @module
 */

import type { LabCache } from "./cache.ts";
import { exists, LabError, run } from "./exec.ts";
import { debFileName, DEBIAN_VERSION, PINNED_DEBS } from "./pins.ts";

/** Downloads the pinned packages missing from the cache; returns what was fetched and the MB on disk. */
export async function downloadDebs(c: LabCache): Promise<{ fetched: string[]; mb: number }> {
  const fetched: string[] = [];
  let bytes = 0;
  for (const deb of PINNED_DEBS) {
    const file = `${c.debs}/${debFileName(deb.name)}`;
    if (!(await exists(file))) {
      try {
        await run("apt-get", ["download", `${deb.name}=${DEBIAN_VERSION}`], {
          cwd: c.debs,
          log: `${c.logs}/download.log`,
          timeoutSec: 1800,
        });
      } catch (e) {
        throw new LabError(
          `cannot download ${deb.name}=${DEBIAN_VERSION} (${deb.use})`,
          [
            ...(e instanceof LabError ? e.detail : []),
            "hint: the package is in bookworm-security; run `apt-get update` and check that " +
            "apt can reach the Debian archive",
          ],
        );
      }
      if (!(await exists(file))) {
        throw new LabError(`apt-get download wrote no ${file}`);
      }
      fetched.push(deb.name);
    }
    bytes += (await Deno.stat(file)).size;
  }
  return { fetched, mb: bytes / 1e6 };
}

/** The directory a package is unpacked into. */
export function unpackedDir(c: LabCache, name: string): string {
  return `${c.pkg}/${name}`;
}

/** Unpacks each package not yet unpacked (skipping the source package: see kernel_tree.ts). */
export async function unpackDebs(c: LabCache): Promise<number> {
  let n = 0;
  for (const deb of PINNED_DEBS) {
    if (deb.name.startsWith("linux-source")) continue;
    const dir = unpackedDir(c, deb.name);
    if (await exists(`${dir}/.kvmreq-unpacked`)) continue;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.mkdir(dir, { recursive: true });
    await run("dpkg-deb", ["-x", `${c.debs}/${debFileName(deb.name)}`, dir], {
      log: `${c.logs}/unpack.log`,
    });
    await Deno.writeTextFile(`${dir}/.kvmreq-unpacked`, `${DEBIAN_VERSION}\n`);
    n++;
  }
  return n;
}
