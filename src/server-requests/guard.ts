// The one guarded path of every server→client request that has a safe default: validate the
// params, then wait for an answer bounded by a timeout, the server resolving the request and the
// connection closing; on any failure send the safe default and report why. Approvals and the typed
// hooks are its users.
import { CodexError, CodexProtocolError, CodexTimeoutError, nameErrorClass } from "../errors/index.js";
import type { Emitter } from "../events/emitter.js";
import { reportOrWarn } from "../internal/report.js";
import { after } from "../internal/timers.js";
import type { ServerEvents } from "../rpc/port.js";
import { NO_REPLY, type ServerRequestContext, type ServerRequestHandler } from "../rpc/server-requests.js";
import { deferReply, type SafeReply } from "../rpc/server-requests.js";
import { RpcErrorCode, type RequestId } from "../rpc/messages.js";
import { invalidServerRequestParams } from "./validate.js";

/**
 * How a server request on the guarded path stopped being pending (approvals call it
 * `ApprovalOutcome`): `answered`, `timeout`, `resolved`, `turnEnded` or `closed`.
 */
export type GuardOutcome = "answered" | "timeout" | "resolved" | "turnEnded" | "closed";

/**
 * The `signal.reason` of an approval request (and of every request on the guarded path) once it
 * stopped being pending; `outcome` says why. Check it with `instanceof` to tell it from another
 * abort reason of a signal you combined with it.
 */
export class ServerRequestSettled extends CodexError {
  override name = "ServerRequestSettled";
  readonly outcome: GuardOutcome;
  constructor(outcome: GuardOutcome, message: string) {
    super(message);
    this.outcome = outcome;
  }
}
nameErrorClass(ServerRequestSettled, "ServerRequestSettled");

/** One server request on the guarded path, from arrival to its single reply (or no reply). */
export class GuardedRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly params: unknown;
  /** `performance.now()` at arrival. */
  readonly receivedAt = performance.now();
  /** Unix ms when the timeout sends the default, when a timeout applies. */
  readonly expiresAtMs: number | undefined;
  /** Made when `signal` is first read: a request answered at once by a handler never needs one. */
  #controller: AbortController | undefined;
  /** Set once the request is no longer pending; its abort reason is made only for a signal. */
  #ended: { outcome: GuardOutcome; message: string } | undefined;
  #reply: ((value: unknown) => void) | undefined;
  #onEnd: ((request: GuardedRequest) => void) | undefined;
  #cancelTimer: (() => void) | undefined;
  #onEnded: ((outcome: GuardOutcome) => void) | undefined;
  #afterSettled: ((outcome: GuardOutcome) => void) | undefined;

  constructor(
    ctx: ServerRequestContext,
    params: unknown,
    timeoutMs: number | undefined,
    reply: (value: unknown) => void,
    onEnd: (request: GuardedRequest) => void,
  ) {
    this.id = ctx.id;
    this.method = ctx.method;
    this.params = params;
    this.expiresAtMs = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
    this.#reply = reply;
    this.#onEnd = onEnd;
  }

  /** Aborted (with a {@link ServerRequestSettled} reason) once the request is no longer pending. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(settled(this.#ended));
    }
    return this.#controller.signal;
  }

  get pending(): boolean {
    return this.#ended === undefined;
  }

  /** How it ended, once it did. */
  get outcome(): GuardOutcome | undefined {
    return this.#ended?.outcome;
  }

  /** Sends `reply` (once). Returns false when the request was no longer pending. */
  answer(reply: unknown, outcome: "answered" | "timeout" = "answered"): boolean {
    return this.#end(reply, outcome, outcome === "timeout" ? "timed out" : "answered");
  }

  /** Ends the request without a reply: the server no longer waits for one. */
  expire(outcome: "resolved" | "turnEnded" | "closed", why: string): boolean {
    return this.#end(NO_REPLY, outcome, `no longer pending: ${why}`);
  }

  /**
   * @internal Runs `fn` once the request ended, after its reply and before its signal aborts: the
   * owner's bookkeeping, done before any abort listener can look. One per request.
   */
  whenEnded(fn: (outcome: GuardOutcome) => void): void {
    this.#onEnded = fn;
  }

  /**
   * @internal Runs `fn` once the request ended, after its signal aborted (so after every abort
   * listener): the owner's "settled" notification. One per request.
   */
  whenSettled(fn: (outcome: GuardOutcome) => void): void {
    this.#afterSettled = fn;
  }

  /** @internal */
  armTimeout(ms: number | undefined, onTimeout: () => void): void {
    this.#cancelTimer = after(ms, onTimeout);
  }

  #end(reply: unknown, outcome: GuardOutcome, message: string): boolean {
    if (!this.pending) return false;
    this.#cancelTimer?.();
    this.#onEnd?.(this);
    try {
      this.#reply?.(reply);
    } finally {
      // Ended again from within onEnd or the reply: that end stands. Otherwise it ends now, even
      // if sending the reply threw.
      if (!this.#ended) this.#settle(outcome, message);
    }
    return true;
  }

  #settle(outcome: GuardOutcome, message: string): void {
    this.#ended = { outcome, message: `Server request ${this.method}: ${message}.` };
    const onEnded = this.#onEnded;
    const afterSettled = this.#afterSettled;
    // Nothing runs after the end: dropping the callbacks lets a kept request (an audit log of
    // answered approvals) free what they reach, such as its turn's state.
    this.#reply = this.#onEnd = this.#onEnded = this.#afterSettled = this.#cancelTimer = undefined;
    onEnded?.(outcome);
    this.#controller?.abort(settled(this.#ended));
    afterSettled?.(outcome);
  }
}

