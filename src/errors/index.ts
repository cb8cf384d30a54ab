/**
 * One error tree for the whole SDK. Every error the SDK throws on purpose is a
 * `CodexError`, so `catch (e) { if (e instanceof CodexError) … }` sees them all.
 */

/**
 * Marks every `CodexError`, whichever copy of the package created it. An application can load the
 * SDK twice (its ESM build through `import` and its CommonJS build through `require`, or two
 * versions in node_modules); each copy has its own classes, so a plain prototype check fails
 * across them. `Symbol.for` gives every copy the same key.
 */
const ERROR_BRAND = Symbol.for("codex-app-server-sdk.error");
/** The class an error was created as, by name, on each SDK error class (own property only). */
const ERROR_CLASS = Symbol.for("codex-app-server-sdk.errorClass");

/**
 * True for any error this SDK raised, from any copy of the package (ESM or CommonJS build, or
 * another installed version). Prefer it to `instanceof CodexError` in code that may see errors of
 * a library that bundles its own copy.
 *
 * @example
 * ```js
 * try {
 *   await client.chatOnce("hi");
 * } catch (error) {
 *   if (isCodexError(error)) console.error(`${error.name}: ${error.message}`);
 *   else throw error;
 * }
 * ```
 */
export function isCodexError(value: unknown): value is CodexError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { [ERROR_BRAND]?: unknown })[ERROR_BRAND] === true &&
    typeof (value as { message?: unknown }).message === "string"
  );
}

/**
 * Root of every error raised by this SDK.
 *
 * `instanceof` works across copies of the package: `error instanceof CodexError` is true for an
 * SDK error of another copy, and `error instanceof CodexTimeoutError` for another copy's timeout
 * (or inactivity) error. A class you derive yourself keeps the ordinary prototype check.
 */
export class CodexError extends Error {
  override name = "CodexError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // Not enumerable: it stays out of util.inspect, JSON and deep-equality checks.
    Object.defineProperty(this, ERROR_BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    // Another copy's error: compare class names along its prototype chain, but only for the SDK's
    // own classes (a user subclass has no own ERROR_CLASS, so it keeps the ordinary check).
    const id = Object.hasOwn(this, ERROR_CLASS)
      ? (this as { [ERROR_CLASS]?: unknown })[ERROR_CLASS]
      : undefined;
    if (id === undefined || !isCodexError(value)) return false;
    for (let proto: unknown = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
      const ctor = (proto as { constructor?: unknown }).constructor;
      if (typeof ctor === "function" && Object.hasOwn(ctor, ERROR_CLASS)) {
        if ((ctor as { [ERROR_CLASS]?: unknown })[ERROR_CLASS] === id) return true;
      }
    }
    return false;
  }
}

/** How a child process ended, when the transport is a child process. */
export interface ProcessExitInfo {
  /** Exit code, or `null` when the process was killed by a signal. */
  code: number | null;
  /** Signal that ended the process (e.g. `"SIGKILL"`), or `null`. */
  signal: NodeJS.Signals | null;
  /** The last bytes the process wrote to stderr: 16 KiB by default (`stderrTailBytes`). */
  stderrTail: string;
}

/**
 * The connection to the app-server failed or closed: the process died, the socket dropped,
 * the client was closed, or the command could not be started.
 */
export class CodexTransportError extends CodexError {
  override name = "CodexTransportError";
  /** Set when the transport was a child process that exited. */
  readonly exit: ProcessExitInfo | undefined;
  constructor(message: string, options?: { cause?: unknown; exit?: ProcessExitInfo | undefined }) {
    super(message, options);
    this.exit = options?.exit;
  }
}

/** The WebSocket server refused our credentials (HTTP 401/403 on the upgrade). */
export class CodexAuthenticationError extends CodexTransportError {
  override name = "CodexAuthenticationError";
  /** HTTP status of the refused upgrade. */
  readonly status: number;
  constructor(message: string, status: number, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
  }
}

