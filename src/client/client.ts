import os from "node:os";
import path from "node:path";
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
import type { Turn } from "../protocol/generated/v2/Turn.js";
import {
  RpcConnection,
  type ReconnectOptions,
  type NotificationMessage,
  type RequestOptions,
  type ServerRequestContext,
} from "../rpc/connection.js";
import { StdioTransport } from "../transport/stdio.js";
import type { Transport } from "../transport/transport.js";
import { WebSocketTransport } from "../transport/websocket.js";
import { resolveAppServerCommand } from "./command.js";
import { AccountService } from "../account/service.js";
import type {
  CancelResult,
  ChatOnceOptions,
  ChatResult,
  StreamTurnOptions,
  ThreadSettings,
} from "../conversation/chat-types.js";
import {
  explainRefusal,
  toUserInput,
  type ThreadConfig,
  type TurnInput,
  type TurnOverrides,
} from "../conversation/config.js";
import { ThreadHandle } from "../conversation/thread-handle.js";
import { GENERATED_FROM_CODEX_VERSION } from "../protocol/generated/methods.js";
import { EXPERIMENTAL_FIELDS, EXPERIMENTAL_METHODS } from "../protocol/generated/experimental.js";
import { RpcErrorCode } from "../rpc/messages.js";
import {
  CodexError,
  CodexExperimentalApiError,
  CodexMethodNotFoundError,
  CodexProtocolError,
  CodexTransportError,
  type TurnContinuation,
} from "../errors/index.js";
import type { UserInput } from "../protocol/generated/v2/UserInput.js";
import type { ReviewStartParams } from "../protocol/generated/v2/ReviewStartParams.js";
import type { CommandExecParams } from "../protocol/generated/v2/CommandExecParams.js";
import { TurnRouter } from "../turn/router.js";
import { ApprovalBroker, type ApproveOptions } from "../approvals/broker.js";
import type { ApprovalDecision } from "../approvals/decisions.js";
import type { ApprovalDecisionRecord, ApprovalHandler, ApprovalRequest } from "../approvals/requests.js";
import {
  ServerRequestHooks,
  type DynamicToolHandler,
  type ElicitationHandler,
  type PermissionsHandler,
  type UserInputHandler,
} from "../server-requests/hooks.js";
import { toStep, type ConversationStep } from "../turn/steps.js";
import { keepsTurn, type TurnStream, type TurnStreamMode } from "../turn/turn-stream.js";
import type {
  ClientOptions,
  ReconnectSetting,
  StdioConnectOptions,
  UnixConnectOptions,
  WebSocketConnectOptions,
} from "./options.js";

