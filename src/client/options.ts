import type { InitializeCapabilities } from "../protocol/generated/InitializeCapabilities.js";
import type { ClientInfo } from "../protocol/generated/ClientInfo.js";
import type { OverloadRetryOptions } from "../rpc/retry.js";
import type { TelemetrySetting } from "../telemetry/options.js";

/**
 * Reconnect when a socket server goes away: `true` for the defaults (10 attempts, 500 ms doubling),
 * or the attempts and first delay.
 */
export type ReconnectSetting = boolean | { maxAttempts?: number; backoffMs?: number };

/** Options shared by every way of connecting. */
export interface ClientOptions {
  /** Default timeout of one JSON-RPC request, in ms. Default 120 000. */
  requestTimeoutMs?: number | undefined;
  /** Retry policy for -32001 "Server overloaded"; `false` disables retries. */
  overloadRetry?: OverloadRetryOptions | false | undefined;
  /** Default capacity of `notifications()` iterators. Default 10 000. */
  notificationBufferSize?: number | undefined;
  /** Sent in `initialize`. Defaults to this package's name and version. */
  clientInfo?: ClientInfo | undefined;
  /** Opt into the server's experimental API (`capabilities.experimentalApi`). Default false. */
  experimentalApi?: boolean | undefined;
  /** Default inactivity timeout of chatOnce/chat turns, in ms. Default: none. */
  inactivityTimeoutMs?: number | undefined;
  /**
   * Default `modelRetryTimeoutMs` of every turn and goal: how long the server may keep retrying an
   * unreachable model (its `error` notices with `willRetry`) with no progress before the SDK
   * interrupts the turn and rejects with `CodexModelUnavailableError`. Default 300 000 (5 minutes);
   * `Infinity` lets it retry for ever.
   */
  modelRetryTimeoutMs?: number | undefined;
  /** Events a turn stream buffers for a slow consumer before `CodexOverflowError`. Default 10 000. */
  turnBufferSize?: number | undefined;
  /**
   * How long an approval handler, a stream-mode caller or a server-request hook may take to answer
   * before the SDK sends the safe default (`decline`, no permissions…). A timeout never grants.
   * Default: no limit; the request still ends with its turn or the connection.
   */
  approvalTimeoutMs?: number | undefined;
  /** Default capacity of `approvalRequests()` iterators. Default 1000. */
  approvalBufferSize?: number | undefined;
  /**
   * Most server requests (approvals, hooks) waiting for an answer at once, e.g. held for a person.
   * Past it, a new request gets its safe default (`decline`, no permissions…) or -32603 at once, and
   * a `CodexOverflowError` goes to `onError`. Default 10 000.
   */
  maxPendingServerRequests?: number | undefined;
  /** Other initialize capabilities, merged over the defaults. */
  capabilities?: Partial<InitializeCapabilities> | undefined;
  /**
   * OpenTelemetry spans and metrics of turns, tools, approvals and goals, and the trace context on
   * every request (docs/observability.md). `true` uses the global providers. Needs the optional
   * peer dependency `@opentelemetry/api` (a `TypeError` says so when it is missing); unset, that
   * package is never loaded. No prompt, reply, command or diff is recorded unless `captureContent`.
   */
  telemetry?: TelemetrySetting | undefined;
}

/** Options of {@link CodexClient.connectStdio}. */
export interface StdioConnectOptions extends ClientOptions {
  /**
   * The app-server command line: a string (shell-split, no expansion) or an argv array.
   * Default: `CODEX_APP_SERVER_CMD`, else the pinned `@openai/codex` binary, else `codex` on PATH,
   * each run as `codex app-server`.
   */
  command?: string | readonly string[] | undefined;
  /** Extra arguments after `app-server` when the SDK picks the binary (e.g. `["-c", "model=\"o3\""]`). */
  appServerArgs?: readonly string[] | undefined;
  /** Working directory of the app-server process. */
  cwd?: string | undefined;
  /**
   * Environment of the app-server process. Default: this process's environment, which means any
   * secrets in it (API keys, tokens) reach the app-server. Pass an explicit env to control that.
   */
  env?: NodeJS.ProcessEnv | undefined;
  /**
   * Keeps only the variables this returns true for, from `env` or this process's environment:
   * e.g. `(name) => !/TOKEN|SECRET|KEY|PASSWORD/i.test(name)`, or an allow-list. The app-server
   * still needs `PATH` and `HOME` (or `CODEX_HOME`) to work, and its login when you use a real model.
   */
  envFilter?: ((name: string, value: string) => boolean) | undefined;
  /** Receives the server's stderr (log lines). */
  onStderr?: ((chunk: string) => void) | undefined;
  /** Grace period between SIGTERM and SIGKILL on close. Default 2000 ms. */
  killGraceMs?: number | undefined;
  /** Largest accepted incoming message, in bytes. Default 64 MiB. */
  maxMessageBytes?: number | undefined;
  /** Cap on outgoing bytes the server has not read yet. Default 16 MiB; past it a send fails. */
  maxBufferedBytes?: number | undefined;
  /** Bytes of the server's stderr kept for `exit.stderrTail`. Default 16 KiB. */
  stderrTailBytes?: number | undefined;
}

/** Options of {@link CodexClient.connectWebSocket}. */
export interface WebSocketConnectOptions extends ClientOptions {
  /** Default: `CODEX_APP_SERVER_WS_URL`, else `ws://127.0.0.1:8765`. */
  url?: string | undefined;
  /** Bearer token. Default: `CODEX_APP_SERVER_TOKEN`. Never printed. */
  token?: string | undefined;
  /** Extra upgrade headers. No `Origin` header is sent. */
  headers?: Record<string, string> | undefined;
  /** Largest accepted incoming message, in bytes. Default 64 MiB. */
  maxMessageBytes?: number | undefined;
  /** Cap on outgoing bytes the server has not read yet. Default 16 MiB; past it a send fails. */
  maxBufferedBytes?: number | undefined;
  /** Allow plaintext `ws://` to a non-loopback host. Default false. */
  allowInsecureRemote?: boolean | undefined;
  /** How long to wait for the socket to open. Default 10 000 ms. */
  connectTimeoutMs?: number | undefined;
  /**
   * Reconnect when the server goes away instead of closing: pending requests are rejected, then
   * the client reconnects, re-initializes and resumes every thread it holds a handle for, and
   * emits `onReconnected`. `true` means the defaults (10 attempts, 500 ms doubling).
   */
  reconnect?: ReconnectSetting | undefined;
}

/** Options of {@link CodexClient.connectUnix}. */
export interface UnixConnectOptions extends ClientOptions {
  /**
   * Path of the app-server's Unix socket. Default:
   * `$CODEX_HOME/app-server-control/app-server-control.sock`, CODEX_HOME defaulting to `~/.codex`.
   */
  socketPath?: string | undefined;
  /** Bearer token, if the server requires one. */
  token?: string | undefined;
  headers?: Record<string, string> | undefined;
  maxMessageBytes?: number | undefined;
  /** Cap on outgoing bytes the server has not read yet. Default 16 MiB; past it a send fails. */
  maxBufferedBytes?: number | undefined;
  connectTimeoutMs?: number | undefined;
  /** As for WebSocket: reconnect when the server goes away (e.g. it restarts on the same socket). */
  reconnect?: ReconnectSetting | undefined;
}
