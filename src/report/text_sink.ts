/**
 * Where a report writes its text: the one interface report writers stream
 * into (the CLI's buffered sinks in src/cli/output.ts implement it), so
 * report code never depends on the CLI.
 *
 * @module
 */

/** Where a command writes its text. */
export interface TextSink {
  /** Appends `text` (include the newline yourself). */
  write(text: string): Promise<void>;
  /** Writes out everything buffered. */
  flush(): Promise<void>;
  /** True once the reader went away (broken pipe); further writes are dropped. */
  readonly closed: boolean;
}
