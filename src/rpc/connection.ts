import { CodexProtocolError, CodexTimeoutError, CodexTransportError } from "../errors/index.js";
import { errorFromRpc } from "../errors/from-rpc.js";
import { Emitter, noSubscription, subscription, type Subscription } from "../events/emitter.js";
import { abortError, sleep } from "../internal/timers.js";
import {
  NotificationHub,
  type NotificationListener,
  type NotificationMessage,
  type NotificationSink,
} from "./notifications.js";
import type { Transport } from "../transport/transport.js";
import { asError } from "../internal/as-error.js";
import { reportOrWarn } from "../internal/report.js";
import { classifyMessage, plainNotification, type RequestId, type RpcResponse } from "./messages.js";
import { sendObserved } from "./request-observer.js";
import { ServerRequestDispatcher, type ServerRequestHandler } from "./server-requests.js";
import { reconnectLoop, type ReconnectHost, type ReconnectOptions } from "./reconnect.js";
import { DEFAULT_OVERLOAD_RETRY, withOverloadRetry, type OverloadRetryOptions } from "./retry.js";

export type { NotificationListener, NotificationMessage } from "./notifications.js";
export type { ReconnectOptions } from "./reconnect.js";
export { NO_REPLY } from "./server-requests.js";
export type {
  ConnectionObserver,
  RequestObservation,
  RequestOptions,
  RpcConnectionOptions,
} from "./options.js";
import {
  RPC_CONNECTION_OPTIONS,
  type ConnectionObserver,
  type RequestOptions,
  type RpcConnectionOptions,
  type TraceContext,
} from "./options.js";
import { checkOptions } from "../internal/option-check.js";
export type { ServerRequestContext, ServerRequestHandler } from "./server-requests.js";

import type { ConnectionState } from "./port.js";
export type { ConnectionState } from "./port.js";

interface Pending {
  method: string;
  params: unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

/**
 * JSON-RPC 2.0 over a {@link Transport}: request/response correlation, timeouts, aborts,
 * server→client request dispatch, notification fan-out. Knows nothing about threads or approvals.
 *
 * Every wait ends: by its response, its timeout, its AbortSignal, or the connection closing
 * (which rejects every pending request with one `CodexTransportError`).
 */
export class RpcConnection {
  private state_: ConnectionState = "new";
  private nextId = 1;
  private readonly pending = new Map<RequestId, Pending>();
  readonly #serverRequests: ServerRequestDispatcher;
  readonly #errorContext: RpcConnectionOptions["errorContext"];
  readonly #errors: Emitter<Error>;
  readonly #notifications: NotificationHub;
  readonly #closed: Emitter<CodexTransportError | undefined>;
  readonly #disconnected: Emitter<CodexTransportError>;
  readonly #reconnectListeners = new Set<() => void | Promise<void>>();
  private readonly lifetime = new AbortController();
  private closeError: CodexTransportError | undefined;
  private closing: Promise<void> | undefined;
  private readonly requestTimeoutMs: number;
  private readonly retry: Required<OverloadRetryOptions> | undefined;
  private readonly notificationBufferSize: number;

  #observer: ConnectionObserver | undefined;

  private transport: Transport;
  private readonly reconnect: ReconnectOptions | undefined;

