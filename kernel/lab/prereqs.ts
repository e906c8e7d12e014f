/**
 * Host prerequisites: every tool the lab runs, installed with apt-get when
 * missing (as root), or one clear line per tool that cannot be installed.
 *
 * @module
 */

import { LabError, run } from "./exec.ts";
import { HOST_TOOLS, type HostTool } from "./pins.ts";

/** True when `tool` is on PATH (or its absolute path exists). */
export function hasTool(tool: HostTool): boolean {
  if (tool.command.startsWith("/")) return existsSync(tool.command);
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    if (dir !== "" && existsSync(`${dir}/${tool.command}`)) return true;
  }
  return false;
}

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The tools missing on this host. */
export function missingTools(tools: readonly HostTool[] = HOST_TOOLS): HostTool[] {
  return tools.filter((t) => !hasTool(t));
}

/** `missing qemu-system-x86_64 (Debian package qemu-system-x86): REASON` — one line per tool. */
export function missingLines(missing: readonly HostTool[], reason: string): string[] {
  return missing.map((t) => `missing ${t.command} (Debian package ${t.pkg}): ${reason}`);
}

/**
 * Installs the missing tools with apt-get (running `apt-get update` first
 * when the packages are unknown). Returns the packages installed; throws a
 * {@link LabError} with one line per tool it could not provide.
 */
export async function ensurePrerequisites(log: string): Promise<string[]> {
  const missing = missingTools();
  if (missing.length === 0) return [];
  const pkgs = [...new Set(missing.map((t) => t.pkg))];
  if (Deno.uid() !== 0) {
    throw new LabError(
      `${missing.length} prerequisite(s) missing and not root: install them with ` +
        `sudo apt-get install ${pkgs.join(" ")}`,
      missingLines(missing, "not root, cannot apt-get install"),
    );
  }
  const hasApt = hasTool({ command: "apt-get", pkg: "apt" });
  if (!hasApt) {
    throw new LabError("prerequisites missing and no apt-get", missingLines(missing, "no apt-get"));
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const install = () =>
    run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...pkgs], {
      log,
      env,
      timeoutSec: 1800,
    });
  try {
    await install();
  } catch {
    try {
      await run("apt-get", ["update", "-q"], { log, env, timeoutSec: 600 });
      await install();
    } catch (e) {
      const still = missingTools();
      throw new LabError(
        `apt-get could not install ${pkgs.join(" ")} (log: ${log})`,
        [
          ...missingLines(still, "apt-get install failed (no network to the Debian archive?)"),
          ...(e instanceof LabError ? e.detail.slice(-5) : []),
        ],
      );
    }
  }
  const still = missingTools();
  if (still.length > 0) {
    throw new LabError(
      "prerequisites still missing after apt-get install",
      missingLines(still, "not provided"),
    );
  }
  return pkgs;
}
