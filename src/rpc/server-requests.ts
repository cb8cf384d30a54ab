// Server→client requests of one connection: find the handler (the user's, else the SDK's default,
// else -32601), run it, and send exactly one reply (or none, for NO_REPLY).
import {
  CodexError,
  CodexOverflowError,
  CodexProtocolError,
  CodexTransportError,
  nameErrorClass,
} from "../errors/index.js";
import { after } from "../internal/timers.js";
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

type ReplyError = { code: number; message: string; data?: unknown };

/**
 * How a server request stopped being pending: `answered` (a reply was sent), `timeout` (the SDK's
 * default was sent after the timeout), `resolved` (the server said it no longer waits), `turnEnded`
 * (its turn ended first) or `closed` (the connection closed or dropped).
 */
export type ServerRequestOutcome = "answered" | "timeout" | "resolved" | "turnEnded" | "closed";

/**
 * The `signal.reason` of a server request (an approval request among them) once it stopped being
 * pending; `outcome` says why. Check it with `instanceof` to tell it from another abort reason of a
 * signal you combined with it.
 */
export class ServerRequestSettled extends CodexError {
  override name = "ServerRequestSettled";
  readonly outcome: ServerRequestOutcome;
  constructor(outcome: ServerRequestOutcome, message: string) {
    super(message);
    this.outcome = outcome;
  }
}
nameErrorClass(ServerRequestSettled, "ServerRequestSettled");

/**
 * The abort reason of a request that stopped being pending: a status, not a failure, so it is made
 * without a stack trace. Capturing one cost more than the rest of an approval's round trip.
 */
