/** The next input to run, with its position in the whole input (an array's source reuses one: read it at once). */
export interface SourceItem {
  index: number;
  value: unknown;
}

/**
 * Reads inputs one at a time, synchronously for arrays and iterables, serialised for async ones.
 * Items `isFinished` (already in the checkpoint) are passed over inside the source, in one loop per
 * run of them, rather than each going back through a worker: a resume mostly skips.
 */
export function inputSource(
  inputs: Iterable<unknown> | AsyncIterable<unknown>,
  isFinished: ((index: number) => boolean) | undefined,
  signal: AbortSignal | undefined,
): {
  next(): SourceItem | undefined | Promise<SourceItem | undefined>;
  /** How many inputs were read. */
  read(): number;
  /** How many inputs were passed over as finished. */
  skipped(): number;
  /** Reading an item runs none of the caller's code and never waits: the inputs are an array. */
  readonly plain: boolean;
} {
  let index = 0;
  let skipped = 0;
  const skip = (): boolean => {
    if (isFinished === undefined || !isFinished(index)) return false;
    index++;
    skipped++;
    return true;
  };
  if (Array.isArray(inputs)) {
    const list: readonly unknown[] = inputs;
    // One item object, refilled per read: its reader takes index and value out at once, before
    // anything else can read (the array is read synchronously), so no object per item.
    const item: SourceItem = { index: 0, value: undefined };
    return {
      next() {
        while (index < list.length && skip()) if (signal?.aborted) return undefined;
        if (index >= list.length) return undefined;
        item.index = index;
        item.value = list[index++];
        return item;
      },
      read: () => index,
      skipped: () => skipped,
      plain: true,
    };
  }
  if (Symbol.iterator in inputs) {
    const it = inputs[Symbol.iterator]();
    return {
      next() {
        for (;;) {
          const r = it.next();
          if (r.done) return undefined;
          if (!skip()) return { index: index++, value: r.value };
          if (signal?.aborted) return undefined;
        }
      },
      read: () => index,
      skipped: () => skipped,
      plain: false,
    };
  }
  const it = inputs[Symbol.asyncIterator]();
  let done = false;
  let tail: Promise<SourceItem | undefined> = Promise.resolve(undefined);
  return {
    next() {
      // Workers ask concurrently; an async iterator is only asked once the previous answer is in.
      tail = tail.then(async () => {
        for (;;) {
          if (done) return undefined;
          const r = await it.next();
          if (r.done) {
            done = true;
            return undefined;
          }
          if (!skip()) return { index: index++, value: r.value };
          if (signal?.aborted) return undefined;
        }
      });
      return tail;
    },
    read: () => index,
    skipped: () => skipped,
    plain: false,
  };
}
