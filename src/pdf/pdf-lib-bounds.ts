/**
 * Two ways a hostile file could exhaust an isolate through pdf-lib's parser, closed.
 *
 * 1. pdf-lib interns every PDFRef ("12 0 R") and PDFName in module-level maps it never
 *    empties, so every distinct reference or name any file held stays in the isolate for
 *    good. A 20 MB file can hold 1.7 million distinct references, about 150 MB. The two
 *    pools are made to hold their entries weakly: an instance stays the one instance of
 *    its value while anything still uses it (pdf-lib's lookups rely on that identity),
 *    and is collected with the file that held it. Found by a reference to the pool
 *    itself, taken the first time `of` looks in it (the pools are private).
 *    A new WeakRef keeps its target alive until the current task ends, so a loop that
 *    parses a whole file awaits `letParsedGo` now and then.
 *
 * 2. One object can hold any number of elements, all alive at once while it is parsed
 *    (an array of 1.5 million references is 18 MB of file and over 128 MB of heap). An
 *    object is read with one PDFObjectParser; each parser may read at most
 *    MAX_ELEMENTS_PER_OBJECT values, far above any real file's largest array.
 *
 * Re-check both after a pdf-lib upgrade (test/unit/pdf/pdf-lib-bounds.test.ts does).
 */
import { PDFName, PDFObjectParser, PDFRef } from "pdf-lib";

/** Values one object may hold, nested ones included: the bench's 2,000-page tagged file has about 100,000 in its parent tree. */
export const MAX_ELEMENTS_PER_OBJECT = 250_000;

export class ObjectTooLargeError extends Error {}

/** Values parsed since the last task boundary: what WeakRefs may still be keeping alive. */
let parsedSinceRelease = 0;
const RELEASE_EVERY = 100_000;

/**
 * Ends the current task when enough has been parsed since the last time, so the
 * engine lets go of what new WeakRefs kept alive (V8 clears them after each task's
 * microtasks; an await alone stays in the same task).
 */
export async function letParsedGo(): Promise<void> {
  if (parsedSinceRelease < RELEASE_EVERY) return;
  parsedSinceRelease = 0;
  await new Promise((resolve) => setTimeout(resolve, 0));
}

let installed = false;

export function boundPdfLib(): void {
  if (installed) return;
  installed = true;
  // Weak references exist on Workers from compatibility date 2025-05-05 (enable_weak_ref).
  if (typeof WeakRef === "function") {
    holdWeakly(poolOf(() => PDFRef.of(0, 0)));
    holdWeakly(poolOf(() => PDFName.of("Type")));
  }
  countElements();
}

/** The Map a pool's `of` looks in first, caught in the act. */
function poolOf(lookUp: () => unknown): Map<string, object> {
  const get = Map.prototype.get;
  let pool: Map<string, object> | undefined;
  Map.prototype.get = function (this: Map<unknown, unknown>, key: unknown) {
    pool ??= this as Map<string, object>;
    return get.call(this, key);
  };
  try {
    lookUp();
  } finally {
    Map.prototype.get = get;
  }
  if (!pool) throw new Error("pdf-lib's pool was not found: check pdf-lib-bounds.ts against this pdf-lib");
  return pool;
}

/** Entries made so far (pdf-lib's own constants among them) stay; later ones are held weakly. */
const kept: object[] = [];

function holdWeakly(pool: Map<string, object>): void {
  const weak = new Map<string, WeakRef<object>>();
  for (const [key, value] of pool) {
    kept.push(value);
    weak.set(key, new WeakRef(value));
  }
  pool.clear();
  // An entry whose instance was collected is dropped: by the registry when the runtime
  // runs its callbacks, and at the latest when the map has doubled since the last sweep.
  const forget = (key: string) => {
    if (weak.get(key)?.deref() === undefined) weak.delete(key);
  };
  const registry = typeof FinalizationRegistry === "function" ? new FinalizationRegistry(forget) : undefined;
  let sweepAt = weak.size + 4096;
  Object.defineProperty(pool, "get", { value: (key: string) => weak.get(key)?.deref() });
  Object.defineProperty(pool, "set", {
    value: (key: string, value: object) => {
      weak.set(key, new WeakRef(value));
      registry?.register(value, key);
      if (weak.size >= sweepAt) {
        for (const k of weak.keys()) forget(k);
        sweepAt = Math.max(2 * weak.size, 4096);
      }
      return pool;
    },
  });
}

function countElements(): void {
  const parseObject = PDFObjectParser.prototype.parseObject;
  const counts = new WeakMap<object, number>();
  PDFObjectParser.prototype.parseObject = function (this: PDFObjectParser) {
    // Only the one-object parser: pdf-lib's whole-document parser is a subclass, and Pactly never loads a file whole.
    parsedSinceRelease++;
    if (this.constructor === PDFObjectParser) {
      const count = (counts.get(this) ?? 0) + 1;
      if (count > MAX_ELEMENTS_PER_OBJECT) throw new ObjectTooLargeError(`an object holds more than ${MAX_ELEMENTS_PER_OBJECT} values`);
      counts.set(this, count);
    }
    return parseObject.call(this);
  };
}
