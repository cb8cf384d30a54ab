// The options of an RpcConnection and of one request.
import type { RpcErrorContext } from "../errors/from-rpc.js";
import type { Emitter } from "../events/emitter.js";
import { nested, type OptionSpec } from "../internal/option-check.js";
import { RECONNECT_OPTIONS, type ReconnectOptions } from "./reconnect.js";
import { OVERLOAD_RETRY_OPTIONS, type OverloadRetryOptions } from "./retry.js";
import type { SafeReply, ServerRequestHandler } from "./server-requests.js";

/** Per-request options. */
export interface RequestOptions {
  /** Give up after this long (ms). Defaults to the connection's `requestTimeoutMs`. */
  timeoutMs?: number | undefined;
  /** Abort the wait. The server is not told (JSON-RPC has no cancel); the promise rejects. */
  signal?: AbortSignal | undefined;
  /**
   * Called with the request's JSON-RPC id as it is sent (a retry after "overloaded" is a new id):
   * for methods that name a request by its id, such as `thread/search/stream/cancel`.
   */
  onRequestId?: ((id: number) => void) | undefined;
}

/** The keys of {@link RequestOptions}, checked where a public call takes them. */
export const REQUEST_OPTIONS = {
  timeoutMs: "number",
  signal: "signal",
  onRequestId: "function",
} as const satisfies OptionSpec<RequestOptions>;

/**
 * The W3C trace context a request carries in its JSON-RPC `trace` field (`W3cTraceContext` in the
 * schema's `JSONRPCRequest`; the envelope is not part of the generated TypeScript).
 */
export interface TraceContext {
  traceparent?: string | null;
  tracestate?: string | null;
}

/** What a {@link ConnectionObserver} makes of one request. */
export interface RequestObservation {
  /** Sent as the request's `trace` field. */
  trace?: TraceContext | undefined;
  /** Called once when the request settles: with its error, or its result. */
  settled?: ((error: unknown, result: unknown) => void) | undefined;
}

/** What one observer of a connection (telemetry) sees. */
export interface ConnectionObserver {
  /** Each request the connection sends, before it is written; may return what to add to it. */
  request(method: string, params: unknown): RequestObservation | undefined;
  /**
   * Runs the dispatch of each incoming message. Telemetry runs it outside any trace context:
   * otherwise it would run in the context that was active when the transport started.
   */
  dispatch(run: () => void): void;
}

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
  /**
   * @internal The error channel this connection reports to (malformed messages, listener
   * exceptions, failed replies). The client passes its own, shared with the layers above. Default: a
   * new one. Users listen with `connection.onError`.
   */
  errors?: Emitter<Error> | undefined;
  /**
   * The handler of a server request method that has no handler registered with `onRequest`: the
   * layers above answer with their safe defaults here, and a user's own handler overrides them.
   */
  fallbackHandler?: ((method: string) => ServerRequestHandler | undefined) | undefined;
  /** Most server requests waiting for an answer at once; see `ServerRequestHost.maxPending`. */
  maxPendingServerRequests?: number | undefined;
  /** @internal The reply of a server request method refused because too many wait. */
  safeDefault?: ((method: string, params: unknown) => SafeReply | undefined) | undefined;
  /** @internal What the connection may say about the server in errors (e.g. its version). */
  errorContext?: (() => Omit<RpcErrorContext, "method" | "params">) | undefined;
}

/** The keys of {@link RpcConnectionOptions}. */
export const RPC_CONNECTION_OPTIONS = {
  requestTimeoutMs: "number",
  overloadRetry: nested(OVERLOAD_RETRY_OPTIONS, "boolean"),
  notificationBufferSize: "number",
  reconnect: nested(RECONNECT_OPTIONS),
  errors: "object",
  fallbackHandler: "function",
  maxPendingServerRequests: "number",
  safeDefault: "function",
  errorContext: "function",
} as const satisfies OptionSpec<RpcConnectionOptions>;
