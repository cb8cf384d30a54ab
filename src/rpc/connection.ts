import {
  CodexAbortError,
  CodexError,
  CodexOverloadedError,
  CodexProtocolError,
  CodexTimeoutError,
  CodexTransportError,
  SERVER_OVERLOADED_CODE,
} from "../errors/index.js";
import { BoundedQueue } from "../streams/bounded-queue.js";
import type { Transport } from "../transport/transport.js";
import {
  classifyMessage,
  RpcErrorCode,
  type RequestId,
  type RpcNotification,
  type RpcRequest,
  type RpcResponse,
} from "./messages.js";
import { backoffDelay, DEFAULT_OVERLOAD_RETRY, type OverloadRetryOptions } from "./retry.js";

/** Per-request options. */
export interface RequestOptions {
  /** Give up after this long (ms). Defaults to the connection's `requestTimeoutMs`. */
  timeoutMs?: number | undefined;
  /** Abort the wait. The server is not told (JSON-RPC has no cancel); the promise rejects. */
  signal?: AbortSignal | undefined;
}

/** Passed to server-request handlers. */
export interface ServerRequestContext {
  /** The server's request id (its own id space, starting at 0 on the real server). */
  id: RequestId;
  method: string;
  /** Aborted when the connection closes before the handler answered. */
  signal: AbortSignal;
}

export type ServerRequestHandler = (params: unknown, context: ServerRequestContext) => unknown;

/**
 * A server-request handler that resolves to this sends no reply: the request stopped being pending
 * on the server's side (it said so, or the turn ended), so there is nobody left to answer.
 */
export const NO_REPLY: unique symbol = Symbol("codex.noReply");
export type NotificationListener = (params: unknown, method: string) => void;

/** Options of {@link RpcConnection}. */
export interface RpcConnectionOptions {
  /** Default timeout of one request, in ms. Default 120 000. */
  requestTimeoutMs?: number | undefined;
  /** Retry policy for -32001 "Server overloaded"; `false` disables retries. */
  overloadRetry?: OverloadRetryOptions | false | undefined;
  /** Default capacity of `notifications()` iterators. Default 10 000. */
  notificationBufferSize?: number | undefined;
  /**
   * Reconnect when the transport drops instead of closing: `transport()` makes a fresh transport,
   * tried up to `maxAttempts` times, `backoffMs` apart (doubling, at most 30 s).
   */
  reconnect?: ReconnectOptions | undefined;
}

/** How to reconnect a dropped connection. */
export interface ReconnectOptions {
  /** Attempts before giving up and closing. Default 10. */
  maxAttempts?: number | undefined;
  /** Delay before the first attempt, doubled after each failure (at most 30 s). Default 500 ms. */
  backoffMs?: number | undefined;
  /** Makes the transport of the next attempt. */
  transport: () => Transport;
}

/** A notification as delivered by `notifications()`. */
export interface NotificationMessage {
  method: string;
  params: unknown;
}

export type ConnectionState = "new" | "open" | "reconnecting" | "closed";

interface Pending {
  method: string;
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
  private readonly requestHandlers = new Map<string, ServerRequestHandler>();
  private readonly fallbackHandlers = new Map<string, ServerRequestHandler>();
  private readonly notificationListeners = new Map<string, Set<NotificationListener>>();
  private readonly anyNotificationListeners = new Set<NotificationListener>();
  private readonly errorListeners = new Set<(error: Error) => void>();
  private readonly closeListeners = new Set<(error?: CodexTransportError) => void>();
  private readonly inflightServerRequests = new Map<RequestId, AbortController>();
  private readonly lifetime = new AbortController();
  private closeError: CodexTransportError | undefined;
  private closing: Promise<void> | undefined;
  private readonly requestTimeoutMs: number;
  private readonly retry: Required<OverloadRetryOptions> | undefined;
  private readonly notificationBufferSize: number;

  private transport: Transport;
  private readonly reconnect: ReconnectOptions | undefined;
  private readonly disconnectListeners = new Set<(error: CodexTransportError) => void>();
  private readonly reconnectListeners = new Set<() => void | Promise<void>>();

  constructor(transport: Transport, options: RpcConnectionOptions = {}) {
    this.transport = transport;
    this.reconnect = options.reconnect;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
    this.retry =
      options.overloadRetry === false ? undefined : { ...DEFAULT_OVERLOAD_RETRY, ...options.overloadRetry };
    this.notificationBufferSize = options.notificationBufferSize ?? 10_000;
    this.attach(transport);
  }

  private attach(transport: Transport): void {
    transport.onmessage = (message) => {
      if (this.transport === transport) this.dispatch(message);
    };
    transport.onerror = (error) => {
      if (this.transport === transport) this.reportError(error);
    };
    transport.onclose = (error) => {
      if (this.transport === transport) this.handleTransportClosed(error);
    };
  }

