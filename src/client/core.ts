// The client's core: the connection, the handshake, typed requests and events. CodexClient
// (client.ts) adds the services (threads, turns, approvals, server requests) on top.
import type { InitializeParams } from "../protocol/generated/InitializeParams.js";
import type { InitializeResponse } from "../protocol/generated/InitializeResponse.js";
import type {
  ClientRequestMethod,
  ClientRequestResult,
  ServerNotification,
  ServerNotificationMethod,
  ServerNotificationParams,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestReply,
} from "../protocol/index.js";
import { GENERATED_FROM_CODEX_VERSION } from "../protocol/generated/methods.js";
import {
  RpcConnection,
  type NotificationMessage,
  type ReconnectOptions,
  type RequestOptions,
  type ServerRequestContext,
  type ServerRequestHandler,
} from "../rpc/connection.js";
import type { RequestArgs } from "../rpc/typed-request.js";
import type { SafeReply } from "../rpc/server-requests.js";
import type { Transport } from "../transport/transport.js";
import { StdioTransport } from "../transport/stdio.js";
import { CodexError, type CodexTransportError } from "../errors/index.js";
import { Emitter, type Subscription } from "../events/emitter.js";
import { withTimeout } from "../internal/timers.js";
import type { ReconnectInfo } from "../conversation/recovery.js";
import {
  initializeParams,
  parseServerVersion,
  refuseExperimental,
  type HandshakeSettings,
} from "./handshake.js";
import type { ClientOptions } from "./options.js";
import { ServerWarnings, type CodexWarning } from "./warnings.js";
import { CLIENT_OPTIONS } from "./option-specs.js";
import { checkOptions } from "../internal/option-check.js";
import { REQUEST_OPTIONS } from "../rpc/options.js";

/** How long one handshake attempt waits, by default (as any request). */
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 120_000;
/** How long the `initialize` request itself stays pending for a retried handshake to take its reply. */
const HANDSHAKE_WIRE_TIMEOUT_MS = 10 * 60_000;

/** Handler of one server→client request method. */
export type ServerRequestHandlerFor<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
  context: ServerRequestContext,
) => ServerRequestReply<M> | Promise<ServerRequestReply<M>>;

/**
 * The connection, handshake, typed requests and events of a {@link CodexClient}. Not used on its
 * own: create clients with `CodexClient.connectStdio()` and its siblings.
 */
