// The client's session with one server: the connection, the handshake, typed requests and events.
// CodexClient (client.ts) holds one, next to its services, and exposes both; the session calls back
// into the services only through the hooks they attach.
import type { InitializeParams } from "../protocol/generated/InitializeParams.js";
import type { InitializeResponse } from "../protocol/generated/InitializeResponse.js";
import type {
  ClientRequestMethod,
  ClientRequestResult,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestReply,
} from "../protocol/index.js";
import { GENERATED_FROM_CODEX_VERSION } from "../protocol/generated/methods.js";
import {
  RpcConnection,
  type ReconnectOptions,
  type RequestOptions,
  type ServerRequestContext,
  type ServerRequestHandler,
} from "../rpc/connection.js";
import type { RequestArgs } from "../rpc/typed-request.js";
import type { SafeReply } from "../rpc/server-requests.js";
import type { Transport } from "../transport/transport.js";
import { StdioTransport } from "../transport/stdio.js";
import { CodexError } from "../errors/index.js";
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

/** What the session asks of the services above it, once they are attached. */
export interface SessionHooks {
  /** The SDK's own handler of a server request method (its safe default), if it has one. */
  defaultRequestHandler(method: string): ServerRequestHandler | undefined;
  /** The reply of a server request refused because too many wait, if the SDK has one. */
  safeDefault(method: string, params: unknown): SafeReply | undefined;
  /** After a reconnect and a new handshake: restore what the services hold. */
  recover(): Promise<ReconnectInfo>;
}

/**
 * The connection, handshake, typed requests and events of one {@link CodexClient}. Internal: the
 * client holds it and forwards its public methods here.
 */
export class ClientSession {
  /** The JSON-RPC layer. */
  readonly connection: RpcConnection;
  /** The error channel shared by every layer of this client (`onError`). */
  readonly errors = new Emitter<Error>();
  /** Until the services attach: no default handlers, nothing to recover. */
  #hooks: SessionHooks = {
    defaultRequestHandler: () => undefined,
    safeDefault: () => undefined,
    recover: () => Promise.resolve({ resumedThreads: [], failedThreads: [], deferredThreads: [] }),
  };
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

  constructor(transport: Transport, options: ClientOptions, reconnect: ReconnectOptions | undefined) {
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
      fallbackHandler: (method) => this.#hooks.defaultRequestHandler(method),
      maxPendingServerRequests: options.maxPendingServerRequests,
      safeDefault: (method, params) => this.#hooks.safeDefault(method, params),
      errorContext: () => ({
        serverVersion: this.serverVersion,
        schemaVersion: GENERATED_FROM_CODEX_VERSION,
      }),
    });
    this.#warnings = new ServerWarnings(this.connection, this.errors);
    if (reconnect) this.connection.onReconnect(() => this.#afterReconnect());
  }

  /** The services built over this session attach their hooks (once, right after construction). */
  attach(hooks: SessionHooks): void {
    this.#hooks = hooks;
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

  /** Connects the transport. Idempotent. */
  async start(): Promise<void> {
    this.#starting ??= this.connection.start();
    await this.#starting;
  }

  /**
   * The handshake, once (see `CodexClient.initialize`). A failed one is forgotten so the next call
   * tries again; a retry after a timeout waits for the reply to the same `initialize`, which the
   * server answers only once.
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

  /** A typed request, after starting and initializing if needed. */
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

  /** The server's warnings (see `CodexClient.onWarning`). */
  onWarning(listener: (warning: CodexWarning) => void): Subscription {
    return this.#warnings.on(listener);
  }

  /** Called after each reconnect, once the services have recovered. */
  onReconnected(listener: (info: ReconnectInfo) => void): Subscription {
    return this.#reconnected.on(listener);
  }

  async #afterReconnect(): Promise<void> {
    this.#initializing = undefined;
    this.#initializeOnWire = undefined;
    this.#serverInfo = undefined;
    await this.initialize();
    this.#reconnected.fire(await this.#hooks.recover());
  }
}
