/**
 * Typed errors raised at the input edge. Each carries the input name and,
 * where one exists, the 1-based line number, so messages read `file:line: reason`.
 *
 * @module
 */

/** An input that cannot be read as a trace at all, or a `--strict` failure. */
export class InputError extends Error {
  /** Input name as the user gave it (`-` for standard input). */
  readonly file: string;
  /** 1-based line number, or 0 when the problem is the whole input. */
  readonly lineNumber: number;
  /** The reason, without the location prefix. */
  readonly reason: string;

  /**
   * An input problem at `file:lineNumber`.
   *
   * @param file input name
   * @param lineNumber 1-based line, 0 for the whole input
   * @param reason what is wrong, in words a user can act on
   */
  constructor(file: string, lineNumber: number, reason: string) {
    super(lineNumber > 0 ? `${file}:${lineNumber}: ${reason}` : `${file}: ${reason}`);
    this.name = "InputError";
    this.file = file;
    this.lineNumber = lineNumber;
    this.reason = reason;
  }
}

/** An input that is a known binary format (trace.dat, ELF, compressed data, …). */
export class BinaryInputError extends InputError {
  /** What the bytes look like (`trace-cmd trace.dat`, `ELF executable`, …). */
  readonly looksLike: string;

  /**
   * Binary data given where trace text was expected.
   *
   * @param file input name
   * @param looksLike a short description of the detected binary format
   * @param hint what to do instead
   */
  constructor(file: string, looksLike: string, hint: string) {
    super(file, 0, `this is binary data (${looksLike}), not trace text; ${hint}`);
    this.name = "BinaryInputError";
    this.looksLike = looksLike;
  }
}

/**
 * The system refused something kvmreq had to do that is not about the
 * user's input or command line (a tracefs write, unmounting, a missing Deno
 * permission): a one-line message and the internal-error exit code.
 */
export class SystemError extends Error {
  /**
   * A refusal by the system.
   *
   * @param message what failed and why, in one line
   */
  constructor(message: string) {
    super(message);
    this.name = "SystemError";
  }
}
