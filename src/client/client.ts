import os from "node:os";
import path from "node:path";
import type { CodexTransportError } from "../errors/index.js";
import { sdkPackageInfo } from "../internal/package-info.js";
import type { InitializeParams } from "../protocol/generated/InitializeParams.js";
import type { InitializeResponse } from "../protocol/generated/InitializeResponse.js";
import type {
  ClientRequestMethod,
  ClientRequestParams,
  ClientRequestResult,
  ServerNotification,
  ServerNotificationMethod,
  ServerNotificationParams,
  ServerRequestMethod,
  ServerRequestParams,
  ServerRequestReply,
} from "../protocol/index.js";
import {
  RpcConnection,
  type NotificationMessage,
  type RequestOptions,
  type ServerRequestContext,
} from "../rpc/connection.js";
import { StdioTransport } from "../transport/stdio.js";
import type { Transport } from "../transport/transport.js";
import { WebSocketTransport } from "../transport/websocket.js";
import { resolveAppServerCommand } from "./command.js";
import type {
  ClientOptions,
  StdioConnectOptions,
  UnixConnectOptions,
  WebSocketConnectOptions,
} from "./options.js";

/** Arguments of `request()`: params may be omitted for methods that take none. */
export type RequestArgs<M extends ClientRequestMethod> =
  ClientRequestParams<M> extends undefined
    ? [params?: undefined, options?: RequestOptions]
    : [params: ClientRequestParams<M>, options?: RequestOptions];

/** Handler of one server→client request method. */
export type ServerRequestHandlerFor<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
  context: ServerRequestContext,
) => ServerRequestReply<M> | Promise<ServerRequestReply<M>>;

/**
 * A client of one `codex app-server`. Create it with `connectStdio`, `connectWebSocket` or
 * `connectUnix` (nothing is started yet), then call any method: the first call starts the
 * transport and performs the `initialize` handshake.
 *
 * @example
 * ```ts
 * await using client = CodexClient.connectStdio();
 * const info = await client.initialize();
 * const { thread } = await client.request("thread/start", { cwd: process.cwd() });
 * ```
 */
export class CodexClient {
  /** The JSON-RPC layer; exposed for advanced use (raw dispatch, custom handlers). */
  readonly connection: RpcConnection;
  private readonly transport: Transport;
  // Only the handshake settings are kept: connect options may hold secrets (tokens, headers).
  private readonly handshake: Pick<ClientOptions, "clientInfo" | "experimentalApi" | "capabilities">;
  private starting: Promise<void> | undefined;
  private initializing: Promise<InitializeResponse> | undefined;
  private initializeResult: InitializeResponse | undefined;

  /** Wraps an existing transport (e.g. an in-memory pair in tests). */
  constructor(transport: Transport, options: ClientOptions = {}) {
    this.transport = transport;
    this.handshake = {
      clientInfo: options.clientInfo,
      experimentalApi: options.experimentalApi,
      capabilities: options.capabilities,
    };
    this.connection = new RpcConnection(transport, {
      requestTimeoutMs: options.requestTimeoutMs,
      overloadRetry: options.overloadRetry,
      notificationBufferSize: options.notificationBufferSize,
    });
  }

  /**
   * A client that starts the app-server as a child process and talks JSONL over stdio.
   * Resolves the command now (so a missing binary fails fast) but starts nothing.
   */
  static connectStdio(options: StdioConnectOptions = {}): CodexClient {
    const command = resolveAppServerCommand({
      command: options.command,
      env: options.env,
      appServerArgs: options.appServerArgs,
    });
    const transport = new StdioTransport({
      file: command.file,
      args: command.args,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
      ...(options.onStderr !== undefined ? { onStderr: options.onStderr } : {}),
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
    });
    return new CodexClient(transport, options);
  }