export class ClientCore {
  /** The JSON-RPC layer; exposed for advanced use (raw dispatch, custom handlers). */
  readonly connection: RpcConnection;
  /** The error channel shared by every layer of this client (`onError`). */
  protected readonly errors = new Emitter<Error>();
  readonly #transport: Transport;
  readonly #handshake: HandshakeSettings;
  #starting: Promise<void> | undefined;
  #initializing: Promise<InitializeResponse> | undefined;
  /** The one `initialize` on the wire of this connection (a retried handshake waits for it again). */
  #initializeOnWire: Promise<InitializeResponse> | undefined;
  readonly #handshakeTimeoutMs: number;
  #serverInfo: InitializeResponse | undefined;
  readonly #warnings: ServerWarnings;
  readonly #reconnected = new Emitter<ReconnectInfo>((error) =>
    this.errors.fire(new CodexError("An onReconnected listener threw.", { cause: error })),
  );

  protected constructor(
    transport: Transport,
    options: ClientOptions,
    reconnect: ReconnectOptions | undefined,
  ) {
    checkOptions(options, CLIENT_OPTIONS, "new CodexClient(transport, options)");
    this.#transport = transport;
    this.#handshake = {
      clientInfo: options.clientInfo,
      experimentalApi: options.experimentalApi,
      capabilities: options.capabilities,
    };
    this.#handshakeTimeoutMs = options.requestTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.connection = new RpcConnection(transport, {
      requestTimeoutMs: options.requestTimeoutMs,
      overloadRetry: options.overloadRetry,
      notificationBufferSize: options.notificationBufferSize,
      reconnect,
      errors: this.errors,
      fallbackHandler: (method) => this.defaultRequestHandler(method),
      maxPendingServerRequests: options.maxPendingServerRequests,
      safeDefault: (method, params) => this.safeDefault(method, params),
      errorContext: () => ({
        serverVersion: this.serverVersion,
        schemaVersion: GENERATED_FROM_CODEX_VERSION,
      }),
    });
    this.#warnings = new ServerWarnings(this.connection, this.errors);
    if (reconnect) this.connection.onReconnect(() => this.#afterReconnect());
  }

  /** The SDK's own handler of a server request method (its safe default), if it has one. */
  protected defaultRequestHandler(_method: string): ServerRequestHandler | undefined {
    return undefined;
  }

  /** @internal The reply of a server request refused because too many wait, if the SDK has one. */
  protected safeDefault(_method: string, _params: unknown): SafeReply | undefined {
    return undefined;
  }

  /** After a reconnect and a new handshake: restore what the services hold. */
  protected recover(): Promise<ReconnectInfo> {
    return Promise.resolve({ resumedThreads: [], failedThreads: [], deferredThreads: [] });
  }

  /** The child's pid for stdio clients (after start), else undefined. */
  get pid(): number | undefined {
    return this.#transport instanceof StdioTransport ? this.#transport.pid : undefined;
  }

  /** The `initialize` result, once the handshake is done. */
  get serverInfo(): InitializeResponse | undefined {
    return this.#serverInfo;
  }

  /** The server's version (e.g. `"0.169.0"`) from its `initialize` reply's `userAgent`; undefined before. */
  get serverVersion(): string | undefined {
    return parseServerVersion(this.#serverInfo?.userAgent);
  }

  /** Connects the transport. Idempotent; returns the client. */
  async start(): Promise<this> {
    this.#starting ??= this.connection.start();
    await this.#starting;
    return this;
  }

  /**
   * Performs the `initialize` handshake (once) and sends `initialized`. `params` are merged over
   * the defaults: `clientInfo` of this package, `capabilities.experimentalApi` from the options.
   *
   * A handshake that fails (e.g. `CodexTimeoutError` after `requestTimeoutMs`) does not poison the
   * client: the next call tries again. A retry after a timeout waits for the reply to the same
   * `initialize` (the server refuses a second one), so a slow server is still picked up. Once the
   * connection is closed, every call fails with `CodexTransportError`.
   */
  initialize(params: Partial<InitializeParams> = {}): Promise<InitializeResponse> {
    this.#initializing ??= this.#shakeHands(params).catch((error: unknown) => {
      this.#initializing = undefined;
      throw error;
    });
    return this.#initializing;
  }

  async #shakeHands(params: Partial<InitializeParams>): Promise<InitializeResponse> {
    await this.start();
    const timeoutMs = this.#handshakeTimeoutMs;
    // The request itself may wait longer than one handshake attempt, so a retry can still take its reply.
    this.#initializeOnWire ??= (
      this.connection.request("initialize", initializeParams(this.#handshake, params), {
        timeoutMs: Math.max(timeoutMs, HANDSHAKE_WIRE_TIMEOUT_MS),
      }) as Promise<InitializeResponse>
    ).catch((error: unknown) => {
      this.#initializeOnWire = undefined;
      throw error;
    });
    const result = await withTimeout(this.#initializeOnWire, timeoutMs, "the app-server's initialize reply");
    await this.connection.notify("initialized");
    this.#serverInfo = result;
    return result;
  }

  /**
   * Sends a typed request (after starting and initializing if needed).
   *
   * @example
   * ```ts
   * const { thread } = await client.request("thread/start", { cwd: "/repo" }, { timeoutMs: 10_000 });
   * ```
   */
  async request<M extends ClientRequestMethod>(
    method: M,
    ...args: RequestArgs<M>
  ): Promise<ClientRequestResult<M>> {
    const [params, options] = args;
    if (method === "initialize")
      return (await this.initialize(params as Partial<InitializeParams>)) as ClientRequestResult<M>;
    return (await this.requestUntyped(method, params, options)) as ClientRequestResult<M>;
  }

  /** Escape hatch for methods the pinned schema does not know. Result is `unknown`. */
  async requestUntyped(method: string, params?: unknown, options?: RequestOptions): Promise<unknown> {
    checkOptions(options, REQUEST_OPTIONS, "request(method, params, options)");
    refuseExperimental(this.#handshake, method, params);
    await this.initialize();
    return this.connection.request(method, params, options);
  }

  // ---------------------------------------------------------------- events

  /** Subscribes to one notification method, typed by the schema. Returns an unsubscribe function. */
  on<M extends ServerNotificationMethod>(
    method: M,
    listener: (params: ServerNotificationParams<M>) => void,
  ): Subscription {
    return this.connection.onNotification(method, listener as (params: unknown) => void);
  }

  /** Subscribes to every notification, including methods the pinned schema does not know. */
  onAny(listener: (notification: NotificationMessage) => void): Subscription {
    return this.connection.onAnyNotification((params, method) => listener({ method, params }));
  }

  /**
   * All notifications as an async iterable with a bounded buffer (`CodexOverflowError` past it).
   * `break` unsubscribes. Methods unknown to the pinned schema come through with `unknown` params.
   */
  notifications(options: { bufferSize?: number } = {}): AsyncIterableIterator<ServerNotification> {
    return this.connection.notifications(options) as AsyncIterableIterator<ServerNotification>;
  }

  /**
   * Registers the raw handler of a server→client request method, replacing the SDK's own handling
   * of it (approvals, hooks and their safe defaults). Methods with no handler and no default are
   * answered with JSON-RPC -32601. Returns a function that unregisters it.
   */
  handleRequest<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandlerFor<M>): Subscription {
    return this.connection.onRequest(
      method,
      handler as (params: unknown, ctx: ServerRequestContext) => unknown,
    );
  }

  /** The client's own error channel (malformed messages, failing listeners and handlers). */
  onError(listener: (error: Error) => void): Subscription {
    return this.errors.on(listener);
  }

  /**
   * The server's warnings (`configWarning`, `deprecationNotice`, `warning`, `guardianWarning`,
   * `windows/worldWritableWarning`) as `{ kind, summary, details, threadId }`. With no listener,
   * the first warning of each kind becomes a process warning (type `CodexServerWarning`), once per
   * client. Subscribe before the first call: some arrive right after the handshake (e.g. that
   * bubblewrap is missing, which weakens the Linux sandbox).
   *
   * @example
   * ```ts
   * const client = CodexClient.connectStdio();
   * client.onWarning((w) => console.warn(`[codex ${w.kind}] ${w.summary}`));
   * ```
   */
  onWarning(listener: (warning: CodexWarning) => void): Subscription {
    return this.#warnings.on(listener);
  }

  /** Called once when the connection closes; `error` set if it failed. Returns an unsubscribe function. */
  onClose(listener: (error?: CodexTransportError) => void): Subscription {
    return this.connection.onClose(listener);
  }

  /**
   * With `reconnect` (WebSocket, Unix): called once the client has reconnected, re-initialized and
   * resumed the threads with work in flight (running turns, followed goals). Idle threads it holds
   * handles for are resumed on their next use (`deferredThreads`). Returns an unsubscribe function.
   */
  onReconnected(listener: (info: ReconnectInfo) => void): Subscription {
    return this.#reconnected.on(listener);
  }

  /** With `reconnect`: called when the connection drops and reconnecting begins. */
  onDisconnected(listener: (error: CodexTransportError) => void): Subscription {
    return this.connection.onDisconnect(listener);
  }

  async #afterReconnect(): Promise<void> {
    this.#initializing = undefined;
    this.#initializeOnWire = undefined;
    this.#serverInfo = undefined;
    await this.initialize();
    this.#reconnected.fire(await this.recover());
  }

  /** Closes the connection (ending the child process, if any). Idempotent. */
  async close(): Promise<void> {
    await this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
