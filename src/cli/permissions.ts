/**
 * Least privilege: each command keeps only the Deno permissions it needs
 * and gives up the rest (Deno.permissions.revoke) right after the command
 * line is parsed, before any input is opened. An install, compile or task
 * grants what the most demanding command needs; each run then drops to its
 * own:
 *
 * | command                                   | keeps                       |
 * | ----------------------------------------- | --------------------------- |
 * | lint, stats, events, analyze, replay, model, explore | read, env        |
 * | the same with an output file (`-o`, `--labels`), report, export, simulate | read, write, env |
 * | record                                    | all                         |
 *
 * Deno grants access to /proc, /sys and /dev only to a process that holds
 * every permission (NotCapable otherwise, even with read), so record — which
 * reads /proc/mounts and /proc/PID/stat, writes tracefs and stats /dev/kvm —
 * keeps them all, and so does any command whose input or output is such a
 * file (`kvmreq stats /sys/kernel/tracing/trace`, `lint --follow
 * /sys/kernel/tracing/trace_pipe`; /dev/null and /dev/stdout aside).
 *
 * @module
 */

/** The permissions Deno knows (revocable by name). */
export const PERMISSION_NAMES = [
  "read",
  "write",
  "net",
  "env",
  "sys",
  "run",
  "ffi",
  "import",
] as const;

/** One permission's name. */
export type PermissionName = (typeof PERMISSION_NAMES)[number];

/** What a parsed command line asks of the system. */
export interface CommandNeeds {
  /** The command (`lint`, `record`, …). */
  readonly command: string;
  /** Input paths (`-` for standard input). */
  readonly inputs: readonly string[];
  /** Files it writes (`-` or absent: standard output). */
  readonly outputs: readonly (string | undefined)[];
}

/** Commands that write their main output to a file or standard output. */
const WRITERS = new Set(["report", "export", "simulate", "explore", "events"]);

/** Paths Deno opens only to a process with every permission. */
const GUARDED = /^\/(proc|sys|dev)(\/|$)/;

/**
 * Device paths Deno lets an ordinary write permission open. Not
 * `/dev/stdout` or `/dev/stderr`: they are links into /proc/self/fd, which
 * Deno opens only with every permission (`-o /dev/stdout` stopped with exit 4).
 */
const PLAIN_DEVICES = new Set(["/dev/null"]);

function guarded(path: string | undefined): boolean {
  return path !== undefined && path !== "-" && GUARDED.test(path) && !PLAIN_DEVICES.has(path);
}

/**
 * The permissions a command line needs, with the reason for "all"
 * (`undefined` when it needs less).
 */
export function permissionsFor(n: CommandNeeds): { keep: Set<PermissionName>; why?: string } {
  if (n.command === "record") {
    return {
      keep: new Set(PERMISSION_NAMES),
      why: "record writes tracefs, reads /proc and runs mount, umount, dd and the traced command",
    };
  }
  const special = [...n.inputs, ...n.outputs].find(guarded);
  if (special !== undefined) {
    return {
      keep: new Set(PERMISSION_NAMES),
      why: `${special} is under /proc, /sys or /dev, which Deno opens only with every permission`,
    };
  }
  const keep = new Set<PermissionName>(["read", "env"]);
  const writes = n.outputs.some((o) => o !== undefined && o !== "-");
  if (WRITERS.has(n.command) && writes) keep.add("write");
  return { keep };
}

/** Gives up every permission not in `keep` (those not granted stay as they are). */
export async function dropPermissions(keep: ReadonlySet<PermissionName>): Promise<void> {
  for (const name of PERMISSION_NAMES) {
    if (keep.has(name)) continue;
    await Deno.permissions.revoke({ name } as Deno.PermissionDescriptor);
  }
}

/** The needs of a parsed command line (the options object the CLI parser returns). */
export function needsOf(
  opts: { readonly command: string } & Record<string, unknown>,
): CommandNeeds {
  const files = Array.isArray(opts.files) ? (opts.files as string[]) : [];
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  // `simulate -o` defaults to "-" (standard output); the others leave -o absent.
  return {
    command: opts.command,
    inputs: files,
    outputs: [str(opts.output), str(opts.labels)],
  };
}