  /** Called when the transport drops and a reconnect begins (pending requests are already rejected). */
  onDisconnect(listener: (error: CodexTransportError) => void): () => void {
    this.disconnectListeners.add(listener);
    return () => this.disconnectListeners.delete(listener);
  }

  /**
   * Called once a new transport is open, before requests flow again; an async listener is awaited
   * (the client re-initializes there). Requests sent meanwhile are refused as still reconnecting.
   */
  onReconnect(listener: () => void | Promise<void>): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
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
    const deadline = Date.now() + timeoutMs;
    const maxRetries = this.retry?.maxRetries ?? 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.requestOnce(
          method,
          params,
          Math.max(1, deadline - Date.now()),
          timeoutMs,
          options.signal,
        );
      } catch (error) {
        if (!(error instanceof CodexProtocolError) || error.code !== SERVER_OVERLOADED_CODE) throw error;
        if (attempt >= maxRetries || !this.retry) {
          throw new CodexOverloadedError(
            `The app-server stayed overloaded for "${method}" after ${attempt + 1} attempt(s); retry later ` +
              "or raise overloadRetry.maxRetries.",
            attempt + 1,
            { data: error.data, method, cause: error },
          );
        }
        const delay = backoffDelay(attempt, this.retry);
        if (Date.now() + delay >= deadline) {
          throw new CodexTimeoutError(
            `"${method}" timed out after ${timeoutMs} ms while the server was overloaded.`,
            timeoutMs,
            { cause: error },
          );
        }
        await this.sleep(delay, options.signal);
      }
    }
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
  onRequest(method: string, handler: ServerRequestHandler): () => void {
    if (this.requestHandlers.has(method)) {
      throw new CodexError(
        `A handler for server request "${method}" is already registered; dispose it first.`,
      );
    }
    this.requestHandlers.set(method, handler);
    return () => {
      if (this.requestHandlers.get(method) === handler) this.requestHandlers.delete(method);
    };
  }

  /**
   * Installs the handler used for `method` while no handler is registered with `onRequest`: the
   * layers above put their safe defaults here, and a user's own handler overrides them.
   */
  setFallbackHandler(method: string, handler: ServerRequestHandler | undefined): void {
    if (handler) this.fallbackHandlers.set(method, handler);
    else this.fallbackHandlers.delete(method);
  }

  /** Subscribes to one notification method. Returns an unsubscribe function. */
  onNotification(method: string, listener: NotificationListener): () => void {
    let set = this.notificationListeners.get(method);
    if (!set) {
      set = new Set();
      this.notificationListeners.set(method, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.notificationListeners.get(method) === set)
        this.notificationListeners.delete(method);
    };
  }

  /** Subscribes to every notification. Returns an unsubscribe function. */
  onAnyNotification(listener: NotificationListener): () => void {
    this.anyNotificationListeners.add(listener);
    return () => this.anyNotificationListeners.delete(listener);
  }

  /**
   * Every notification as an async iterable with a bounded buffer. A consumer that falls more than
   * `bufferSize` behind gets `CodexOverflowError`; breaking out of the loop unsubscribes.
   * The iterable ends when the connection closes (with the transport error, if it failed).
   */
  notifications(options: { bufferSize?: number } = {}): AsyncIterableIterator<NotificationMessage> {
    let unsubscribe: () => void = () => {};
    const queue = new BoundedQueue<NotificationMessage>({
      capacity: options.bufferSize ?? this.notificationBufferSize,
      onReturn: () => unsubscribe(),
    });
    if (this.state_ === "closed") {
      queue.end(this.closeError);
      return queue;
    }
    const offAny = this.onAnyNotification((params, method) => {
      if (!queue.push({ method, params })) unsubscribe();
    });
    const offClose = this.onClose((error) => queue.end(error));
    unsubscribe = () => {
      offAny();
      offClose();
    };
    return queue;
  }

  /**
   * The client's own error channel: malformed messages, responses to unknown ids, listener
   * exceptions, failed replies. The connection goes on after each. Returns an unsubscribe function.
   */
  onError(listener: (error: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Called once when the connection closes; `error` is set if it failed. Returns an unsubscribe function. */
  onClose(listener: (error?: CodexTransportError) => void): () => void {
    if (this.state_ === "closed") {
      queueMicrotask(() => listener(this.closeError));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
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
          this.reportError(error instanceof Error ? error : new Error(String(error)));
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
  ): Promise<unknown> {
    if (this.state_ !== "open") return Promise.reject(this.closedError());
    if (signal?.aborted) return Promise.reject(abortError(method, signal));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.settle(id)?.reject(
          new CodexTimeoutError(`"${method}" got no response within ${timeoutMs} ms.`, timeoutMs),
        );
      }, remainingMs);
      const onAbort = () => this.settle(id)?.reject(abortError(method, signal as AbortSignal));
      signal?.addEventListener("abort", onAbort, { once: true });
      const message = params === undefined ? { id, method } : { id, method, params };
      this.pending.set(id, {
        method,
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

  private sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const lifetime = this.lifetime.signal;
      const done = (error?: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        lifetime.removeEventListener("abort", onClose);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => done(abortError("retry back-off", signal as AbortSignal));
      const onClose = () => done(this.closedError());
      const timer = setTimeout(() => done(), ms);
      if (signal?.aborted) return onAbort();
      if (lifetime.aborted) return onClose();
      signal?.addEventListener("abort", onAbort, { once: true });
      lifetime.addEventListener("abort", onClose, { once: true });
    });
  }

  private dispatch(raw: unknown): void {
    const incoming = classifyMessage(raw);
    switch (incoming.kind) {
      case "notification":
        this.deliverNotification(incoming.message);
        return;
      case "response":
        this.deliverResponse(incoming.message);
        return;
      case "request":
        this.handleServerRequest(incoming.message);
        return;
      case "invalid":
        this.reportError(
          new CodexProtocolError(`Ignored an invalid message from the server: ${incoming.reason}.`),
        );
    }
  }

  private deliverNotification(message: RpcNotification): void {
    const listeners = this.notificationListeners.get(message.method);
    if (listeners) {
      for (const listener of listeners) this.callListener(listener, message);
    }
    for (const listener of this.anyNotificationListeners) this.callListener(listener, message);
  }

  private callListener(listener: NotificationListener, message: RpcNotification): void {
    try {
      listener(message.params, message.method);
    } catch (error) {
      this.reportError(
        new CodexError(`A listener for "${message.method}" threw; the connection goes on.`, { cause: error }),
      );
    }
  }

  private deliverResponse(message: RpcResponse): void {
    const entry = this.settle(message.id);
    if (!entry) {
      this.reportError(
        new CodexProtocolError(`Ignored a response to unknown request id ${JSON.stringify(message.id)}.`),
      );
      return;
    }
    if (message.error) {
      const { code, message: text, data } = message.error;
      entry.reject(
        new CodexProtocolError(`"${entry.method}" failed: ${text || "(no message)"} (JSON-RPC ${code})`, {
          code,
          data,
          method: entry.method,
        }),
      );
    } else {
      entry.resolve(message.result);
    }
  }

  private handleServerRequest(request: RpcRequest): void {
    const handler = this.requestHandlers.get(request.method) ?? this.fallbackHandlers.get(request.method);
    if (!handler) {
      this.reply(request.id, undefined, {
        code: RpcErrorCode.MethodNotFound,
        message: `Method not found: this client has no handler for "${request.method}"`,
      });
      return;
    }
    if (this.inflightServerRequests.has(request.id)) {
      this.reportError(
        new CodexProtocolError(
          `The server reused request id ${JSON.stringify(request.id)} while it was pending.`,
        ),
      );
    }
    const controller = new AbortController();
    this.inflightServerRequests.set(request.id, controller);
    const context: ServerRequestContext = {
      id: request.id,
      method: request.method,
      signal: controller.signal,
    };
    let result: unknown;
    try {
      result = handler(request.params, context);
    } catch (error) {
      this.finishServerRequest(request, controller, undefined, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => this.finishServerRequest(request, controller, value, undefined),
        (error: unknown) =>
          this.finishServerRequest(request, controller, undefined, error ?? new Error("rejected")),
      );
    } else {
      this.finishServerRequest(request, controller, result, undefined);
    }
  }

  private finishServerRequest(
    request: RpcRequest,
    controller: AbortController,
    value: unknown,
    error: unknown,
  ): void {
    if (this.inflightServerRequests.get(request.id) === controller)
      this.inflightServerRequests.delete(request.id);
    if (this.state_ !== "open") return;
    if (error === undefined && value === NO_REPLY) return;
    if (error === undefined) {
      this.reply(request.id, value === undefined ? null : value, undefined);
      return;
    }
    if (error instanceof CodexProtocolError && error.code !== undefined) {
      this.reply(request.id, undefined, {
        code: error.code,
        message: error.message,
        ...(error.data === undefined ? {} : { data: error.data }),
      });
      return;
    }
    this.reportError(
      new CodexError(`The handler for server request "${request.method}" failed; replied -32603.`, {
        cause: error,
      }),
    );
    this.reply(request.id, undefined, {
      code: RpcErrorCode.InternalError,
      message: `Client handler for "${request.method}" failed`,
    });
  }

  private reply(
    id: RequestId,
    result: unknown,
    error: { code: number; message: string; data?: unknown } | undefined,
  ): void {
    if (this.state_ !== "open") return;
    const message = error ? { id, error } : { id, result };
    this.transport.send(message).catch((cause: unknown) => {
      this.reportError(
        new CodexTransportError(`Could not send the reply to server request ${id}.`, { cause }),
      );
    });
  }

  /** Delivers an error to the `onError` listeners (used by the layers above for what they absorb). */
  reportError(error: Error): void {
    for (const listener of this.errorListeners) {
      try {
        listener(error);
      } catch {
        // an error listener that throws has nowhere left to report to
      }
    }
  }

  private handleTransportClosed(error?: CodexTransportError): void {
    if (this.state_ === "closed" || this.state_ === "reconnecting") return;
    const failure = error ?? new CodexTransportError("The app-server closed the connection.");
    if (this.reconnect && this.state_ === "open" && !this.closing) {
      void this.reconnectLoop(failure, this.reconnect);
      return;
    }
    this.finish(failure);
  }

  /** Rejects what was in flight, then tries new transports until one opens or attempts run out. */
  private async reconnectLoop(failure: CodexTransportError, options: ReconnectOptions): Promise<void> {
    this.state_ = "reconnecting";
    this.rejectInFlight(
      (method) =>
        new CodexTransportError(
          `"${method}" failed: the connection dropped; the client is reconnecting (${failure.message}).`,
          { cause: failure, exit: failure.exit },
        ),
      failure,
    );
    for (const listener of [...this.disconnectListeners]) this.callSafely(() => listener(failure));
    const maxAttempts = options.maxAttempts ?? 10;
    let delay = options.backoffMs ?? 500;
    let lastError: unknown = failure;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      // Ends early (rejecting) when the connection closes meanwhile.
      await this.sleep(delay, undefined).catch(() => {});
      if (this.state_ !== "reconnecting") return; // closed meanwhile
      delay = Math.min(delay * 2, 30_000);
      const transport = options.transport();
      this.transport = transport;
      this.attach(transport);
      try {
        await transport.start();
      } catch (error) {
        lastError = error;
        continue;
      }
      if ((this.state_ as ConnectionState) !== "reconnecting") {
        await transport.close().catch(() => {});
        return;
      }
      this.state_ = "open";
      try {
        for (const listener of [...this.reconnectListeners]) await listener();
      } catch (error) {
        this.reportError(
          new CodexTransportError("Re-initializing after a reconnect failed; closing.", { cause: error }),
        );
        this.finish(new CodexTransportError("Re-initializing after a reconnect failed.", { cause: error }));
        await transport.close().catch(() => {});
      }
      return;
    }
    this.finish(
      new CodexTransportError(
        `Could not reconnect after ${maxAttempts} attempts: ${String((lastError as Error)?.message ?? lastError)}`,
        {
          cause: lastError,
        },
      ),
    );
  }

  /** Rejects every pending request (with the error `rejection` makes) and aborts in-flight server requests. */
  private rejectInFlight(rejection: (method: string) => CodexTransportError, abortReason: unknown): void {
    for (const id of [...this.pending.keys()]) {
      const entry = this.settle(id);
      entry?.reject(rejection(entry.method));
    }
    for (const controller of this.inflightServerRequests.values()) controller.abort(abortReason);
    this.inflightServerRequests.clear();
  }

  private callSafely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.reportError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Moves to `closed` and releases everything; `error` set when the transport failed. */
  private finish(error: CodexTransportError | undefined): void {
    if (this.state_ === "closed") return;
    this.state_ = "closed";
    this.closeError = error;
    this.lifetime.abort(error);
    const rejection = error ?? new CodexTransportError("The client was closed before the server answered.");
    this.rejectInFlight(
      (method) =>
        error
          ? new CodexTransportError(`"${method}" failed: ${error.message}`, {
              cause: error,
              exit: error.exit,
            })
          : rejection,
      rejection,
    );
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const listener of listeners) this.callSafely(() => listener(error));
    this.disconnectListeners.clear();
    this.reconnectListeners.clear();
    this.requestHandlers.clear();
    this.fallbackHandlers.clear();
    this.notificationListeners.clear();
    this.anyNotificationListeners.clear();
    this.errorListeners.clear();
  }

  private assertOpen(): void {
    if (this.state_ !== "open") throw this.closedError();
  }

  private closedError(): CodexTransportError {
    if (this.state_ === "new")
      return new CodexTransportError("The connection is not started; call start() first.");
    if (this.state_ === "reconnecting")
      return new CodexTransportError(
        "The connection dropped and the client is reconnecting; retry once it has reconnected (client.onReconnected).",
      );
    return this.closeError
      ? new CodexTransportError(this.closeError.message, {
          cause: this.closeError,
          exit: this.closeError.exit,
        })
      : new CodexTransportError("The connection is closed.");
  }
}

function abortError(what: string, signal: AbortSignal): CodexAbortError {
  return new CodexAbortError(`"${what}" was aborted.`, { cause: signal.reason });
}
