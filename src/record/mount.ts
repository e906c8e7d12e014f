/**
 * Mounting and unmounting tracefs: a recording mounts it when it is not
 * mounted and unmounts it afterwards, so a machine where it was not mounted
 * is left that way.
 *
 * @module
 */

/** Whether a tracefs is mounted at `root` (from /proc/mounts; octal escapes in paths decoded). */
export async function tracefsMounted(root: string): Promise<boolean> {
  let text: string;
  try {
    text = await Deno.readTextFile("/proc/mounts");
  } catch {
    return false;
  }
  const want = root.replace(/\/+$/, "");
  for (const line of text.split("\n")) {
    const [, mountPoint, type] = line.split(" ");
    if (type !== "tracefs" || mountPoint === undefined) continue;
    const decoded = mountPoint.replace(
      /\\([0-7]{3})/g,
      (_, o) => String.fromCharCode(parseInt(o, 8)),
    );
    if (decoded === want) return true;
  }
  return false;
}

async function run(cmd: string, args: string[]): Promise<string | undefined> {
  try {
    const r = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
    return r.success ? undefined : new TextDecoder().decode(r.stderr).trim() || `exit ${r.code}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** Mounts tracefs on `root`; returns why it failed, or undefined. */
export function mountTracefs(root: string): Promise<string | undefined> {
  return run("mount", ["-t", "tracefs", "nodev", root]);
}

/** Unmounts the tracefs on `root`; returns why it failed, or undefined. */
export function unmountTracefs(root: string): Promise<string | undefined> {
  return run("umount", [root]);
}
