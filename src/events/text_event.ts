/**
 * The record the text readers make for a kept event, which is also the
 * origin of its model event: one object per event on the text path (issue
 * 17's hot path, docs/architecture.md), where a plain {@link TraceEvent}
 * was built first and an {@link EventOrigin} copied from it afterwards.
 *
 * Its strings are shared references: the comm, flag column and name come
 * from the reader's intern tables, and the field text is a {@link FieldText}
 * interned by its bytes, which also carries what normalization decoded from
 * it, so a text repeated a million times is decoded once. The `bigint` time
 * is made on first read; {@link TextEvent.tsNs} has it as an exact number.
 *
 * @module
 */

import type { EventOrigin } from "./model_event.ts";
import type { TraceEvent } from "./types.ts";

/**
 * One distinct field text. `owner` and `value` are a one-entry memo of what
 * a decoder made of the text: the decoder that set them (normalization keeps
 * one per event name) and its result. A text met under another decoder is
 * decoded again and the memo replaced, so sharing one {@link FieldText}
 * between names costs time, never correctness.
 */
export class FieldText {
  /** The decoder whose result {@link value} holds, `undefined` before any. */
  owner: object | undefined = undefined;
  /** What {@link owner} decoded from {@link text}. */
  value: unknown = undefined;

  /**
   * A field text, not decoded yet.
   *
   * @param text the field text as printed
   */
  constructor(readonly text: string) {}
}

/** A text reader's kept event: the record, and the origin of its model event. */
export class TextEvent implements TraceEvent, EventOrigin {
  /** Record discriminator. */
  readonly type = "event" as const;
  /** Stack frames attached by a following stack trace, innermost first. */
  stack: string[] | undefined = undefined;
  /** The time as a `bigint`, made on first read when {@link tsNs} holds it exactly. */
  #ts: bigint | undefined;

  /**
   * A kept event of line `line`.
   *
   * @param file input name
   * @param line 1-based line number
   * @param comm thread name as printed
   * @param pid thread id
   * @param tgid thread-group id (`null`: printed as dashes; `undefined`: no column)
   * @param cpu CPU the event was recorded on
   * @param flags the flag column, `undefined` when absent
   * @param tsNs the time as an exact number (ns or ticks), NaN when it does not fit one
   * @param bigTs the time as a `bigint` when `tsNs` is NaN, else `undefined`
   * @param name event name
   * @param text the field text, interned
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly comm: string,
    readonly pid: number,
    readonly tgid: number | null | undefined,
    readonly cpu: number,
    readonly flags: string | undefined,
    readonly tsNs: number,
    readonly bigTs: bigint | undefined,
    readonly name: string,
    readonly text: FieldText,
  ) {
    this.#ts = bigTs;
  }

  /** Timestamp (ns, or ticks for counter clocks). */
  get ts(): bigint {
    let ts = this.#ts;
    if (ts === undefined) this.#ts = ts = BigInt(this.tsNs);
    return ts;
  }

  /** The field text after `name: `, as printed. */
  get fields(): string {
    return this.text.text;
  }
}
