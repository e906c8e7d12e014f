/**
 * The typed error of the trace.dat reader: a damaged or truncated file. It
 * names the part of the file that is wrong and its byte offset, so messages
 * read `boot.dat: trace.dat: truncated flyrecord page at offset 0x1234 (cpu 1)`.
 *
 * @module
 */

import { InputError } from "../errors.ts";

/** The parts of a trace.dat file an error can point at. */
export type DatSection =
  | "file header"
  | "header page"
  | "ftrace formats"
  | "event formats"
  | "kallsyms"
  | "printk formats"
  | "cmdlines"
  | "options"
  | "section header"
  | "compression"
  | "buffer"
  | "flyrecord"
  | "flyrecord page";

/** A trace.dat file that is truncated or corrupt at a known place. */
export class DatFormatError extends InputError {
  /** Which part of the file is damaged. */
  readonly section: DatSection;
  /** Absolute byte offset of the damage in the file. */
  readonly offset: number;
  /** CPU whose data is damaged, when the damage is in CPU data. */
  readonly cpu: number | undefined;

  /**
   * A damaged trace.dat: where, and what is wrong.
   *
   * @param file input name
   * @param section the damaged part
   * @param offset absolute byte offset of the damage
   * @param what what is wrong (`truncated`, `bad commit size 70000`, …)
   * @param cpu the CPU whose data it is, if any
   */
  constructor(file: string, section: DatSection, offset: number, what: string, cpu?: number) {
    const where = `at offset 0x${Math.max(0, offset).toString(16)}`;
    const cpuText = cpu === undefined ? "" : ` (cpu ${cpu})`;
    super(file, 0, `trace.dat: ${what} ${section} ${where}${cpuText}`);
    this.name = "DatFormatError";
    this.section = section;
    this.offset = offset;
    this.cpu = cpu;
  }
}
