/**
 * Option parsers shared by the commands that read traces.
 *
 * @module
 */

import { argument, flag, multiple, object, option, optional } from "@optique/core";
import { message } from "@optique/core/message";
import { choice, string } from "@optique/core/valueparser";
import { INPUT_FORMATS } from "../events/types.ts";
import { KERNEL_ARCHES, KERNEL_VERSIONS } from "../kernels/kernel_version.ts";

/** The `FILE...` argument: trace files, directories, or `-` for stdin. */
export const traceFiles = multiple(
  argument(string({ metavar: "FILE" }), {
    description:
      message`Trace files (trace-cmd trace.dat, ftrace text, trace_pipe capture, trace-cmd report text, \
kvmreq JSON Lines), directories of them, or ${"-"} for standard input.`,
  }),
  {
    min: 1,
    errors: {
      tooFew: message`No trace given: name at least one FILE (a trace file, a directory of them \
such as ${"traces/"}, or ${"-"} for standard input).`,
    },
  },
);

/** `--input-format`, `--strict` and `--buffer`, accepted by every command that reads traces. */
export const readOptions = object({
  inputFormat: optional(option("--input-format", choice(INPUT_FORMATS), {
    description: message`Read every input as this format instead of detecting it.`,
  })),
  strict: optional(flag("--strict", {
    description: message`Stop at the first line that cannot be read, naming file, line and reason.`,
  })),
  buffer: optional(option("--buffer", string({ metavar: "NAME" }), {
    description: message`trace.dat: read the buffer of instance NAME instead of the top one \
(${"kvmreq stats"} lists a file's buffers).`,
  })),
});

/**
 * `--kernel VERSION` and `--arch ARCH`: the kernel whose request and kick-site
 * tables apply, whatever the trace says (a trace.dat's uname, a `# kernel:`
 * header), for the commands that run the model.
 */
export const kernelOptions = object({
  kernel: optional(option("--kernel", string({ metavar: "VERSION" }), {
    description: message`Use the request and kick-site tables of this kernel version (known: \
${KERNEL_VERSIONS.join(", ")}; another release gets the closest older known tables) instead of \
what the trace says, or the newest known when it says nothing.`,
  })),
  arch: optional(option("--arch", choice(KERNEL_ARCHES), {
    description: message`The architecture whose tables apply (only x86_64 has tables yet).`,
  })),
  stockOnly: optional(flag("--stock-only", {
    description: message`Ignore the patch series' protocol events (${"kvm_make_request"}, \
${"kvm_vcpu_kick"}, …) and judge the input from its stock events alone, as if the kernel were \
unpatched: what a stock kernel's trace would let kvmreq see.`,
  })),
});

/** The model settings `--kernel`, `--arch` and `--stock-only` ask for. */
export function modelOptionsOf(
  opts: { readonly kernel?: string; readonly arch?: string; readonly stockOnly?: boolean },
): {
  readonly kernelOption: { readonly version?: string; readonly arch?: string } | undefined;
  readonly stockOnly: boolean;
} {
  return { kernelOption: kernelOptionOf(opts), stockOnly: opts.stockOnly === true };
}

/** The kernel choice `--kernel`/`--arch` ask for, `undefined` when neither was given. */
export function kernelOptionOf(
  opts: { readonly kernel?: string; readonly arch?: string },
): { readonly version?: string; readonly arch?: string } | undefined {
  if (opts.kernel === undefined && opts.arch === undefined) return undefined;
  return { version: opts.kernel, arch: opts.arch };
}
