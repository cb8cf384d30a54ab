// What a turn's stream and a goal run share: the bounded event queue, one completion settled once,
// the time of the last progress, and the items kept for the result (the newest N, the rest
// counted). TurnState and GoalRun each hold one and add what is theirs (routing, end rules).
import { BoundedQueue } from "./bounded-queue.js";

/** Options of a {@link StreamCore}. */
export interface StreamCoreOptions {
  /** Capacity of the event queue; 0: no queue (nobody iterates). */
  bufferSize: number;
  /** The overflow error's message: who fell behind, and what to do. */
  overflowMessage: string;
  /** Called when an iterating reader leaves early (`break`). */
  onReturn?: (() => void) | undefined;
  /** Items to keep for the result: the newest this many. */
  keepItems: number;
}

/**
 * An event stream with a result: `push` queues events for the reader, `end` or `fail` settles it
 * once (a full queue fails the reader with `CodexOverflowError`). State is private; readers get
 * the queue (`events`) and `done()`.
 */
export class StreamCore<E, R, I = unknown> {
  readonly #queue: BoundedQueue<E> | undefined;
  readonly #completion: Promise<R>;
  #resolve!: (result: R) => void;
  #reject!: (error: unknown) => void;
  #failure: Error | undefined;
  #ended = false;
  readonly #keepItems: number;
  readonly #items: I[] = [];
  #itemsDropped = 0;
  /** `Date.now()` of the last progress (for the inactivity timeout). */
  lastProgressAt = Date.now();

  constructor(options: StreamCoreOptions) {
    this.#keepItems = options.keepItems;
    this.#queue =
      options.bufferSize > 0
        ? new BoundedQueue<E>({
            capacity: options.bufferSize,
            overflowMessage: options.overflowMessage,
            ...(options.onReturn ? { onReturn: options.onReturn } : {}),
          })
        : undefined;
    this.#completion = new Promise<R>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // done() may never be awaited (a loop reads the events instead); its rejection reaches the reader.
    this.#completion.catch(() => {});
  }

  /** True once ended or failed. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The error the stream failed with, if it did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** The reader's queue, or undefined when the stream was made without one. */
  get events(): BoundedQueue<E> | undefined {
    return this.#queue;
  }

  /** Queues `event` for the reader (nothing without a queue, or after the end). */
  push(event: E): void {
    this.#queue?.push(event);
  }

  /** Ends the stream with `result`: the reader drains what is queued, then stops. Once only. */
  end(result: R): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#queue?.end();
    this.#resolve(result);
  }

  /** Ends the stream with `error`, for the reader and for `done()`. Once only. */
  fail(error: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#failure = error;
    this.#queue?.end(error);
    this.#reject(error);
  }

  /** Resolves with the result; rejects with the failure. */
  done(): Promise<R> {
    return this.#completion;
  }

  /** Keeps `item` for the result; past `keepItems`, the oldest are dropped (and counted). */
  keepItem(item: I): void {
    if (this.#keepItems <= 0) {
      this.#itemsDropped++;
      return;
    }
    this.#items.push(item);
    // Trimmed in batches, so keeping the newest N costs O(1) per item.
    if (this.#items.length > 2 * this.#keepItems + 64) this.#trim();
  }

  /** The kept items (the newest `keepItems`), and how many older ones were dropped. */
  keptItems(): { items: I[]; itemsDropped: number } {
    this.#trim();
    return { items: [...this.#items], itemsDropped: this.#itemsDropped };
  }

  #trim(): void {
    const extra = this.#items.length - Math.max(this.#keepItems, 0);
    if (extra <= 0) return;
    this.#items.splice(0, extra);
    this.#itemsDropped += extra;
  }
}