/** A wait ran out of time: a request with no response, or an approval with no answer. */
export class CodexTimeoutError extends CodexError {
  override name = "CodexTimeoutError";
  /** How long the SDK waited, in milliseconds. */
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The operation was cancelled through an `AbortSignal`. */
export class CodexAbortError extends CodexError {
  override name = "CodexAbortError";
}

/** The server answered with a JSON-RPC error, or broke the protocol. */
export class CodexProtocolError extends CodexError {
  override name = "CodexProtocolError";
  /** JSON-RPC error code (e.g. -32600 invalid request, -32601 method not found). */
  readonly code: number | undefined;
  /** The `data` member of the JSON-RPC error, as sent. */
  readonly data: unknown;
  /** The method of the request that failed, when known. */
  readonly method: string | undefined;
  constructor(
    message: string,
    options?: { code?: number | undefined; data?: unknown; method?: string | undefined; cause?: unknown },
  ) {
    super(message, options);
    this.code = options?.code;
    this.data = options?.data;
    this.method = options?.method;
  }
}

/**
 * The connected app-server does not know the method (an older or newer codex than the SDK's
 * schema). codex answers such requests with -32600 "unknown variant"; other servers with -32601.
 */
export class CodexMethodNotFoundError extends CodexProtocolError {
  override name = "CodexMethodNotFoundError";
  /** The server's version, read from its `initialize` reply, when known. */
  readonly serverVersion: string | undefined;
  constructor(
    message: string,
    options: {
      code?: number | undefined;
      method: string;
      serverVersion: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.serverVersion = options.serverVersion;
  }
}

/**
 * A method or params field of the server's experimental surface was used by a client that did not
 * opt in. Refused before anything is sent; create the client with `{ experimentalApi: true }`.
 */
export class CodexExperimentalApiError extends CodexError {
  override name = "CodexExperimentalApiError";
  readonly method: string;
  /** The experimental params field, when the method itself is stable. */
  readonly field: string | undefined;
  constructor(message: string, method: string, field?: string) {
    super(message);
    this.method = method;
    this.field = field;
  }
}

/**
 * The connection dropped while the turn ran, and after reconnecting the server reports the turn
 * still running: events of the gap are lost. The stream stays registered; pass `continuation` to
 * `chatOnce` / `chat` to read on, or to `cancel()`.
 */
export class CodexTurnDisconnectedError extends CodexError {
  override name = "CodexTurnDisconnectedError";
  readonly continuation: TurnContinuation;
  constructor(message: string, continuation: TurnContinuation, options?: { cause?: unknown }) {
    super(message, options);
    this.continuation = continuation;
  }
}

/** JSON-RPC error code the app-server uses for "Server overloaded; retry later". */
export const SERVER_OVERLOADED_CODE = -32001;

/**
 * The server stayed overloaded (-32001) through every retry. `attempts` counts the requests sent.
 */
export class CodexOverloadedError extends CodexProtocolError {
  override name = "CodexOverloadedError";
  readonly attempts: number;
  constructor(
    message: string,
    attempts: number,
    options?: { data?: unknown; method?: string; cause?: unknown },
  ) {
    super(message, { ...options, code: SERVER_OVERLOADED_CODE });
    this.attempts = attempts;
  }
}

/** Where a turn that stopped producing events can be picked up again. */
export interface TurnContinuation {
  threadId: string;
  turnId: string;
  /** Number of turn events already delivered to the caller. */
  cursor: number;
  /** Which API produced it: `chatOnce` (`"once"`) or `chat`/streams (`"stream"`). */
  mode: "once" | "stream";
}

/**
 * A turn produced no event for `idleMs`. The turn is still running on the server:
 * pass `continuation` back to resume reading it, or to cancel it. It is a `CodexTimeoutError`
 * (as in the Python SDK), whose `timeoutMs` is the `inactivityTimeoutMs` that ran out.
 */
export class CodexTurnInactiveError extends CodexTimeoutError {
  override name = "CodexTurnInactiveError";
  readonly continuation: TurnContinuation;
  /** How long the turn had been silent when the SDK gave up, in milliseconds. */
  readonly idleMs: number;
  /**
   * @param idleMs how long the turn was silent.
   * @param timeoutMs the inactivity timeout that ran out (`timeoutMs` of `CodexTimeoutError`);
   *   defaults to `idleMs`.
   */
  constructor(message: string, continuation: TurnContinuation, idleMs: number, timeoutMs: number = idleMs) {
    super(message, timeoutMs);
    this.continuation = continuation;
    this.idleMs = idleMs;
  }
}

/** A turn ended with status `failed`. Carries the server's own error. */
export class CodexTurnFailedError extends CodexError {
  override name = "CodexTurnFailedError";
  readonly threadId: string;
  readonly turnId: string;
  /** The server's `codexErrorInfo`, e.g. `"internalServerError"`. */
  readonly codexErrorInfo: unknown;
  readonly additionalDetails: string | null;
  constructor(
    message: string,
    details: {
      threadId: string;
      turnId: string;
      codexErrorInfo?: unknown;
      additionalDetails?: string | null;
    },
  ) {
    super(message);
    this.threadId = details.threadId;
    this.turnId = details.turnId;
    this.codexErrorInfo = details.codexErrorInfo ?? null;
    this.additionalDetails = details.additionalDetails ?? null;
  }
}

/** A bounded buffer filled up because its consumer fell too far behind. */
export class CodexOverflowError extends CodexError {
  override name = "CodexOverflowError";
  readonly capacity: number;
  constructor(message: string, capacity: number) {
    super(message);
    this.capacity = capacity;
  }
}

/**
 * A turn was refused before anything was sent because a goal is running on the thread (the
 * runtime starts that goal's turns itself), or a goal was refused because the thread is busy.
 * Pause or clear the goal first, or follow it with `thread.attachGoal()`.
 */
export class CodexGoalRunningError extends CodexError {
  override name = "CodexGoalRunningError";
  readonly threadId: string;
  constructor(message: string, threadId: string) {
    super(message);
    this.threadId = threadId;
  }
}

/**
 * A goal's chain of turns produced no event for `idleMs` (the inactivity timeout spans the whole
 * chain, not one turn). The SDK asked the server to pause the goal and interrupt its turn.
 */
export class CodexGoalInactiveError extends CodexTimeoutError {
  override name = "CodexGoalInactiveError";
  readonly threadId: string;
  /** How long the chain had been silent. */
  readonly idleMs: number;
  constructor(message: string, threadId: string, idleMs: number, timeoutMs: number) {
    super(message, timeoutMs);
    this.threadId = threadId;
    this.idleMs = idleMs;
  }
}

/**
 * An answer (`respondApproval`, `approveApproval`, `declineApproval`, `cancelApproval`) to an
 * approval request that is no longer pending. `outcome` is how it ended (`answered`, `timeout`,
 * `resolved`, `turnEnded`, `closed`), or `undefined` for a key this client never issued or no
 * longer remembers. It extends `CodexProtocolError` (as the error thrown here before did), so
 * existing `instanceof CodexProtocolError` checks keep working.
 */
export class CodexApprovalNotPendingError extends CodexProtocolError {
  override name = "CodexApprovalNotPendingError";
  /** The request's `key`. */
  readonly key: string;
  /** How the request ended, when known. */
  readonly outcome: "answered" | "timeout" | "resolved" | "turnEnded" | "closed" | undefined;
  constructor(
    message: string,
    key: string,
    outcome: CodexApprovalNotPendingError["outcome"],
    method?: string,
  ) {
    super(message, { method });
    this.key = key;
    this.outcome = outcome;
  }
}

/**
 * A turn was refused before anything was sent: the server's model provider needs an OpenAI sign-in
 * (`account/read` answered `requiresOpenaiAuth: true`) and nobody is signed in, so the turn could
 * only retry without end. Sign in with `client.account.loginWithApiKey(key)` or
 * `client.account.loginWithChatGpt()`, or run `codex login` for the same CODEX_HOME, then try again.
 */
export class CodexAuthRequiredError extends CodexError {
  override name = "CodexAuthRequiredError";
}

/**
 * The server kept retrying the model (its `error` notifications with `willRetry: true`) for
 * `timeoutMs` without any progress: the model endpoint cannot be reached. The SDK interrupted the
 * turn (and paused a goal). `lastMessage` is the server's last retry message, `retries` how many
 * retry notices came since the turn's last progress.
 */
export class CodexModelUnavailableError extends CodexError {
  override name = "CodexModelUnavailableError";
  readonly threadId: string;
  readonly turnId: string;
  /** The message of the server's last retry notice, e.g. `"Reconnecting... 2/5"`. */
  readonly lastMessage: string;
  /** The server's `additionalDetails` of that notice (e.g. why the connection failed), or null. */
  readonly additionalDetails: string | null;
  /** Retry notices since the turn's last progress. */
  readonly retries: number;
  /** The `modelRetryTimeoutMs` that ran out. */
  readonly timeoutMs: number;
  constructor(
    message: string,
    details: {
      threadId: string;
      turnId: string;
      lastMessage: string;
      additionalDetails: string | null;
      retries: number;
      timeoutMs: number;
    },
  ) {
    super(message);
    this.threadId = details.threadId;
    this.turnId = details.turnId;
    this.lastMessage = details.lastMessage;
    this.additionalDetails = details.additionalDetails;
    this.retries = details.retries;
    this.timeoutMs = details.timeoutMs;
  }
}

/**
 * Names an SDK error class for the cross-copy `instanceof` above: every exported `CodexError`
 * class must be named once, where it is defined (a unit test loads the built ESM and CommonJS
 * copies and checks every class the entry exports). The name is a literal string, not
 * `cls.name`, so that a minifier renaming classes cannot break the match between copies.
 */
export function nameErrorClass(cls: abstract new (...args: never[]) => CodexError, id: string): void {
  Object.defineProperty(cls, ERROR_CLASS, { value: id });
}

for (const [cls, id] of [
  [CodexError, "CodexError"],
  [CodexTransportError, "CodexTransportError"],
  [CodexAuthenticationError, "CodexAuthenticationError"],
  [CodexTimeoutError, "CodexTimeoutError"],
  [CodexAbortError, "CodexAbortError"],
  [CodexProtocolError, "CodexProtocolError"],
  [CodexMethodNotFoundError, "CodexMethodNotFoundError"],
  [CodexExperimentalApiError, "CodexExperimentalApiError"],
  [CodexTurnDisconnectedError, "CodexTurnDisconnectedError"],
  [CodexOverloadedError, "CodexOverloadedError"],
  [CodexTurnInactiveError, "CodexTurnInactiveError"],
  [CodexTurnFailedError, "CodexTurnFailedError"],
  [CodexOverflowError, "CodexOverflowError"],
  [CodexGoalRunningError, "CodexGoalRunningError"],
  [CodexGoalInactiveError, "CodexGoalInactiveError"],
  [CodexApprovalNotPendingError, "CodexApprovalNotPendingError"],
  [CodexAuthRequiredError, "CodexAuthRequiredError"],
  [CodexModelUnavailableError, "CodexModelUnavailableError"],
] as const) {
  nameErrorClass(cls, id);
}
