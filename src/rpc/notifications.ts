// Notification fan-out of one connection: per-method listeners, listeners of every method, and
// bounded async iterators.
import type { CodexTransportError } from "../errors/index.js";
import { CodexError } from "../errors/index.js";
import { Emitter, subscription, type Subscription } from "../events/emitter.js";
import { BoundedQueue } from "../streams/bounded-queue.js";
import type { RpcNotification } from "./messages.js";

export type NotificationListener = (params: unknown, method: string) => void;

/** See {@link NotificationHub.setSink}. */
export type NotificationSink = (
  method: string,
  params: unknown,
  message: RpcNotification | undefined,
) => void;

/** A notification as delivered by `notifications()`. */
export interface NotificationMessage {
  method: string;
  params: unknown;
}

/** The listeners of one connection's notifications. A listener that throws is reported, not fatal. */
export class NotificationHub {
  readonly #byMethod = new Map<string, Emitter<unknown, string>>();
  readonly #any: Emitter<unknown, string>;
  readonly #report: (error: Error) => void;
  /** The method being delivered, for the report of a listener that throws. */
  #current = "";
  /** The last method delivered and its emitter (undefined: none); reset when the listeners change. */
  #lastMethod: string | undefined;
  #lastEmitter: Emitter<unknown, string> | undefined;
  #sink: NotificationSink | undefined;

  constructor(report: (error: Error) => void) {
    this.#report = report;
    this.#any = new Emitter((error) => this.#listenerFailed(this.#current, error));
  }

  /** Subscribes to one method. */
  on(method: string, listener: NotificationListener): Subscription {
    let emitter = this.#byMethod.get(method);
    if (!emitter) {
      emitter = new Emitter<unknown, string>((error) => this.#listenerFailed(method, error));
      this.#byMethod.set(method, emitter);
      this.#lastMethod = undefined;
    }
    const own = emitter;
    const off = own.on(listener);
    return subscription(() => {
      off();
      if (own.size === 0 && this.#byMethod.get(method) === own) {
        this.#byMethod.delete(method);
        this.#lastMethod = undefined;
      }
    });
  }

  /** Subscribes to every method. */
  onAny(listener: NotificationListener): Subscription {
    return this.#any.on(listener);
  }

  /**
   * Sets the one sink that sees every notification with its message object (the thread runtimes): it
   * runs after the per-method listeners and before the listeners of every method. `message` is
   * the parsed `{ method, params }` object when it has no other member the SDK knows of, so a
   * queue can keep it as its event instead of building a copy; else undefined.
   */
  setSink(sink: NotificationSink): Subscription {
    if (this.#sink) throw new CodexError("This connection already has a notification sink.");
    this.#sink = sink;
    return subscription(() => {
      if (this.#sink === sink) this.#sink = undefined;
    });
  }

  deliver(method: string, params: unknown, message?: RpcNotification): void {
    // Notifications come in runs of one method (deltas): comparing with the last method is cheaper
    // than hashing each freshly parsed method string for the map.
    let emitter: Emitter<unknown, string> | undefined;
    if (method === this.#lastMethod) emitter = this.#lastEmitter;
    else {
      emitter = this.#byMethod.get(method);
      this.#lastMethod = method;
      this.#lastEmitter = emitter;
    }
    emitter?.fire(params, method);
    this.#current = method;
    if (this.#sink) {
      try {
        this.#sink(method, params, message);
      } catch (error) {
        this.#listenerFailed(method, error);
      }
    }
    if (this.#any.size > 0) this.#any.fire(params, method);
  }

  /**
   * Every notification as an async iterable with a bounded buffer; `onClose` ends it when the
   * connection closes (`closed`: it already has). Breaking out of the loop unsubscribes.
   */
  iterate(
    capacity: number,
    onClose: (listener: (error?: CodexTransportError) => void) => () => void,
    closed?: { error: CodexTransportError | undefined },
  ): AsyncIterableIterator<NotificationMessage> {
    let unsubscribe: () => void = () => {};
    const queue = new BoundedQueue<NotificationMessage>({ capacity, onReturn: () => unsubscribe() });
    if (closed) {
      queue.end(closed.error);
      return queue;
    }
    const offAny = this.onAny((params, method) => {
      if (!queue.push({ method, params })) unsubscribe();
    });
    const offClose = onClose((error) => queue.end(error));
    unsubscribe = () => {
      offAny();
      offClose();
    };
    return queue;
  }

  clear(): void {
    this.#byMethod.clear();
    this.#lastMethod = undefined;
    this.#lastEmitter = undefined;
    this.#sink = undefined;
    this.#any.clear();
  }

  #listenerFailed(method: string, error: unknown): void {
    this.#report(
      new CodexError(`A listener for "${method}" threw; the connection goes on.`, { cause: error }),
    );
  }
}
