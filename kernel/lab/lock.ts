/**
 * One lab run at a time per cache: builds share the prepared source, and a
 * run prunes old patched trees, so a second run waits for the first.
 *
 * @module
 */

/** A held lock; `release()` lets the next run go. */
export interface LabLock {
  /** Releases the lock. */
  release(): void;
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the exclusive lock `${root}/lock` (an flock held while the process
 * runs, so a killed run never leaves it taken), telling `say` whom it waits
 * for when another run holds it.
 */
export async function takeLabLock(root: string, say: (line: string) => void): Promise<LabLock> {
  const path = `${root}/lock`;
  const file = await Deno.open(path, { read: true, write: true, create: true });
  const holder = Number((await Deno.readTextFile(path)).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== Deno.pid && alive(holder)) {
    say(`waiting for another lab run (pid ${holder}) to finish with ${root}`);
  }
  await file.lock(true);
  await file.truncate(0);
  await file.write(new TextEncoder().encode(`${Deno.pid}\n`));
  return {
    release() {
      try {
        file.truncate(0);
        file.unlockSync();
        file.close();
      } catch {
        // already released
      }
    },
  };
}
