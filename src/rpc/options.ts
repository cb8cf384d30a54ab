// The options of an RpcConnection and of one request.
import type { RpcErrorContext } from "../errors/from-rpc.js";
import type { Emitter } from "../events/emitter.js";
import type { ReconnectOptions } from "./reconnect.js";
import type { OverloadRetryOptions } from "./retry.js";
import type { SafeReply, ServerRequestHandler } from "./server-requests.js";

/** Per-request options. */
export interface RequestOptions {
  /** Give up after this long (ms). Defaults to the connection's `requestTimeoutMs`. */
  timeoutMs?: number | undefined;
  /** Abort the wait. The server is not told (JSON-RPC has no cancel); the promise rejects. */
  signal?: AbortSignal | undefined;
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
