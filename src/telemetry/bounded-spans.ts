// The open spans of one kind, by id. Bounded: past the limit the oldest is ended and dropped, so
// spans whose end never arrives (a turn the server retries for ever) cannot grow memory without end.

/** Open spans telemetry follows at once, per kind, by default. */
export const MAX_OPEN_SPANS = 10_000;

export class BoundedSpans<T> {
  readonly #entries = new Map<string, T>();

  constructor(
    readonly evict: (entry: T) => void,
    readonly max: number = MAX_OPEN_SPANS,
  ) {}

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  set(key: string, entry: T): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.max) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [string, T];
      this.#entries.delete(oldestKey);
      this.evict(oldest);
    }
    this.#entries.set(key, entry);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  values(): IterableIterator<T> {
    return this.#entries.values();
  }

  clear(): void {
    this.#entries.clear();
  }
}