  constructor(transport: Transport, options: RpcConnectionOptions = {}) {
    checkOptions(options, RPC_CONNECTION_OPTIONS, "new RpcConnection(transport, options)");
    this.transport = transport;
    this.reconnect = options.reconnect;
    this.#errors = options.errors ?? new Emitter<Error>();
    const report = (error: unknown) => this.#reportError(asError(error));
    this.#notifications = new NotificationHub(report);
    this.#closed = new Emitter(report);
    this.#disconnected = new Emitter(report);
    this.#serverRequests = new ServerRequestDispatcher({
      isOpen: () => this.state_ === "open",
      send: (message) => this.transport.send(message),
      report,
      fallbackHandler: options.fallbackHandler,
      maxPending: options.maxPendingServerRequests,
      safeDefault: options.safeDefault,
      warn: (error, code) => reportOrWarn(this.#errors, error, code),
    });
    // The server no longer waits for these: a handler still running is told, and stops counting.
    this.#notifications.on("serverRequest/resolved", (p) =>
      this.#serverRequests.resolved((p as { requestId?: RequestId } | null)?.requestId),
    );
    this.#errorContext = options.errorContext;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
    this.retry =
      options.overloadRetry === false ? undefined : { ...DEFAULT_OVERLOAD_RETRY, ...options.overloadRetry };
    this.notificationBufferSize = options.notificationBufferSize ?? 10_000;
    this.attach(transport);
  }

  private attach(transport: Transport): void {
    transport.onmessage = (message) => {
      if (this.transport !== transport) return;
      if (this.#observer) this.#observer.dispatch(() => this.dispatch(message));
      else this.dispatch(message);
    };
    transport.onerror = (error) => {
      if (this.transport === transport) this.#reportError(error);
    };
    transport.onclose = (error) => {
      if (this.transport === transport) this.handleTransportClosed(error);
    };
  }

  /** Called when the transport drops and a reconnect begins (pending requests are already rejected). */
  onDisconnect(listener: (error: CodexTransportError) => void): Subscription {
    return this.#disconnected.on(listener);
  }

  /**
   * Called once a new transport is open, before requests flow again; an async listener is awaited
   * (the client re-initializes there). Requests sent meanwhile are refused as still reconnecting.
   */
  onReconnect(listener: () => void | Promise<void>): Subscription {
    this.#reconnectListeners.add(listener);
    return subscription(() => this.#reconnectListeners.delete(listener));
  }

  get state(): ConnectionState {
    return this.state_;
  }

  /** Number of client requests awaiting a response. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Starts the transport. Idempotent while open; an error once closed. */
  async start(): Promise<void> {
    if (this.state_ === "open" || this.state_ === "reconnecting") return;
    if (this.state_ === "closed") throw this.closedError();
    await this.transport.start();
    if ((this.state_ as ConnectionState) === "closed") throw this.closedError();
    this.state_ = "open";
  }

  /**
   * Sends a request and resolves with its `result`. Rejects with `CodexProtocolError` for a
   * JSON-RPC error, `CodexOverloadedError` after exhausting -32001 retries, `CodexTimeoutError`,
   * `CodexAbortError`, or `CodexTransportError` when the connection closes first.
   */
  async request(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    if (!(timeoutMs > 0))
      throw new RangeError(`timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
    // Unset (no telemetry): one check, nothing else on the hot path.
    const seen = this.#observer?.request(method, params);
    if (!seen) return this.#requestWithRetry(method, params, options, timeoutMs, undefined);
    return sendObserved(seen, (trace) => this.#requestWithRetry(method, params, options, timeoutMs, trace));
  }

  /**
   * Lets one observer see each request as it is sent (and how it settled), give it a W3C trace
   * context for the JSON-RPC `trace` field, and wrap the dispatch of each incoming message.
   * Setting it again replaces it; `undefined` removes it.
   */
  setObserver(observer: ConnectionObserver | undefined): void {
    this.#observer = observer;
  }

  #requestWithRetry(
    method: string,
    params: unknown,
    options: RequestOptions,
    timeoutMs: number,
    trace: TraceContext | undefined,
  ): Promise<unknown> {
    const backOff = (delayMs: number) =>
      sleep(delayMs, [options.signal, this.lifetime.signal], (signal) =>
        signal === options.signal ? abortError("retry back-off", signal) : this.closedError(),
      );
    return withOverloadRetry(method, timeoutMs, this.retry, backOff, (remainingMs) =>
      this.requestOnce(method, params, remainingMs, timeoutMs, options.signal, options.onRequestId, trace),
    );
  }

  /** Sends a notification (no response expected). */
  async notify(method: string, params?: unknown): Promise<void> {
    this.assertOpen();
    await this.transport.send(params === undefined ? { method } : { method, params });
  }

  /**
   * Registers the handler of one server→client request method. Its return value (or resolved
   * value) is sent as the result; a thrown `CodexProtocolError` with a `code` becomes that JSON-RPC
   * error, anything else becomes -32603. Methods with no handler are answered -32601.
   * Returns a function that unregisters it.
   */
  onRequest(method: string, handler: ServerRequestHandler): Subscription {
    return this.#serverRequests.register(method, handler);
  }

  /** Subscribes to one notification method. Returns an unsubscribe function. */
  onNotification(method: string, listener: NotificationListener): Subscription {
    return this.#notifications.on(method, listener);
  }

  /** Subscribes to every notification. Returns an unsubscribe function. */
  onAnyNotification(listener: NotificationListener): Subscription {
    return this.#notifications.onAny(listener);
  }

  /** @internal The thread runtimes' hook: see `NotificationHub.setSink`. One per connection. */
  setNotificationSink(sink: NotificationSink): Subscription {
    return this.#notifications.setSink(sink);
  }

  /**
   * Every notification as an async iterable with a bounded buffer. A consumer that falls more than
   * `bufferSize` behind gets `CodexOverflowError`; breaking out of the loop unsubscribes.
   * The iterable ends when the connection closes (with the transport error, if it failed).
   */
  notifications(options: { bufferSize?: number } = {}): AsyncIterableIterator<NotificationMessage> {
    const capacity = options.bufferSize ?? this.notificationBufferSize;
    const closed = this.state_ === "closed" ? { error: this.closeError } : undefined;
    return this.#notifications.iterate(capacity, (listener) => this.onClose(listener), closed);
  }

  /**
   * The client's own error channel: malformed messages, responses to unknown ids, listener
   * exceptions, failed replies. The connection goes on after each. Returns an unsubscribe function.
   */
  onError(listener: (error: Error) => void): Subscription {
    return this.#errors.on(listener);
  }

  /** Called once when the connection closes; `error` is set if it failed. Returns an unsubscribe function. */
  onClose(listener: (error?: CodexTransportError) => void): Subscription {
    if (this.state_ === "closed") {
      queueMicrotask(() => listener(this.closeError));
      return noSubscription;
    }
    return this.#closed.on(listener);
  }

  /** Aborted when the connection closes; lets long waits elsewhere end with it. */
  get closedSignal(): AbortSignal {
    return this.lifetime.signal;
  }

  /** The error the connection closed with, if it failed. */
  get failure(): CodexTransportError | undefined {
    return this.closeError;
  }

  /** Closes the transport, rejects every pending request, releases listeners and timers. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      if (this.state_ !== "closed") {
        this.finish(undefined);
        try {
          await this.transport.close();
        } catch (error) {
          this.#reportError(asError(error));
        }
      }
    })();
    return this.closing;
  }

  private requestOnce(
    method: string,
    params: unknown,
    remainingMs: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    onRequestId: ((id: number) => void) | undefined,
    trace?: TraceContext,
  ): Promise<unknown> {
    if (this.state_ !== "open") return Promise.reject(this.closedError());
    if (signal?.aborted) return Promise.reject(abortError(method, signal));
    const id = this.nextId++;
    onRequestId?.(id);
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id)?.reject(
          new CodexTimeoutError(`"${method}" got no response within ${timeoutMs} ms.`, timeoutMs),
        );
      }, remainingMs);
      const onAbort = () => this.settle(id)?.reject(abortError(method, signal as AbortSignal));
      signal?.addEventListener("abort", onAbort, { once: true });
      const message: Record<string, unknown> = params === undefined ? { id, method } : { id, method, params };
      if (trace) message.trace = trace;
      this.pending.set(id, {
        method,
        params,
        resolve,
        reject,
        cleanup: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.transport.discard?.(message); // not yet written (server not reading): drop it
        },
      });
      this.transport.send(message).catch((error: unknown) => {
        this.settle(id)?.reject(
          error instanceof CodexTransportError
            ? error
            : new CodexTransportError(`Sending "${method}" failed.`, { cause: error }),
        );
      });
    });
  }

  /** Removes a pending request and returns it (cleaned up), or undefined if already settled. */
  private settle(id: RequestId): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    entry.cleanup();
    return entry;
  }

  private dispatch(raw: unknown): void {
    // The common case first, without building a classification.
    const plain = plainNotification(raw);
    if (plain) {
      this.#notifications.deliver(plain.method, plain.params, plain);
      return;
    }
    const incoming = classifyMessage(raw);
    switch (incoming.kind) {
      case "notification":
        this.#notifications.deliver(incoming.message.method, incoming.message.params);
        return;
      case "response":
        this.deliverResponse(incoming.message);
        return;
      case "request":
        this.#serverRequests.handle(incoming.message);
        return;
      case "invalid":
        this.#reportError(
          new CodexProtocolError(`Ignored an invalid message from the server: ${incoming.reason}.`),
        );
    }
  }

  private deliverResponse(message: RpcResponse): void {
    const entry = this.settle(message.id);
    if (!entry) {
      this.#reportError(
        new CodexProtocolError(`Ignored a response to unknown request id ${JSON.stringify(message.id)}.`),
      );
      return;
    }
    if (message.error) {
      entry.reject(
        errorFromRpc(message.error, {
          ...this.#errorContext?.(),
          method: entry.method,
          params: entry.params,
        }),
      );
    } else {
      entry.resolve(message.result);
    }
  }

  /** Delivers an error to the `onError` listeners; an error listener that throws is dropped there. */
  #reportError(error: Error): void {
    this.#errors.fire(error);
  }

  private handleTransportClosed(error?: CodexTransportError): void {
    if (this.state_ === "closed" || this.state_ === "reconnecting") return;
    const failure = error ?? new CodexTransportError("The app-server closed the connection.");
    if (this.reconnect && this.state_ === "open" && !this.closing) {
      void this.startReconnect(failure, this.reconnect);
      return;
    }
    this.finish(failure);
  }

  /** Rejects what was in flight, then hands the connection to the reconnect loop. */
  private async startReconnect(failure: CodexTransportError, options: ReconnectOptions): Promise<void> {
    this.state_ = "reconnecting";
    this.rejectInFlight(
      (method) =>
        new CodexTransportError(
          `"${method}" failed: the connection dropped and is reconnecting (${failure.message}).`,
          { cause: failure, exit: failure.exit },
        ),
    );
    this.#disconnected.fire(failure);
    const host: ReconnectHost = {
      closedSignal: this.lifetime.signal,
      stillReconnecting: () => this.state_ === "reconnecting",
      adopt: (transport) => {
        this.transport = transport;
        this.attach(transport);
      },
      reopened: async () => {
        this.state_ = "open";
        try {
          for (const listener of [...this.#reconnectListeners]) await listener();
        } catch (error) {
          this.#reportError(
            new CodexTransportError("A reconnect listener failed after the connection reopened; closing.", {
              cause: error,
            }),
          );
          throw error;
        }
      },
      fail: (error) => this.finish(error),
    };
    await reconnectLoop(host, failure, options);
  }

  /** Rejects every pending request (with the error `rejection` makes) and ends in-flight server requests. */
  private rejectInFlight(rejection: (method: string) => CodexTransportError): void {
    for (const id of [...this.pending.keys()]) {
      const entry = this.settle(id);
      entry?.reject(rejection(entry.method));
    }
    this.#serverRequests.endAll();
  }

  /** Moves to `closed` and releases everything; `error` set when the transport failed. */
  private finish(error: CodexTransportError | undefined): void {
    if (this.state_ === "closed") return;
    this.state_ = "closed";
    this.closeError = error;
    this.lifetime.abort(error);
    const rejection = error ?? new CodexTransportError("The client was closed before the server answered.");
    this.rejectInFlight((method) =>
      error
        ? new CodexTransportError(`"${method}" failed: ${error.message}`, {
            cause: error,
            exit: error.exit,
          })
        : rejection,
    );
    this.#closed.fire(error);
    this.#closed.clear();
    this.#disconnected.clear();
    this.#reconnectListeners.clear();
    this.#serverRequests.clear();
    this.#notifications.clear();
    this.#errors.clear();
  }

  private assertOpen(): void {
    if (this.state_ !== "open") throw this.closedError();
  }

  private closedError(): CodexTransportError {
    if (this.state_ === "new")
      return new CodexTransportError("The connection is not started; call start() first.");
    if (this.state_ === "reconnecting")
      return new CodexTransportError(
        "The connection dropped and is reconnecting; retry once it has reconnected (onReconnect).",
      );
    return this.closeError
      ? new CodexTransportError(this.closeError.message, {
          cause: this.closeError,
          exit: this.closeError.exit,
        })
      : new CodexTransportError("The connection is closed.");
  }
}
