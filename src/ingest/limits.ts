/**
 * Constants the text reader's threads share: the main thread's
 * {@link RecordBuilder} and event counter, and the parallel reader's
 * workers (which load only light modules: this one imports nothing).
 *
 * @module
 */

/** CPUs below this are counted in arrays; higher numbers (garbage lines) in a map or as records. */
export const DENSE_CPUS = 4096;

/** Keep decision of a name id: not asked yet. */
export const KEEP_UNKNOWN = 0;
/** Keep decision of a name id: build its events. */
export const KEEP_YES = 1;
/** Keep decision of a name id: only count its events. */
export const KEEP_NO = 2;

/** Field-text intern tables: entries (a power of two), and the longest text kept. */
export const FIELD_TEXT_SLOTS = 4096;
/** Longest field text an intern table keeps (longer ones are decoded each time). */
export const FIELD_TEXT_MAX = 256;