function settledReason(outcome: ServerRequestOutcome, message: string): ServerRequestSettled {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ServerRequestSettled(outcome, message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * The one record of a server request, from arrival to its end: its id, method and params, its
 * signal, and how it ended. It ends once, by its reply ({@link answer}), by the server's
 * `serverRequest/resolved`, by its turn ending or by the connection closing ({@link expire}).
 * Handlers get it as their context; the guarded path and the approvals add behaviour to it, not
 * records of their own.
 */
export class ServerRequestRecord implements ServerRequestContext {
  readonly id: RequestId;
  readonly method: string;
  readonly params: unknown;
  /** `performance.now()` at arrival. */
  readonly receivedAt = performance.now();
  /** Unix ms when the timeout sends the default, once a timeout is armed. */
  expiresAtMs: number | undefined;
  /** Made when `signal` is first read: most handlers answer at once and never need one. */
  #controller: AbortController | undefined;
  #ended: { outcome: ServerRequestOutcome; message: string } | undefined;
  #send: ((value: unknown, error: unknown) => void) | undefined;
  #cancelTimer: (() => void) | undefined;
  #onEnded: ((outcome: ServerRequestOutcome) => void) | undefined;
  #afterSettled: ((outcome: ServerRequestOutcome) => void) | undefined;

  constructor(request: RpcRequest, send: (value: unknown, error: unknown) => void) {
    this.id = request.id;
    this.method = request.method;
    this.params = request.params;
    this.#send = send;
  }

  /** Aborted (with a {@link ServerRequestSettled} reason) once the request is no longer pending. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(settledReason(this.#ended.outcome, this.#ended.message));
    }
    return this.#controller.signal;
  }

  get pending(): boolean {
    return this.#ended === undefined;
  }

  /** How it ended, once it did. */
  get outcome(): ServerRequestOutcome | undefined {
    return this.#ended?.outcome;
  }

  /** Sends `reply` (once; `NO_REPLY` sends nothing). Returns false when no longer pending. */
  answer(reply: unknown, outcome: "answered" | "timeout" = "answered"): boolean {
    return this.#end(reply, undefined, outcome, outcome === "timeout" ? "timed out" : "answered");
  }

  /** @internal Replies with the error a failed handler threw (-32603, or its own JSON-RPC code). */
  fail(error: unknown): boolean {
    return this.#end(undefined, error, "answered", "its handler failed");
  }

  /** Ends the request without a reply: the server no longer waits for one. */
  expire(outcome: "resolved" | "turnEnded" | "closed", why: string): boolean {
    return this.#end(NO_REPLY, undefined, outcome, `no longer pending: ${why}`);
  }

  /**
   * @internal Runs `fn` once the request ended, after its reply and before its signal aborts: the
   * owner's bookkeeping, done before any abort listener can look. One per request.
   */
  whenEnded(fn: (outcome: ServerRequestOutcome) => void): void {
    this.#onEnded = fn;
  }

  /** @internal Runs `fn` once the request ended, after its signal aborted. One per request. */
  whenSettled(fn: (outcome: ServerRequestOutcome) => void): void {
    this.#afterSettled = fn;
  }

  /** @internal Calls `onTimeout` after `ms` unless the request ended first. */
  armTimeout(ms: number | undefined, onTimeout: () => void): void {
    if (ms === undefined) return;
    this.expiresAtMs = Date.now() + ms;
    this.#cancelTimer = after(ms, onTimeout);
  }

  #end(reply: unknown, error: unknown, outcome: ServerRequestOutcome, message: string): boolean {
    if (!this.pending) return false;
    this.#cancelTimer?.();
    const send = this.#send;
    this.#send = undefined;
    try {
      send?.(reply, error);
    } finally {
      // Ended again from within the send: that end stands. Otherwise it ends now, even if
      // sending the reply threw.
      if (!this.#ended) this.#settle(outcome, message);
    }
    return true;
  }

  #settle(outcome: ServerRequestOutcome, message: string): void {
    this.#ended = { outcome, message: `Server request ${this.method}: ${message}.` };
    const onEnded = this.#onEnded;
    const afterSettled = this.#afterSettled;
    // Nothing runs after the end: dropping the callbacks lets a kept request (an audit log of
    // answered approvals) free what they reach, such as its turn's state.
    this.#onEnded = this.#afterSettled = this.#cancelTimer = undefined;
    onEnded?.(outcome);
    this.#controller?.abort(settledReason(outcome, this.#ended.message));
    afterSettled?.(outcome);
  }
}

/** Runs server requests against their handlers and replies once to each. */
export class ServerRequestDispatcher {
  readonly #handlers = new Map<string, ServerRequestHandler>();
  readonly #inflight = new Map<RequestId, ServerRequestRecord>();
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

  /**
   * Ends every request still pending, without a reply (the connection dropped or closed). A late
   * answer then sends nothing: it must not reach a new connection, whose server numbers from 0 again.
   */
  endAll(): void {
    const records = [...this.#inflight.values()];
    this.#inflight.clear();
    for (const record of records) record.expire("closed", "the connection closed");
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
    const reused = this.#inflight.get(request.id);
    if (reused) {
      this.#host.report(
        new CodexProtocolError(
          `The server reused request id ${JSON.stringify(request.id)} while it was pending.`,
        ),
      );
      reused.expire("resolved", "the server reused its id");
    }
    const record: ServerRequestRecord = new ServerRequestRecord(request, (value, error) =>
      this.#finish(record, value, error),
    );
    this.#inflight.set(request.id, record);
    let result: unknown;
    try {
      result = handler(request.params, record);
    } catch (error) {
      record.fail(error);
      return;
    }
    // An SDK handler returns the record itself: it answers through it, later or already.
    if (result === record) return;
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => record.answer(value),
        (error: unknown) => record.fail(error ?? new Error("rejected")),
      );
    } else {
      record.answer(result);
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
   * ends without a reply: its signal aborts and it no longer counts as pending.
   */
  resolved(id: RequestId | undefined): void {
    if (id === undefined) return;
    this.#inflight.get(id)?.expire("resolved", "the server resolved it");
  }

  /** The record's one end: drop it from the in-flight map, then send its reply, if any. */
  #finish(record: ServerRequestRecord, value: unknown, error: unknown): void {
    const request = record;
    if (this.#inflight.get(record.id) === record) this.#inflight.delete(record.id);
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
