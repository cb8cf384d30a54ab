import { CodexOverflowError } from "../errors/index.js";

/**
 * A single-consumer async queue with a hard capacity. Producers never wait: when the consumer
 * falls `capacity` items behind, the queue stops accepting items and the consumer, after
 * draining what was buffered, gets a `CodexOverflowError`. Nothing is dropped silently and
 * memory stays bounded.
 *
 * Items live in a ring buffer so that taking from the head is O(1) (no `Array#shift`).
 */
export class BoundedQueue<T> implements AsyncIterableIterator<T> {
  readonly capacity: number;
  private readonly ring: (T | undefined)[];
  private head = 0;
  private size = 0;
  private ended = false;
  private failure: Error | undefined;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private readonly onReturn: (() => void) | undefined;
  private readonly overflowMessage: string;

  constructor(options: { capacity: number; onReturn?: () => void; overflowMessage?: string }) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`BoundedQueue capacity must be a positive integer, got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.ring = new Array<T | undefined>(options.capacity);
    this.onReturn = options.onReturn;
    this.overflowMessage =
      options.overflowMessage ??
      `The consumer fell more than ${options.capacity} items behind; read faster or raise the buffer size.`;
  }

  /** Number of buffered items. */
  get length(): number {
    return this.size;
  }

  /** True once `end()` was called or the queue overflowed. */
  get closed(): boolean {
    return this.ended;
  }

  /** Adds an item. Returns false (and fails the queue) when it is full, or when already closed. */
  push(item: T): boolean {
    if (this.ended) return false;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return true;
    }
    if (this.size === this.capacity) {
      this.end(new CodexOverflowError(this.overflowMessage, this.capacity));
      return false;
    }
    // A compare instead of `%`: an integer division per item showed in profiles of deltas.
    let slot = this.head + this.size;
    if (slot >= this.capacity) slot -= this.capacity;
    this.ring[slot] = item;
    this.size++;
    return true;
  }

  /** Ends the queue: buffered items are still delivered, then `done` (or `error`, if given). */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      if (error) waiter.reject(error);
      else waiter.resolve({ value: undefined, done: true });
    }
  }

  /** Removes and returns the head item without waiting, or `undefined` when empty. */
  takeSync(): T | undefined {
    if (this.size === 0) return undefined;
    const value = this.ring[this.head] as T;
    this.ring[this.head] = undefined;
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.size--;
    return value;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ value: this.takeSync() as T, done: false });
    if (this.ended) {
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined; // report once, then behave as done
        return Promise.reject(failure);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    if (this.waiter) return Promise.reject(new Error("BoundedQueue supports one pending next() at a time"));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Called by `for await … break`: drops buffered items and releases the producer's hook. */
  return(): Promise<IteratorResult<T>> {
    this.ring.fill(undefined);
    this.size = 0;
    this.failure = undefined;
    this.end();
    this.onReturn?.();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
