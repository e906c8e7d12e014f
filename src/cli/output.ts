/**
 * Buffered text output for commands: lines are collected and written in large
 * blocks, and a closed pipe (`kvmreq events … | head`) ends output quietly.
 *
 * @module
 */

const encoder = new TextEncoder();

import type { TextSink } from "../report/text_sink.ts";
import { writeFailure } from "./output_file.ts";

export type { TextSink };

/** A writer that accepts `Uint8Array` chunks, such as `Deno.stdout` or an open file. */
export interface ByteWriter {
  /** Writes some of `p`; resolves to the number of bytes written. */
  write(p: Uint8Array): Promise<number>;
}

/**
 * Buffers text for `writer`, flushing every `blockChars` characters. A
 * closed pipe ends the output quietly; another failure to write (a full
 * disk) is thrown as {@link writeFailure} says, naming the output `name`.
 */
export function bufferedSink(
  writer: ByteWriter,
  blockChars = 1 << 16,
  name = "standard output",
): TextSink {
  let parts: string[] = [];
  let size = 0;
  let closed = false;
  async function writeAll(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) off += await writer.write(data.subarray(off));
  }
  async function flush(): Promise<void> {
    if (parts.length === 0 || closed) return;
    const text = parts.join("");
    parts = [];
    size = 0;
    try {
      await writeAll(encoder.encode(text));
    } catch (err) {
      if (err instanceof Deno.errors.BrokenPipe) closed = true;
      else throw writeFailure(name, err);
    }
  }
  return {
    get closed() {
      return closed;
    },
    async write(text: string) {
      if (closed) return;
      parts.push(text);
      size += text.length;
      if (size >= blockChars) await flush();
    },
    flush,
  };
}

/** A sink that keeps everything in memory (tests, and commands that post-process). */
export function memorySink(): TextSink & { text(): string } {
  const parts: string[] = [];
  return {
    closed: false,
    write(text: string) {
      parts.push(text);
      return Promise.resolve();
    },
    flush: () => Promise.resolve(),
    text: () => parts.join(""),
  };
}

/** Standard output as a {@link TextSink}. */
export function stdoutSink(): TextSink {
  return bufferedSink(Deno.stdout);
}