  /**
   * A client of `codex app-server --listen ws://HOST:PORT`. Plaintext `ws://` is refused for
   * non-loopback hosts unless `allowInsecureRemote` is set; the check happens here, before any
   * socket is opened or name resolved.
   */
  static connectWebSocket(options: WebSocketConnectOptions = {}): CodexClient {
    const url = options.url ?? process.env.CODEX_APP_SERVER_WS_URL ?? "ws://127.0.0.1:8765";
    const token = options.token ?? process.env.CODEX_APP_SERVER_TOKEN;
    const transport = new WebSocketTransport({
      url,
      token,
      headers: options.headers,
      maxMessageBytes: options.maxMessageBytes,
      allowInsecureRemote: options.allowInsecureRemote,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    return new CodexClient(transport, options);
  }

  /** A client of `codex app-server --listen unix://PATH` (WebSocket over the Unix socket). */
  static connectUnix(options: UnixConnectOptions = {}): CodexClient {
    const socketPath = options.socketPath ?? defaultControlSocketPath();
    const transport = new WebSocketTransport({
      url: `ws+unix://${path.resolve(socketPath)}:/`,
      token: options.token,
      headers: options.headers,
      maxMessageBytes: options.maxMessageBytes,
      connectTimeoutMs: options.connectTimeoutMs,
    });
    return new CodexClient(transport, options);
  }

  /** The child's pid for stdio clients (after start), else undefined. */
  get pid(): number | undefined {
    return this.transport instanceof StdioTransport ? this.transport.pid : undefined;
  }

  /** The `initialize` result, once the handshake is done. */
  get serverInfo(): InitializeResponse | undefined {
    return this.initializeResult;
  }

  /** Connects the transport. Idempotent; returns the client. */
  async start(): Promise<this> {
    this.starting ??= this.connection.start();
    await this.starting;
    return this;
  }

  /**
   * Performs the `initialize` handshake (once) and sends `initialized`. `params` are merged over
   * the defaults: `clientInfo` of this package, `capabilities.experimentalApi` from the options.
   */
  initialize(params: Partial<InitializeParams> = {}): Promise<InitializeResponse> {
    this.initializing ??= (async () => {
      await this.start();
      const pkg = sdkPackageInfo();
      const full: InitializeParams = {
        clientInfo: params.clientInfo ??
          this.handshake.clientInfo ?? {
            name: pkg.name,
            title: "Codex App Server SDK (TypeScript)",
            version: pkg.version,
          },
        capabilities: {
          experimentalApi: this.handshake.experimentalApi ?? false,
          requestAttestation: false,
          ...this.handshake.capabilities,
          ...params.capabilities,
        },
      };
      const result = (await this.connection.request("initialize", full)) as InitializeResponse;
      await this.connection.notify("initialized");
      this.initializeResult = result;
      return result;
    })();
    return this.initializing;
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
    await this.initialize();
    return (await this.connection.request(method, params, options)) as ClientRequestResult<M>;
  }

  /** Escape hatch for methods the pinned schema does not know. Result is `unknown`. */
  async requestUntyped(method: string, params?: unknown, options?: RequestOptions): Promise<unknown> {
    await this.initialize();
    return this.connection.request(method, params, options);
  }

  /** Subscribes to one notification method, typed by the schema. Returns an unsubscribe function. */
  on<M extends ServerNotificationMethod>(
    method: M,
    listener: (params: ServerNotificationParams<M>) => void,
  ): () => void {
    return this.connection.onNotification(method, listener as (params: unknown) => void);
  }

  /** Subscribes to every notification, including methods the pinned schema does not know. */
  onAny(listener: (notification: NotificationMessage) => void): () => void {
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
   * Registers the handler of a server→client request method. Methods with no handler are
   * answered with JSON-RPC -32601. Returns a function that unregisters it.
   */
  handleRequest<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandlerFor<M>): () => void {
    return this.connection.onRequest(
      method,
      handler as (params: unknown, ctx: ServerRequestContext) => unknown,
    );
  }

  /** The client's own error channel (malformed messages, failing listeners). Returns an unsubscribe function. */
  onError(listener: (error: Error) => void): () => void {
    return this.connection.onError(listener);
  }

  /** Called once when the connection closes; `error` set if it failed. Returns an unsubscribe function. */
  onClose(listener: (error?: CodexTransportError) => void): () => void {
    return this.connection.onClose(listener);
  }

  /** Closes the connection (ending the child process, if any). Idempotent. */
  async close(): Promise<void> {
    await this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** `$CODEX_HOME/app-server-control/app-server-control.sock`, CODEX_HOME defaulting to `~/.codex`. */
export function defaultControlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const home =
    env.CODEX_HOME && env.CODEX_HOME.length > 0 ? env.CODEX_HOME : path.join(os.homedir(), ".codex");
  return path.join(home, "app-server-control", "app-server-control.sock");
}