/** What a reconnect restored. */
export interface ReconnectInfo {
  /** Threads resumed with `thread/resume`. */
  resumedThreads: string[];
  /** Threads whose resume failed, with the error (their running turns' streams fail). */
  failedThreads: { threadId: string; error: Error }[];
}

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
  private router_: TurnRouter | undefined;
  private readonly inactivityTimeoutMs: number | undefined;
  private readonly turnBufferSize: number;
  private readonly approvals: ApprovalBroker;
  private readonly hooks: ServerRequestHooks;

  /** Thread handles to resume after a reconnect (only kept when reconnecting is on). */
  private readonly heldThreads = new Map<string, WeakRef<ThreadHandle>>();
  private readonly forgetThread = new FinalizationRegistry<string>((threadId) => {
    if (this.heldThreads.get(threadId)?.deref() === undefined) this.heldThreads.delete(threadId);
  });
  private readonly reconnects: boolean;
  private readonly reconnectedListeners = new Set<(info: ReconnectInfo) => void>();
  private readonly disconnectedListeners = new Set<(error: CodexTransportError) => void>();

  /**
   * Wraps an existing transport (e.g. an in-memory pair in tests). `reconnect` (used by
   * `connectWebSocket`) makes a fresh transport when the connection drops.
   */
  constructor(transport: Transport, options: ClientOptions = {}, reconnect?: ReconnectOptions) {
    this.transport = transport;
    this.handshake = {
      clientInfo: options.clientInfo,
      experimentalApi: options.experimentalApi,
      capabilities: options.capabilities,
    };
    this.inactivityTimeoutMs = options.inactivityTimeoutMs;
    this.turnBufferSize = options.turnBufferSize ?? 10_000;
    this.connection = new RpcConnection(transport, {
      requestTimeoutMs: options.requestTimeoutMs,
      overloadRetry: options.overloadRetry,
      notificationBufferSize: options.notificationBufferSize,
      reconnect,
    });
    this.reconnects = reconnect !== undefined;
    if (reconnect) {
      this.connection.onDisconnect((error) => {
        for (const listener of [...this.disconnectedListeners]) listener(error);
      });
      this.connection.onReconnect(() => this.afterReconnect());
    }
    this.approvals = new ApprovalBroker(this.connection, {
      approvalTimeoutMs: options.approvalTimeoutMs,
      approvalBufferSize: options.approvalBufferSize,
    });
    this.hooks = new ServerRequestHooks(this.connection, { timeoutMs: options.approvalTimeoutMs });
  }

  /**
   * A client that starts the app-server as a child process and talks JSONL over stdio.
   * Resolves the command now (so a missing binary fails fast) but starts nothing.
   */
  static connectStdio(options: StdioConnectOptions = {}): CodexClient {
    const env = filterEnv(options.env ?? process.env, options.envFilter);
    const command = resolveAppServerCommand({
      command: options.command,
      env,
      appServerArgs: options.appServerArgs,
    });
    const transport = new StdioTransport({
      file: command.file,
      args: command.args,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      env,
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
    const makeTransport = () =>
      new WebSocketTransport({
        url,
        token,
        headers: options.headers,
        maxMessageBytes: options.maxMessageBytes,
        allowInsecureRemote: options.allowInsecureRemote,
        connectTimeoutMs: options.connectTimeoutMs,
      });
    return new CodexClient(makeTransport(), options, reconnectOptions(options.reconnect, makeTransport));
  }

  /** A client of `codex app-server --listen unix://PATH` (WebSocket over the Unix socket). */
  static connectUnix(options: UnixConnectOptions = {}): CodexClient {
    const socketPath = options.socketPath ?? defaultControlSocketPath();
    const makeTransport = () =>
      new WebSocketTransport({
        url: `ws+unix://${path.resolve(socketPath)}:/`,
        token: options.token,
        headers: options.headers,
        maxMessageBytes: options.maxMessageBytes,
        connectTimeoutMs: options.connectTimeoutMs,
      });
    return new CodexClient(makeTransport(), options, reconnectOptions(options.reconnect, makeTransport));
  }

  /** Sign-in and account: read it, sign in (API key, ChatGPT, device code), log out. */
  get account(): AccountService {
    return (this.account_ ??= new AccountService({
      request: (method, params, options) => this.requestUntyped(method, params, options) as Promise<never>,
      on: (method, listener) => this.on(method, listener),
      onClose: (listener) => this.onClose(listener),
    }));
  }
  private account_: AccountService | undefined;

  /** The child's pid for stdio clients (after start), else undefined. */
  get pid(): number | undefined {
    return this.transport instanceof StdioTransport ? this.transport.pid : undefined;
  }

  /** The `initialize` result, once the handshake is done. */
  get serverInfo(): InitializeResponse | undefined {
    return this.initializeResult;
  }

  /**
   * The server's version (e.g. `"0.169.0"`), read from the `userAgent` of its `initialize` reply
   * (`<originator>/<version> (…)`); undefined before the handshake or if it does not say.
   */
  get serverVersion(): string | undefined {
    return parseServerVersion(this.initializeResult?.userAgent);
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
    this.refuseExperimental(method, params);
    await this.initialize();
    try {
      return (await this.connection.request(method, params, options)) as ClientRequestResult<M>;
    } catch (error) {
      throw this.explainProtocolError(error);
    }
  }

  /** Escape hatch for methods the pinned schema does not know. Result is `unknown`. */
  async requestUntyped(method: string, params?: unknown, options?: RequestOptions): Promise<unknown> {
    this.refuseExperimental(method, params);
    await this.initialize();
    try {
      return await this.connection.request(method, params, options);
    } catch (error) {
      throw this.explainProtocolError(error);
    }
  }

  /** The experimental surface needs the opt-in: refuse it here, with the way out, before sending. */
  private refuseExperimental(method: string, params: unknown): void {
    if (this.handshake.experimentalApi || this.handshake.capabilities?.experimentalApi) return;
    const howTo = "Create the client with { experimentalApi: true } to use the experimental API.";
    if (EXPERIMENTAL_METHODS.has(method)) {
      throw new CodexExperimentalApiError(`"${method}" is an experimental method. ${howTo}`, method);
    }
    const fields = EXPERIMENTAL_FIELDS[method];
    if (!fields || typeof params !== "object" || params === null) return;
    const used = fields.find((f) => {
      const value = (params as Record<string, unknown>)[f];
      return value !== undefined && value !== null;
    });
    if (used !== undefined) {
      throw new CodexExperimentalApiError(
        `"${method}": the field "${used}" is part of the experimental API. ${howTo}`,
        method,
        used,
      );
    }
  }

  /** Unknown methods become `CodexMethodNotFoundError`; experimental refusals say how to opt in. */
  private explainProtocolError(error: unknown): unknown {
    if (!(error instanceof CodexProtocolError) || error.method === undefined) return error;
    const { method } = error;
    const unknownVariant = error.code === -32600 && error.message.includes(`unknown variant \`${method}\``);
    if (error.code === RpcErrorCode.MethodNotFound || unknownVariant) {
      const version = this.serverVersion;
      return new CodexMethodNotFoundError(
        `The connected app-server (${version ? `codex ${version}` : "version unknown"}) does not know "${method}". ` +
          `This SDK is built for codex ${GENERATED_FROM_CODEX_VERSION.replace(/^codex-cli /, "")}; use a server that has the method, or avoid it.`,
        { code: error.code, method, serverVersion: version, cause: error },
      );
    }
    return withExperimentalHint(error);
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
   * Registers the raw handler of a server→client request method, replacing the SDK's own handling
   * of it (approvals, hooks and their safe defaults). Methods with no handler and no default are
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

  /**
   * With `reconnect` (WebSocket): called once the client has reconnected, re-initialized and
   * resumed the threads it holds handles for. Returns an unsubscribe function.
   */
  onReconnected(listener: (info: ReconnectInfo) => void): () => void {
    this.reconnectedListeners.add(listener);
    return () => this.reconnectedListeners.delete(listener);
  }

  /** With `reconnect`: called when the connection drops and reconnecting begins. */
  onDisconnected(listener: (error: CodexTransportError) => void): () => void {
    this.disconnectedListeners.add(listener);
    return () => this.disconnectedListeners.delete(listener);
  }

  private hold(handle: ThreadHandle): ThreadHandle {
    if (this.reconnects) {
      this.heldThreads.set(handle.threadId, new WeakRef(handle));
      this.forgetThread.register(handle, handle.threadId);
    }
    return handle;
  }

  /** Re-initializes, resumes held threads and running turns' threads, then settles their streams. */
  private async afterReconnect(): Promise<void> {
    this.initializing = undefined;
    this.initializeResult = undefined;
    await this.initialize();
    const threadIds = new Set<string>();
    for (const [id, ref] of this.heldThreads) {
      if (ref.deref()) threadIds.add(id);
      else this.heldThreads.delete(id);
    }
    const router = this.router_;
    const activeTurns = router?.activeTurns() ?? [];
    for (const { threadId } of activeTurns) threadIds.add(threadId);
    const turnsByThread = new Map<string, Turn[] | Error>();
    await Promise.all(
      [...threadIds].map(async (threadId) => {
        try {
          const { thread } = await this.request("thread/resume", {
            threadId,
          } as ClientRequestParams<"thread/resume">);
          turnsByThread.set(threadId, thread.turns);
        } catch (error) {
          turnsByThread.set(threadId, error instanceof Error ? error : new Error(String(error)));
        }
      }),
    );
    // thread/resume may leave turns out (paginated history): ask thread/read about the missing ones.
    const missing = new Set(
      activeTurns
        .filter(({ threadId, turnId }) => {
          const turns = turnsByThread.get(threadId);
          return Array.isArray(turns) && !turns.some((t) => t.id === turnId);
        })
        .map((t) => t.threadId),
    );
    await Promise.all(
      [...missing].map(async (threadId) => {
        try {
          const { thread } = await this.readThread(threadId, { includeTurns: true });
          const known = turnsByThread.get(threadId) as Turn[];
          turnsByThread.set(threadId, [
            ...known,
            ...thread.turns.filter((t) => !known.some((k) => k.id === t.id)),
          ]);
        } catch {
          // keep what thread/resume said; the turn is then reported as interrupted
        }
      }),
    );
    router?.reconcile(turnsByThread, new CodexTransportError("The connection to the app-server dropped."));
    const info: ReconnectInfo = {
      resumedThreads: [...turnsByThread].filter(([, v]) => !(v instanceof Error)).map(([id]) => id),
      failedThreads: [...turnsByThread].flatMap(([threadId, v]) =>
        v instanceof Error ? [{ threadId, error: v }] : [],
      ),
    };
    for (const listener of [...this.reconnectedListeners]) {
      try {
        listener(info);
      } catch (error) {
        this.connection.reportError(new CodexError("An onReconnected listener threw.", { cause: error }));
      }
    }
  }

  // ---------------------------------------------------------------- approvals and server requests

  /**
   * Sets the handler that answers every command and file-change approval (callback mode), or
   * removes it with `null`. A handler that throws, answers an invalid decision or exceeds
   * `approvalTimeoutMs` gets `decline` sent, and the error goes to `onError`.
   *
   * @example
   * ```ts
   * client.setApprovalHandler(async (req) => {
   *   if (req.type === "fileChange") return req.changes.every((c) => c.path.startsWith(repo)) ? "accept" : "decline";
   *   return req.command?.includes("npm test") ? "acceptForSession" : "decline";
   * });
   * ```
   */
  setApprovalHandler(handler: ApprovalHandler | null): void {
    this.approvals.setHandler(handler);
  }

  /**
   * Approval requests as an async iterable (stream mode): requests pending now, then each new one.
   * While an iterator is open and no handler is set, requests wait for `respondApproval` (bounded by
   * `approvalTimeoutMs`); with neither, they are declined at once. With a handler set, the stream
   * only observes. Breaking out of the loop, or `signal`, closes it.
   *
   * @example
   * ```ts
   * for await (const req of client.approvalRequests({ signal })) {
   *   if (req.type === "commandExecution") client.approveApproval(req, { forSession: true });
   *   else client.declineApproval(req);
   * }
   * ```
   */
  approvalRequests(
    options: { bufferSize?: number; signal?: AbortSignal } = {},
  ): AsyncIterableIterator<ApprovalRequest> {
    return this.approvals.requests(options);
  }

  /**
   * Answers a pending approval request. Throws `TypeError` for a decision the request cannot take
   * and `CodexProtocolError("approval request is no longer pending")` for a request already
   * answered, resolved by the server, whose turn ended, or whose client closed.
   */
  respondApproval(request: ApprovalRequest, decision: ApprovalDecision): void {
    this.approvals.respond(request, decision);
  }

  /** Accepts: once, for the session (`forSession`), or with a command-prefix rule (`execpolicyAmendment`). */
  approveApproval(request: ApprovalRequest, options: ApproveOptions = {}): void {
    this.approvals.approve(request, options);
  }

  /** Declines: the item is not run or applied, and the turn goes on. */
  declineApproval(request: ApprovalRequest): void {
    this.approvals.respond(request, "decline");
  }

  /** Declines and cancels the turn. */
  cancelApproval(request: ApprovalRequest): void {
    this.approvals.respond(request, "cancel");
  }

  /** The approval requests still waiting for an answer. */
  pendingApprovals(): ApprovalRequest[] {
    return this.approvals.pendingRequests();
  }

  /** Called for every answered approval with the decision, who decided and the latency. */
  onApprovalDecided(listener: (record: ApprovalDecisionRecord) => void): () => void {
    return this.approvals.onDecided(listener);
  }

  /**
   * Answers `item/permissions/requestApproval` with the granted subset and its scope; `null`
   * restores the default, which grants nothing. A grant beyond the request is refused.
   */
  setPermissionsHandler(handler: PermissionsHandler | null): void {
    this.hooks.set("item/permissions/requestApproval", handler);
  }

  /** Answers `item/tool/requestUserInput`; the default sends no answers. */
  setUserInputHandler(handler: UserInputHandler | null): void {
    this.hooks.set("item/tool/requestUserInput", handler);
  }

  /** Answers `mcpServer/elicitation/request`; the default declines. */
  setElicitationHandler(handler: ElicitationHandler | null): void {
    this.hooks.set("mcpServer/elicitation/request", handler);
  }

  /**
   * Runs a dynamic tool (`item/tool/call`) declared in `thread/start`'s `dynamicTools`. Calls of
   * unregistered tools get a failed result saying the tool is not available. Returns an unregister function.
   */
  registerTool(name: string, handler: DynamicToolHandler, options: { namespace?: string } = {}): () => void {
    return this.hooks.registerTool(name, handler, options);
  }

  // ---------------------------------------------------------------- threads

  /** Starts a thread (`thread/start`) and returns its handle. */
  async startThread(config: ThreadConfig = {}): Promise<ThreadHandle> {
    const params = { ...config } as ClientRequestParams<"thread/start">;
    const { thread } = await this.requestExplained("thread/start", params);
    return this.hold(new ThreadHandle(this, thread.id, config));
  }

  /** Resumes a stored thread by id (`thread/resume`), e.g. from another process. */
  async resumeThread(threadId: string, overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    const params = { ...overrides, threadId } as ClientRequestParams<"thread/resume">;
    const { thread } = await this.requestExplained("thread/resume", params);
    return this.hold(new ThreadHandle(this, thread.id, overrides));
  }

  /** Forks a thread into a new one (`thread/fork`). */
  async forkThread(threadId: string, overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    const params = { ...overrides, threadId } as ClientRequestParams<"thread/fork">;
    const { thread } = await this.requestExplained("thread/fork", params);
    return this.hold(new ThreadHandle(this, thread.id, overrides));
  }

  /** Changes a thread's settings for its later turns (`thread/settings/update`). */
  async setThreadDefaults(threadId: string, settings: ThreadSettings): Promise<void> {
    await this.requestExplained("thread/settings/update", {
      ...settings,
      threadId,
    } as ClientRequestParams<"thread/settings/update">);
  }

  /** `thread/read`. */
  readThread(
    threadId: string,
    options: { includeTurns?: boolean } = {},
  ): Promise<ClientRequestResult<"thread/read">> {
    return this.request("thread/read", {
      threadId,
      ...(options.includeTurns !== undefined ? { includeTurns: options.includeTurns } : {}),
    });
  }

  /** `thread/list`. */
  listThreads(params: ClientRequestParams<"thread/list"> = {}): Promise<ClientRequestResult<"thread/list">> {
    return this.request("thread/list", params);
  }

  async setThreadName(threadId: string, name: string): Promise<void> {
    await this.request("thread/name/set", { threadId, name });
  }

  async archiveThread(threadId: string): Promise<void> {
    await this.request("thread/archive", { threadId });
  }

  async unarchiveThread(threadId: string): Promise<void> {
    await this.request("thread/unarchive", { threadId });
  }

  /**
   * Drops the last `numTurns` turns from a thread's persisted history. codex 0.169 has no
   * `thread/rollback`; this reads the thread's turns (`thread/read`) and calls
   * `thread/revert { beforeTurnId }` with the first turn to drop. Files the agent changed are not
   * restored.
   */
  async rollbackThread(threadId: string, options: { numTurns: number }): Promise<void> {
    const n = options.numTurns;
    if (!Number.isInteger(n) || n < 1)
      throw new TypeError(`rollbackThread: numTurns must be a positive integer, got ${n}.`);
    const { thread } = await this.readThread(threadId, { includeTurns: true });
    const turns = thread.turns;
    if (turns.length < n) {
      throw new CodexError(
        `rollbackThread: thread ${threadId} has ${turns.length} turn(s); cannot drop ${n}.`,
      );
    }
    const first = turns[turns.length - n];
    await this.request("thread/revert", { threadId, beforeTurnId: (first as { id: string }).id });
  }

  /** Starts compacting a thread's history (`thread/compact/start`). */
  async compactThread(threadId: string): Promise<void> {
    await this.request("thread/compact/start", { threadId });
  }

  // ---------------------------------------------------------------- turns

  /** `turn/interrupt`. The turn then completes with status `interrupted`. */
  async interruptTurn(threadId: string, turnId: string): Promise<void> {
    await this.request("turn/interrupt", { threadId, turnId });
  }

  /** Adds input to the running turn (`turn/steer`); fails if `expectedTurnId` is not the active turn. */
  steerTurn(params: {
    threadId: string;
    expectedTurnId: string;
    input: TurnInput;
  }): Promise<ClientRequestResult<"turn/steer">> {
    return this.request("turn/steer", {
      threadId: params.threadId,
      expectedTurnId: params.expectedTurnId,
      input: toUserInput(params.input),
    });
  }

  /** `review/start`. */
  startReview(params: ReviewStartParams): Promise<ClientRequestResult<"review/start">> {
    return this.request("review/start", params);
  }

  /**
   * Runs one turn to completion and returns its result. Without `threadId`, starts a thread with
   * `threadConfig` first. A `failed` turn rejects with `CodexTurnFailedError`; no event for
   * `inactivityTimeoutMs` rejects with `CodexTurnInactiveError`, whose `continuation` resumes it.
   *
   * @example
   * ```ts
   * const r = await client.chatOnce("Summarise README.md", { threadConfig: { cwd: "/repo" } });
   * console.log(r.finalText, r.usage?.total.totalTokens);
   * ```
   */
  async chatOnce(input?: TurnInput, options: ChatOnceOptions = {}): Promise<ChatResult> {
    const stream = options.continuation
      ? this.resumeContinuation(input, options, "once")
      : await this.beginTurn(...(await this.threadAndInput(input, options)), options.turnOverrides, {
          mode: "once",
          collectItems: true,
          bufferSize: 0,
        });
    let result;
    try {
      result = await stream.waitForCompletion(
        options.inactivityTimeoutMs ?? this.inactivityTimeoutMs,
        options.signal,
      );
    } catch (error) {
      if (!keepsTurn(error)) stream.releaseOnce();
      throw error;
    }
    stream.releaseOnce();
    stream.throwIfFailed();
    let { finalText, assistantItemId } = result;
    let completionSource: ChatResult["completionSource"] = "items";
    if (!assistantItemId && result.status === "completed") {
      const fromRead = await this.finalTextFromThreadRead(result.threadId, result.turnId);
      if (fromRead) {
        ({ finalText, assistantItemId } = fromRead);
        completionSource = "thread/read";
      }
    }
    return {
      threadId: result.threadId,
      turnId: result.turnId,
      finalText,
      items: result.items,
      usage: result.usage,
      status: result.status,
      assistantItemId,
      completionSource,
    };
  }

  /**
   * Runs one turn and yields one {@link ConversationStep} per completed item. Breaking out of the
   * loop interrupts the turn. A failed turn throws `CodexTurnFailedError` at the end.
   *
   * @example
   * ```ts
   * for await (const step of client.chat("Run the tests", { threadId })) {
   *   if (step.stepType === "exec") console.log(step.text);
   * }
   * ```
   */
  async *chat(input?: TurnInput, options: ChatOnceOptions = {}): AsyncGenerator<ConversationStep> {
    const stream = options.continuation
      ? this.resumeContinuation(input, options, "stream")
      : await this.beginTurn(...(await this.threadAndInput(input, options)), options.turnOverrides, {
          mode: "stream",
          bufferSize: this.turnBufferSize,
          queueOnly: STEP_EVENTS,
        });
    const detach = stream.interruptOnAbort(options.signal);
    try {
      yield* stream.steps(options.inactivityTimeoutMs ?? this.inactivityTimeoutMs);
    } finally {
      detach();
    }
  }

  /**
   * Starts a turn on `threadId` and returns its live {@link TurnStream}: every event of the turn,
   * deltas included, plus `done()` and `finalText()`. Aborting `signal` interrupts the turn.
   */
  async streamTurn(threadId: string, input: TurnInput, options: StreamTurnOptions = {}): Promise<TurnStream> {
    const stream = await this.beginTurn(threadId, requireInput(input), options.turnOverrides, {
      mode: "stream",
      bufferSize: options.bufferSize ?? this.turnBufferSize,
    });
    stream.interruptOnAbort(options.signal);
    return stream;
  }

  /**
   * Gives up on a turn that timed out for inactivity: interrupts it if it is still running,
   * returns what the caller had not read, and forgets it so the thread can take the next turn.
   */
  async cancel(continuation: TurnContinuation, options: { timeoutMs?: number } = {}): Promise<CancelResult> {
    const stream = this.router.get(continuation.threadId, continuation.turnId);
    if (!stream) {
      throw new CodexError(
        `cancel: turn ${continuation.turnId} is not tracked by this client (already finished, cancelled, or from another client).`,
      );
    }
    const wasCompleted = stream.finished;
    const rawEvents = stream.drainBuffered();
    try {
      if (!stream.finished) {
        await this.interruptTurn(stream.threadId, stream.turnId);
        await withTimeout(stream.done(), options.timeoutMs ?? 10_000, "the interrupted turn to end");
        rawEvents.push(...stream.drainBuffered());
      }
    } finally {
      stream.releaseOnce();
    }
    const result = stream.result();
    const steps =
      stream.mode === "once"
        ? result.items.map((item) => toStep(stream.threadId, stream.turnId, item))
        : rawEvents.flatMap((e) =>
            e.method === "item/completed" ? [toStep(stream.threadId, stream.turnId, e.params.item)] : [],
          );
    return { steps, rawEvents, wasCompleted, wasInterrupted: result.status === "interrupted" };
  }

  // ---------------------------------------------------------------- other operations

  /** `model/list`. */
  listModels(params: ClientRequestParams<"model/list"> = {}): Promise<ClientRequestResult<"model/list">> {
    return this.request("model/list", params);
  }

  /** Runs a command outside any thread (`command/exec`), under the server's sandbox. */
  execCommand(
    command: string[],
    options: Omit<CommandExecParams, "command"> = {},
  ): Promise<ClientRequestResult<"command/exec">> {
    return this.request("command/exec", { ...options, command });
  }

  readConfig(params: ClientRequestParams<"config/read"> = {}): Promise<ClientRequestResult<"config/read">> {
    return this.request("config/read", params);
  }

  readConfigRequirements(): Promise<ClientRequestResult<"configRequirements/read">> {
    return this.request("configRequirements/read");
  }

  writeConfigValue(
    params: ClientRequestParams<"config/value/write">,
  ): Promise<ClientRequestResult<"config/value/write">> {
    return this.request("config/value/write", params);
  }

  batchWriteConfig(
    params: ClientRequestParams<"config/batchWrite">,
  ): Promise<ClientRequestResult<"config/batchWrite">> {
    return this.request("config/batchWrite", params);
  }

  // ---------------------------------------------------------------- internals of the conversation layer

  private get router(): TurnRouter {
    this.router_ ??= new TurnRouter(this.connection);
    return this.router_;
  }

  private async requestExplained<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestParams<M>,
  ): Promise<ClientRequestResult<M>> {
    try {
      return await (this.request as (m: M, p: unknown) => Promise<ClientRequestResult<M>>)(method, params);
    } catch (error) {
      throw explainRefusal(error, params as Record<string, unknown>, method);
    }
  }

  /** Validates the input before anything is sent, then picks (or starts) the thread. */
  private async threadAndInput(
    input: TurnInput | undefined,
    options: ChatOnceOptions,
  ): Promise<[string, UserInput[]]> {
    const items = requireInput(input);
    if (options.threadId !== undefined) {
      if (options.threadConfig !== undefined) {
        throw new TypeError(
          "Pass either threadId (an existing thread) or threadConfig (a new thread), not both.",
        );
      }
      return [options.threadId, items];
    }
    return [(await this.startThread(options.threadConfig)).threadId, items];
  }

  private async beginTurn(
    threadId: string,
    input: UserInput[],
    overrides: TurnOverrides | undefined,
    stream: {
      mode: TurnStreamMode;
      bufferSize: number;
      collectItems?: boolean;
      queueOnly?: ReadonlySet<string>;
    },
  ): Promise<TurnStream> {
    await this.initialize();
    const router = this.router;
    const pending = router.expectTurn(threadId);
    let turnId: string;
    try {
      const params = { ...overrides, threadId, input } as ClientRequestParams<"turn/start">;
      ({
        turn: { id: turnId },
      } = await this.requestExplained("turn/start", params));
    } catch (error) {
      router.cancelPending(pending);
      throw error;
    }
    return router.bind(pending, {
      threadId,
      turnId,
      ...stream,
      interrupt: () => this.interruptTurn(threadId, turnId),
    });
  }

  private resumeContinuation(
    input: TurnInput | undefined,
    options: ChatOnceOptions,
    mode: TurnStreamMode,
  ): TurnStream {
    const c = options.continuation as TurnContinuation;
    const extra = [
      input !== undefined && "input",
      options.threadId !== undefined && "threadId",
      options.threadConfig !== undefined && "threadConfig",
      options.turnOverrides !== undefined && "turnOverrides",
    ].filter(Boolean);
    if (extra.length > 0) {
      throw new TypeError(
        `A continuation resumes a running turn; it cannot be combined with ${extra.join(", ")}. Pass only { continuation }.`,
      );
    }
    if (c.mode !== mode) {
      throw new TypeError(
        `This continuation came from ${c.mode === "once" ? "chatOnce()" : "chat()"} (mode "${c.mode}"); ` +
          `resume it with ${c.mode === "once" ? "chatOnce" : "chat"}(undefined, { continuation }).`,
      );
    }
    const stream = this.router.get(c.threadId, c.turnId);
    if (!stream) {
      throw new CodexError(
        `Turn ${c.turnId} is not tracked by this client any more (cancelled, already resumed to the end, or from another client).`,
      );
    }
    return stream;
  }

  private async finalTextFromThreadRead(
    threadId: string,
    turnId: string,
  ): Promise<{ finalText: string; assistantItemId: string } | undefined> {
    const { thread } = await this.readThread(threadId, { includeTurns: true });
    const turn = thread.turns.find((t) => t.id === turnId);
    const messages = (turn?.items ?? []).filter((i) => i.type === "agentMessage");
    const last = messages.at(-1);
    return last && last.type === "agentMessage"
      ? { finalText: last.text, assistantItemId: last.id }
      : undefined;
  }

  /** Closes the connection (ending the child process, if any). Idempotent. */
  async close(): Promise<void> {
    await this.connection.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The events a `chat()` consumer needs queued: steps and the end of the turn. */
const STEP_EVENTS: ReadonlySet<string> = new Set(["item/completed", "turn/completed"]);

function requireInput(input: TurnInput | undefined): UserInput[] {
  if (input === undefined) {
    throw new TypeError(
      "A turn needs input (a string or UserInput[]); only a continuation may be passed without input.",
    );
  }
  return toUserInput(input);
}

/** The server refuses experimental methods unless the client opted in: say how to. */
function withExperimentalHint(error: unknown): unknown {
  if (!(error instanceof CodexProtocolError) || !/requires experimentalApi/i.test(error.message))
    return error;
  return new CodexProtocolError(
    `${error.message}. Create the client with { experimentalApi: true } to use experimental methods.`,
    { code: error.code, data: error.data, method: error.method, cause: error },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CodexError(`Timed out after ${ms} ms waiting for ${what}.`)),
      ms,
    );
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The rpc layer's reconnect options from the connect option (`true` = defaults). */
function reconnectOptions(
  option: ReconnectSetting | undefined,
  transport: () => Transport,
): ReconnectOptions | undefined {
  if (!option) return undefined;
  return {
    transport,
    ...(typeof option === "object" && option.maxAttempts !== undefined
      ? { maxAttempts: option.maxAttempts }
      : {}),
    ...(typeof option === "object" && option.backoffMs !== undefined ? { backoffMs: option.backoffMs } : {}),
  };
}

/** The child's environment: `env`, minus what `envFilter` rejects. */
function filterEnv(
  env: NodeJS.ProcessEnv,
  envFilter: ((name: string, value: string) => boolean) | undefined,
): NodeJS.ProcessEnv {
  if (envFilter === undefined) return env;
  if (typeof envFilter !== "function")
    throw new TypeError("envFilter must be a function (name, value) => boolean.");
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && envFilter(name, value)) kept[name] = value;
  }
  return kept;
}

/** The version in a codex `userAgent` (`<originator>/<version> (…)`), if any. */
export function parseServerVersion(userAgent: string | undefined): string | undefined {
  const match = userAgent === undefined ? null : /^[^/\s]+\/(\d+\.\d+\.\d+[^\s]*)/.exec(userAgent);
  return match?.[1];
}

/** `$CODEX_HOME/app-server-control/app-server-control.sock`, CODEX_HOME defaulting to `~/.codex`. */
export function defaultControlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const home =
    env.CODEX_HOME && env.CODEX_HOME.length > 0 ? env.CODEX_HOME : path.join(os.homedir(), ".codex");
  return path.join(home, "app-server-control", "app-server-control.sock");
}