/**
 * The abort reason of a request that stopped being pending: a status, not a failure, so it is made
 * without a stack trace. Capturing one cost more than the rest of an approval's round trip.
 */
function settled(ended: { outcome: GuardOutcome; message: string }): ServerRequestSettled {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ServerRequestSettled(ended.outcome, ended.message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** How one method is handled on the guarded path. */
export interface GuardSpec {
  /** The safe default reply: no handler, a failure, an invalid answer, a timeout. */
  fallback(params: unknown): unknown;
  /** The timeout for this request, if any. */
  timeoutMs?(params: unknown): number | undefined;
  /**
   * Starts handling: answer `request` now or later. A throw sends the safe default and is reported.
   */
  handle(params: unknown, request: GuardedRequest): void;
  /** The reply when the client is too busy to handle the request at all. Default: `fallback`. */
  busy?(params: unknown): unknown;
  /** What a timeout does. Default: send the safe default and report a `CodexTimeoutError`. */
  onTimeout?(request: GuardedRequest): void;
}

/**
 * The server requests in flight on the guarded path. It listens for `serverRequest/resolved` and
 * ends the matching request without a reply; the connection closing or dropping ends them all.
 */
export class ServerRequestGuard {
  readonly #specs = new Map<string, GuardSpec>();
  readonly #inflight = new Map<RequestId, GuardedRequest>();
  readonly #errors: Emitter<Error>;

  constructor(
    events: Pick<ServerEvents, "onNotification" | "onDisconnect" | "onClose">,
    errors: Emitter<Error>,
  ) {
    this.#errors = errors;
    events.onNotification("serverRequest/resolved", (params) =>
      this.resolved((params as { requestId?: RequestId } | null)?.requestId),
    );
    const endAll = () => {
      for (const request of [...this.#inflight.values()]) request.expire("closed", "the connection closed");
    };
    events.onDisconnect(endAll);
    events.onClose(endAll);
  }

  /** Puts `method` on the guarded path. */
  define(method: string, spec: GuardSpec): void {
    this.#specs.set(method, spec);
  }

  /** The connection's fallback handler for `method`, or undefined when it is not guarded. */
  handlerFor(method: string): ServerRequestHandler | undefined {
    const spec = this.#specs.get(method);
    return spec && ((params, ctx) => this.#run(spec, params, ctx));
  }

  /**
   * The reply of a guarded `method` refused without being handled (too many requests wait): -32602
   * for params that break the schema, as when handled, else its safe default (`decline`, …; a
   * spec's `busy` reply when the default would say something untrue). Undefined when not guarded.
   */
  safeDefault(method: string, params: unknown): SafeReply | undefined {
    const spec = this.#specs.get(method);
    if (!spec) return undefined;
    const why = invalidServerRequestParams(method, params);
    if (why !== undefined)
      return { error: { code: RpcErrorCode.InvalidParams, message: `Invalid params: ${why}` } };
    return { result: (spec.busy ?? spec.fallback)(params) };
  }

  /** `serverRequest/resolved`: the server stopped waiting for `requestId`. */
  private resolved(requestId: RequestId | undefined): void {
    if (requestId === undefined) return;
    this.#inflight.get(requestId)?.expire("resolved", "the server resolved it");
  }

  /**
   * Reports an absorbed problem (a handler that threw, answered wrongly or timed out) to `onError`;
   * with no `onError` listener, emits a process warning once per `code`, so it is never silent.
   */
  report(error: Error, code: string): void {
    reportOrWarn(this.#errors, error, code);
  }

  #run(spec: GuardSpec, params: unknown, ctx: ServerRequestContext): unknown {
    const why = invalidServerRequestParams(ctx.method, params);
    if (why !== undefined) {
      const error = new CodexProtocolError(`Invalid params for server request "${ctx.method}": ${why}.`, {
        code: RpcErrorCode.InvalidParams,
        method: ctx.method,
      });
      this.#errors.fire(error);
      throw error; // the connection replies -32602
    }
    this.#inflight.get(ctx.id)?.expire("resolved", "the server reused its id");
    const deferred = deferReply(ctx);
    const timeoutMs = spec.timeoutMs?.(params);
    const request = new GuardedRequest(
      ctx,
      params,
      timeoutMs,
      (value) => deferred.settle(value),
      (ended) => {
        if (this.#inflight.get(ended.id) === ended) this.#inflight.delete(ended.id);
      },
    );
    this.#inflight.set(ctx.id, request);
    if (timeoutMs !== undefined) {
      request.armTimeout(timeoutMs, () => {
        if (spec.onTimeout) {
          spec.onTimeout(request);
          return;
        }
        const error = new CodexTimeoutError(
          `The hook for "${ctx.method}" did not answer within ${timeoutMs} ms; sent the safe default.`,
          timeoutMs,
        );
        if (request.answer(spec.fallback(params), "timeout")) this.report(error, "CODEX_SDK_HANDLER_TIMEOUT");
      });
    }
    try {
      spec.handle(params, request);
    } catch (error) {
      const failure = new CodexError(`The handler for "${ctx.method}" failed; sent the safe default.`, {
        cause: error,
      });
      this.fail(request, spec, failure);
    }
    return deferred;
  }

  /** Sends the safe default because of a handler problem (`error` says which) and reports it. */
  fail(request: GuardedRequest, spec: GuardSpec, error: Error): boolean {
    if (!request.answer(spec.fallback(request.params))) return false;
    this.report(error, "CODEX_SDK_HANDLER_FAILED");
    return true;
  }
}
