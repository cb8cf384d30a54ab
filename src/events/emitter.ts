/**
 * What every `on…` registration of the SDK returns: call it to unsubscribe. It is also a
 * `Disposable`, so `using off = client.onError(…)` unsubscribes at the end of the scope.
 * Calling it more than once does nothing.
 */
export type Subscription = (() => void) & Disposable;

/** Wraps an unsubscribe function as a {@link Subscription}. */
export function subscription(unsubscribe: () => void): Subscription {
  let done = false;
  const off = () => {
    if (done) return;
    done = true;
    unsubscribe();
  };
  return Object.assign(off, { [Symbol.dispose]: off });
}

/** A subscription that was never registered (e.g. on a closed connection). */
export const noSubscription: Subscription = subscription(() => {});

/**
 * A small synchronous event emitter: one place for the SDK's listener sets. `fire` calls every
 * listener registered at that moment; a listener that throws is handed to `onListenerError` (the
 * SDK's error channel), so one bad listener never stops the others. Two arguments at most, so the
 * hot notification path does not pay for rest parameters.
 */
export class Emitter<A, B = void> {
  readonly #listeners = new Set<(a: A, b: B) => void>();
  readonly #onListenerError: ((error: unknown) => void) | undefined;

  constructor(onListenerError?: (error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  /** Registers a listener. */
  on(listener: (a: A, b: B) => void): Subscription {
    if (typeof listener !== "function") throw new TypeError("A listener must be a function.");
    this.#listeners.add(listener);
    return subscription(() => this.#listeners.delete(listener));
  }

  /** Number of registered listeners. */
  get size(): number {
    return this.#listeners.size;
  }

  fire(a: A, b: B): void {
    for (const listener of this.#listeners) {
      try {
        listener(a, b);
      } catch (error) {
        if (this.#onListenerError) this.#onListenerError(error);
        // Without an error channel, a throwing listener has nowhere left to report to.
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
