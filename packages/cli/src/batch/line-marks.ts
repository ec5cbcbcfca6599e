/**
 * Line numbers marked while a file streams by, in ascending order, with a value each; the ones at
 * or before a record already read are dropped, so only the lines of the record in progress are kept.
 */
export class LineMarks<T> {
  #lines: number[] = [];
  #values: T[] = [];
  #head = 0;

  /** Marks a line (lines come in ascending order). */
  mark(line: number, value: T): void {
    this.#lines.push(line);
    this.#values.push(value);
  }

  /** The first mark in (after, upTo], if any; marks up to `upTo` are dropped. */
  firstIn(after: number, upTo: number): { line: number; value: T } | undefined {
    this.#dropUpTo(after);
    const line = this.#lines[this.#head];
    const found =
      line !== undefined && line <= upTo ? { line, value: this.#values[this.#head] as T } : undefined;
    this.#dropUpTo(upTo);
    return found;
  }

  /** The last mark after `after` left without a partner when marks after it pair up from the start. */
  unpairedAfter(after: number): number | undefined {
    this.#dropUpTo(after);
    const left = this.#lines.slice(this.#head);
    return left.length % 2 === 1 ? left.at(-1) : undefined;
  }

  /** The first marked line after `after`, if any. */
  firstAfter(after: number): number | undefined {
    this.#dropUpTo(after);
    return this.#lines[this.#head];
  }

  /** Drops the marks up to `line` (a record ending there was read). */
  forget(line: number): void {
    this.#dropUpTo(line);
  }

  #dropUpTo(line: number): void {
    while (this.#head < this.#lines.length && (this.#lines[this.#head] as number) <= line) this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#head);
      this.#values = this.#values.slice(this.#head);
      this.#head = 0;
    }
  }
}
