// Server→client requests of one connection: find the handler (the user's, else the SDK's default,
// else -32601), run it, and send exactly one reply (or none, for NO_REPLY).
import { CodexError, CodexOverflowError, CodexProtocolError, CodexTransportError } from "../errors/index.js";
import { subscription, type Subscription } from "../events/emitter.js";
import { RpcErrorCode, type RequestId, type RpcRequest } from "./messages.js";

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

/**
 * @internal What an SDK handler returns when it answers later: `settle()` sends the reply at once,
 * in the caller's own call stack. A `Promise` would send it one microtask later, after whatever
 * else ran in that stack (an approval's signal, its settled listeners), which every round trip paid.
 * Get one wired to the request with {@link deferReply} before answering, so that even an answer
 * given inside the handler call is written before the handler returns.
 */
export class DeferredReply {
  #listener: ((value: unknown) => void) | undefined;
  #settled = false;
  #value: unknown;

  /** Delivers the reply (a value, or `NO_REPLY`). Only the first call counts. */
  settle(value: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#value = value;
    this.#listener?.(value);
  }

  /** @internal The dispatcher's hook: runs once, at `settle()` (or now, if it already ran). */
  onSettle(listener: (value: unknown) => void): void {
    if (this.#settled) listener(this.#value);
    else this.#listener = listener;
  }
}

/** What the dispatcher needs from its connection. */
export interface ServerRequestHost {
  /** True while replies can be sent. */
  isOpen(): boolean;
  send(message: unknown): Promise<void>;
  report(error: Error): void;
  /** The SDK's own handler (its safe default) of a method with no user handler. */
  fallbackHandler?: ((method: string) => ServerRequestHandler | undefined) | undefined;
  /** Most requests waiting for their handler's answer at once. Default {@link DEFAULT_MAX_PENDING_SERVER_REQUESTS}. */
  maxPending?: number | undefined;
  /**
   * The reply of `method` sent at once when `maxPending` requests already wait: its safe default
   * (e.g. `{ decision: "decline" }`) or an error; undefined: the method has none, and -32603 is sent.
   */
  safeDefault?: ((method: string, params: unknown) => SafeReply | undefined) | undefined;
  /** Reports a problem nobody may be listening for (a process warning when nobody is). */
  warn?: ((error: Error, code: string) => void) | undefined;
}

/** A reply the SDK sends without running a handler. */
export type SafeReply = { result: unknown } | { error: { code: number; message: string } };

/** Default cap on server requests waiting for an answer (held approvals, hooks awaiting a person). */
export const DEFAULT_MAX_PENDING_SERVER_REQUESTS = 10_000;

const DEFER: unique symbol = Symbol("codex.deferReply");

/**
 * @internal A {@link DeferredReply} already wired to `context`'s request (when the dispatcher made
 * the context), else a free one that the dispatcher wires when the handler returns it.
 */
export function deferReply(context: ServerRequestContext): DeferredReply {
  const defer = (context as { [DEFER]?: () => DeferredReply })[DEFER];
  return defer ? defer.call(context) : new DeferredReply();
}

type ReplyError = { code: number; message: string; data?: unknown };

/**
 * A handler's context. Its AbortSignal is made only when the handler reads it: most handlers
 * answer at once, and an AbortController per request was a visible share of an approval's cost.
 */
class RequestContext implements ServerRequestContext {
  readonly id: RequestId;
  readonly method: string;
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  readonly #finish: (value: unknown) => void;
  /** The reply handed out by `deferReply`, already wired to `#finish`. */
  deferred: DeferredReply | undefined;
  /** Set by the dispatcher's first `#finish`: one reply per request, however the handler ends. */
  finished = false;

  constructor(id: RequestId, method: string, finish: (value: unknown) => void) {
    this.id = id;
    this.method = method;
    this.#finish = finish;
  }

