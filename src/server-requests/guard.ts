// The one guarded path of every server→client request that has a safe default: validate the
// params, then race the handler against the timeout (and the record's end: resolved, turn ended,
// closed, which the rpc layer settles), then fall back to the safe default and report why.
// Approvals and the typed hooks are its users.
import { CodexError, CodexProtocolError, CodexTimeoutError } from "../errors/index.js";
import type { Emitter } from "../events/emitter.js";
import { reportOrWarn } from "../internal/report.js";
import type {
  SafeReply,
  ServerRequestContext,
  ServerRequestHandler,
  ServerRequestOutcome,
  ServerRequestRecord,
} from "../rpc/server-requests.js";
import { RpcErrorCode } from "../rpc/messages.js";
import { invalidServerRequestParams } from "./validate.js";

/**
 * How a server request on the guarded path stopped being pending (approvals call it
 * `ApprovalOutcome`): `answered`, `timeout`, `resolved`, `turnEnded` or `closed`.
 */
export type GuardOutcome = ServerRequestOutcome;

/** A server request on the guarded path: the connection's one record of it. */
export type GuardedRequest = ServerRequestRecord;

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

/** The methods on the guarded path, each with its spec; the requests themselves are the rpc layer's records. */
export class ServerRequestGuard {
  readonly #specs = new Map<string, GuardSpec>();
  readonly #errors: Emitter<Error>;

  constructor(errors: Emitter<Error>) {
    this.#errors = errors;
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
    const request = ctx as ServerRequestRecord;
    const timeoutMs = spec.timeoutMs?.(params);
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
    return request; // answered through the record, now or later
  }

  /** Sends the safe default because of a handler problem (`error` says which) and reports it. */
  fail(request: GuardedRequest, spec: GuardSpec, error: Error): boolean {
    if (!request.answer(spec.fallback(request.params))) return false;
    this.report(error, "CODEX_SDK_HANDLER_FAILED");
    return true;
  }
}