  [DEFER](): DeferredReply {
    if (!this.deferred) {
      this.deferred = new DeferredReply();
      this.deferred.onSettle(this.#finish);
    }
    return this.deferred;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** Runs server requests against their handlers and replies once to each. */
export class ServerRequestDispatcher {
  readonly #handlers = new Map<string, ServerRequestHandler>();
  readonly #inflight = new Map<RequestId, RequestContext>();
  readonly #host: ServerRequestHost;
  readonly #maxPending: number;

  constructor(host: ServerRequestHost) {
    this.#host = host;
    this.#maxPending = host.maxPending ?? DEFAULT_MAX_PENDING_SERVER_REQUESTS;
    if (!Number.isInteger(this.#maxPending) || this.#maxPending < 1) {
      throw new RangeError(`maxPendingServerRequests must be a positive integer, got ${this.#maxPending}`);
    }
  }

  /** Registers the handler of one method; a second registration of a method throws. */
  register(method: string, handler: ServerRequestHandler): Subscription {
    if (this.#handlers.has(method)) {
      throw new CodexError(
        `A handler for server request "${method}" is already registered; dispose it first.`,
      );
    }
    this.#handlers.set(method, handler);
    return subscription(() => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method);
    });
  }

  /** Aborts the context of every request still being handled (the connection dropped or closed). */
  abortAll(reason: unknown): void {
    for (const context of this.#inflight.values()) {
      // A late answer must not reach a new connection, where the server numbers from 0 again.
      context.finished = true;
      context.abort(reason);
    }
    this.#inflight.clear();
  }

  /** Forgets the registered handlers (the connection closed). */
  clear(): void {
    this.#handlers.clear();
  }

  handle(request: RpcRequest): void {
    const handler = this.#handlers.get(request.method) ?? this.#host.fallbackHandler?.(request.method);
    if (!handler) {
      this.#reply(request.id, undefined, {
        code: RpcErrorCode.MethodNotFound,
        message: `Method not found: this client has no handler for "${request.method}"`,
      });
      return;
    }
    if (this.#inflight.size >= this.#maxPending && !this.#inflight.has(request.id)) {
      this.#refuseOverflow(request);
      return;
    }
    if (this.#inflight.has(request.id)) {
      this.#host.report(
        new CodexProtocolError(
          `The server reused request id ${JSON.stringify(request.id)} while it was pending.`,
        ),
      );
    }
    const context: RequestContext = new RequestContext(request.id, request.method, (value) =>
      this.#finish(request, context, value, undefined),
    );
    this.#inflight.set(request.id, context);
    let result: unknown;
    try {
      result = handler(request.params, context);
    } catch (error) {
      this.#finish(request, context, undefined, error);
      return;
    }
    if (result instanceof DeferredReply) {
      if (result !== context.deferred)
        result.onSettle((value) => this.#finish(request, context, value, undefined));
    } else if (result instanceof Promise) {
      result.then(
        (value: unknown) => this.#finish(request, context, value, undefined),
        (error: unknown) => this.#finish(request, context, undefined, error ?? new Error("rejected")),
      );
    } else {
      this.#finish(request, context, result, undefined);
    }
  }

  /**
   * Too many requests wait for an answer already (a server flooding approvals that people hold):
   * this one gets its safe default, or -32603, at once, and the overflow is reported. Memory stays
   * bounded and nothing is granted.
   */
  #refuseOverflow(request: RpcRequest): void {
    let safe: SafeReply | undefined;
    try {
      safe = this.#host.safeDefault?.(request.method, request.params);
    } catch {
      safe = undefined; // a default that cannot be built from these params: -32603 below
    }
    const overflow = new CodexOverflowError(
      `${this.#maxPending} server requests were already waiting for an answer (maxPendingServerRequests); ` +
        `"${request.method}" ${JSON.stringify(request.id)} got ${safe && "result" in safe ? "its safe default" : "an error"} at once. ` +
        "Answer held approvals sooner, set approvalTimeoutMs, or raise maxPendingServerRequests.",
      this.#maxPending,
    );
    (this.#host.warn ?? this.#host.report)(overflow, "CODEX_SDK_SERVER_REQUESTS_OVERFLOW");
    if (safe && "result" in safe) this.#reply(request.id, safe.result, undefined);
    else
      this.#reply(
        request.id,
        undefined,
        safe?.error ?? {
          code: RpcErrorCode.InternalError,
          message: `Client has ${this.#maxPending} server requests pending; refused "${request.method}"`,
        },
      );
  }

  /**
   * `serverRequest/resolved`: the server no longer waits for `id`. A request still being handled
   * ends without a reply: its context's signal aborts and it no longer counts as pending.
   */
  resolved(id: RequestId | undefined): void {
    if (id === undefined) return;
    const context = this.#inflight.get(id);
    if (!context) return;
    this.#inflight.delete(id);
    context.finished = true;
    context.abort(new CodexError(`Server request ${JSON.stringify(id)} was resolved by the server.`));
  }

  #finish(request: RpcRequest, context: RequestContext, value: unknown, error: unknown): void {
    if (context.finished) return;
    context.finished = true;
    if (this.#inflight.get(request.id) === context) this.#inflight.delete(request.id);
    if (!this.#host.isOpen()) return;
    if (error === undefined && value === NO_REPLY) return;
    if (error === undefined) {
      this.#reply(request.id, value === undefined ? null : value, undefined);
      return;
    }
    if (error instanceof CodexProtocolError && error.code !== undefined) {
      this.#reply(request.id, undefined, {
        code: error.code,
        message: error.message,
        ...(error.data === undefined ? {} : { data: error.data }),
      });
      return;
    }
    this.#host.report(
      new CodexError(`The handler for server request "${request.method}" failed; replied -32603.`, {
        cause: error,
      }),
    );
    this.#reply(request.id, undefined, {
      code: RpcErrorCode.InternalError,
      message: `Client handler for "${request.method}" failed`,
    });
  }

  #reply(id: RequestId, result: unknown, error: ReplyError | undefined): void {
    if (!this.#host.isOpen()) return;
    const message = error ? { id, error } : { id, result };
    let sending: Promise<void>;
    try {
      sending = this.#host.send(message);
    } catch (cause) {
      // Transports serialise in send(): a reply JSON cannot hold (a cycle, a BigInt) throws here.
      // The server still waits for an answer, so it gets -32603 instead of nothing.
      this.#host.report(
        new CodexError(
          `The reply to server request ${id} could not be serialised as JSON; replied -32603 instead.`,
          { cause },
        ),
      );
      if (!error) {
        this.#reply(id, undefined, {
          code: RpcErrorCode.InternalError,
          message: "Client handler produced a reply that cannot be serialised as JSON",
        });
      }
      return;
    }
    sending.catch((cause: unknown) => {
      this.#host.report(
        new CodexTransportError(`Could not send the reply to server request ${id}.`, { cause }),
      );
    });
  }
}
