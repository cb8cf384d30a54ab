import type { CommandExecParams } from "../protocol/generated/v2/CommandExecParams.js";
import type { ReviewStartParams } from "../protocol/generated/v2/ReviewStartParams.js";
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
} from "../protocol/index.js";
import type {
  NotificationMessage,
  ReconnectOptions,
  RequestOptions,
  RpcConnection,
  ServerRequestContext,
} from "../rpc/connection.js";
import type { RequestArgs } from "../rpc/typed-request.js";
import type { Transport } from "../transport/transport.js";
import type { CodexTransportError, TurnContinuation } from "../errors/index.js";
import type { Subscription } from "../events/emitter.js";
import type { AccountService } from "../account/service.js";
import type {
  CancelResult,
  ChatOnceOptions,
  ChatOptions,
  ChatResultFor,
  StreamTurnOptions,
  ThreadSettings,
} from "../conversation/chat-types.js";
import type { ThreadConfig, TurnInput } from "../conversation/config.js";
import type { ReconnectInfo } from "../conversation/recovery.js";
import type { ThreadHandle } from "../conversation/thread-handle.js";
import type { ThreadSettingsPath } from "../conversation/threads.js";
import type { ConversationStep } from "../turn/steps.js";
import type { TurnStream } from "../turn/turn-stream.js";
import type { ApprovalRequestsOptions, ApproveOptions, RespondOptions } from "../approvals/broker.js";
import type { ApprovalDecision } from "../approvals/decisions.js";
import type {
  ApprovalDecisionRecord,
  ApprovalHandlerSetting,
  ApprovalRequest,
  ApprovalSettledRecord,
} from "../approvals/requests.js";
import type {
  DynamicToolHandler,
  ElicitationHandler,
  PermissionsHandler,
  UserInputHandler,
} from "../server-requests/hooks.js";
import { execParams, stdioPlan, unixPlan, webSocketPlan } from "./connect.js";
import { ClientSession, type ServerRequestHandlerFor } from "./session.js";
import type { CodexWarning } from "./warnings.js";
import { createServices, type ClientServices } from "./services.js";
import type {
  ClientOptions,
  StdioConnectOptions,
  UnixConnectOptions,
  WebSocketConnectOptions,
} from "./options.js";

/**
 * A client of one `codex app-server`. Create it with `connectStdio`, `connectWebSocket` or
 * `connectUnix` (nothing is started yet); the first call starts the transport and performs the
 * `initialize` handshake. Threads, turns, approvals, server requests and the account are services
 * it holds, reachable from here and from each {@link ThreadHandle}.
 *
 * @example
 * ```ts
 * const client = CodexClient.connectStdio();
 * try {
 *   const thread = await client.startThread({ cwd: process.cwd() });
 *   console.log((await thread.chatOnce("What does this repo do?")).finalText);
 * } finally {
 *   await client.close();
 * }
 * ```
 */
export class CodexClient {
  /** The JSON-RPC layer; exposed for advanced use (raw dispatch, custom handlers). */
  readonly connection: RpcConnection;
  readonly #session: ClientSession;
  /** Threads, turns, approvals and server-request hooks; this class only forwards to them. */
  readonly #services: ClientServices;

  /** Wraps a transport (e.g. an in-memory pair in tests); `reconnect` makes fresh ones. */
  constructor(transport: Transport, options: ClientOptions = {}, reconnect?: ReconnectOptions) {
    this.#session = new ClientSession(transport, options, reconnect);
    this.connection = this.#session.connection;
    this.#services = createServices(this.#session, options, reconnect !== undefined);
  }

  /** A client of an app-server child over stdio; resolves the command now (a missing binary fails fast). */
  static connectStdio(options: StdioConnectOptions = {}): CodexClient {
    const plan = stdioPlan(options);
    return new CodexClient(plan.transport, plan.options);
  }

  /**
   * A client of `codex app-server --listen ws://HOST:PORT`. Plaintext `ws://` to a host that is not
   * loopback is refused here, before any socket is opened, unless `allowInsecureRemote` is set.
   */
  static connectWebSocket(options: WebSocketConnectOptions = {}): CodexClient {
    const plan = webSocketPlan(options);
    return new CodexClient(plan.transport, plan.options, plan.reconnect);
  }

  /** A client of `codex app-server --listen unix://PATH` (WebSocket over the Unix socket). */
  static connectUnix(options: UnixConnectOptions = {}): CodexClient {
    const plan = unixPlan(options);
    return new CodexClient(plan.transport, plan.options, plan.reconnect);
  }

  // ---------------------------------------------------------------- the connection (session.ts)

  /** The child's pid for stdio clients (after start), else undefined. */
  get pid(): number | undefined {
    return this.#session.pid;
  }

  /** The `initialize` result, once the handshake is done. */
  get serverInfo(): InitializeResponse | undefined {
    return this.#session.serverInfo;
  }

  /** The server's version (e.g. `"0.171.0"`) from its `initialize` reply's `userAgent`; undefined before. */
  get serverVersion(): string | undefined {
    return this.#session.serverVersion;
  }

  /** Connects the transport. Idempotent; returns the client. */
  async start(): Promise<this> {
    await this.#session.start();
    return this;
  }

  /**
   * The `initialize` handshake (once), then `initialized`; `params` go over the defaults. A failed
   * handshake (e.g. `CodexTimeoutError`) does not poison the client: the next call tries again.
   */
  initialize(params: Partial<InitializeParams> = {}): Promise<InitializeResponse> {
    return this.#session.initialize(params);
  }

  /**
   * Sends a typed request (after starting and initializing if needed).
   *
   * @example
   * ```ts
   * const { thread } = await client.request("thread/start", { cwd: "/repo" }, { timeoutMs: 10_000 });
   * ```
   */
  request<M extends ClientRequestMethod>(
    method: M,
    ...args: RequestArgs<M>
  ): Promise<ClientRequestResult<M>> {
    return this.#session.request(method, ...args);
  }

  /** Escape hatch for methods the pinned schema does not know. Result is `unknown`. */
  requestUntyped(method: string, params?: unknown, options?: RequestOptions): Promise<unknown> {
    return this.#session.requestUntyped(method, params, options);
  }

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
   * (approvals, hooks, safe defaults). Unhandled methods get -32601. Returns an unregister function.
   */
  handleRequest<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandlerFor<M>): Subscription {
    return this.connection.onRequest(
      method,
      handler as (params: unknown, ctx: ServerRequestContext) => unknown,
    );
  }

  /** The client's own error channel (malformed messages, failing listeners and handlers). */
  onError(listener: (error: Error) => void): Subscription {
    return this.#session.errors.on(listener);
  }

  /**
   * The server's warnings (`configWarning`, `deprecationNotice`, `warning`, `guardianWarning`,
   * `windows/worldWritableWarning`) as `{ kind, summary, details, threadId }`. With no listener,
   * the first warning of each kind becomes a process warning (type `CodexServerWarning`), once per
   * client. Subscribe before the first call: some arrive right after the handshake.
   */
  onWarning(listener: (warning: CodexWarning) => void): Subscription {
    return this.#session.onWarning(listener);
  }

  /** Called once when the connection closes; `error` set if it failed. Returns an unsubscribe function. */
  onClose(listener: (error?: CodexTransportError) => void): Subscription {
    return this.connection.onClose(listener);
  }

  /**
   * With `reconnect`: called once the client has reconnected, re-initialized and resumed the threads
   * with work in flight (running turns, followed goals); idle ones wait for their next use.
   */
  onReconnected(listener: (info: ReconnectInfo) => void): Subscription {
    return this.#session.onReconnected(listener);
  }

  /** With `reconnect`: called when the connection drops and reconnecting begins. */
  onDisconnected(listener: (error: CodexTransportError) => void): Subscription {
    return this.connection.onDisconnect(listener);
  }

  /** Closes the connection (ending the child process, if any). Idempotent. */
  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Closes the client at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Sign-in and account: read it, sign in (API key, ChatGPT, device code), log out. */
  get account(): AccountService {
    return this.#services.account();
  }

  // ------------------------------------ approvals and server requests (docs/approvals.md, approvals/broker.ts)

  /** The client's approval handler, `"hold"` or `null` (a thread's or turn's own comes first). */
  setApprovalHandler(handler: ApprovalHandlerSetting | null): void {
    this.#services.approvals.setHandler(handler);
  }

  /** Approval requests, pending first; unless `observe`, holds those no handler takes. */
  approvalRequests(options: ApprovalRequestsOptions = {}): AsyncIterableIterator<ApprovalRequest> {
    return this.#services.approvals.requests(options);
  }

  /** The pending request with this `key`, or `undefined` (answered, ended, or unknown). */
  getApproval(key: string): ApprovalRequest | undefined {
    return this.#services.approvals.get(key);
  }

  /**
   * Answers a pending request, given as the object or its `key` (`by`: who decided). Throws `TypeError`
   * for a decision it cannot take, `CodexApprovalNotPendingError` when it is no longer pending.
   */
  respondApproval(
    request: ApprovalRequest | string,
    decision: ApprovalDecision,
    options?: RespondOptions,
  ): void {
    this.#services.approvals.respond(request, decision, options);
  }

  /** Accepts: once, for the session (`forSession`), or with a command-prefix rule (`execpolicyAmendment`). */
  approveApproval(request: ApprovalRequest | string, options: ApproveOptions = {}): void {
    this.#services.approvals.approve(request, options);
  }

  /** Declines: the item is not run or applied, and the turn goes on. */
  declineApproval(request: ApprovalRequest | string, options?: RespondOptions): void {
    this.#services.approvals.respond(request, "decline", options);
  }

  /** Declines and cancels the turn. */
  cancelApproval(request: ApprovalRequest | string, options?: RespondOptions): void {
    this.#services.approvals.respond(request, "cancel", options);
  }

  /** The approval requests still waiting for an answer (of one thread, with `threadId`). */
  pendingApprovals(options: { threadId?: string } = {}): ApprovalRequest[] {
    return this.#services.approvals.pendingRequests(options);
  }

  /** Called for every answered approval with the decision, who decided (`by`) and the latency. */
  onApprovalDecided(listener: (record: ApprovalDecisionRecord) => void): Subscription {
    return this.#services.approvals.onDecided(listener);
  }

  /** Called once per approval request when it leaves (its `outcome`), after its signal aborted. */
  onApprovalSettled(listener: (record: ApprovalSettledRecord) => void): Subscription {
    return this.#services.approvals.onSettled(listener);
  }

  /** Answers `item/permissions/requestApproval` (a grant beyond the request is refused); `null`: grant nothing. */
  setPermissionsHandler(handler: PermissionsHandler | null): void {
    this.#services.hooks.set("item/permissions/requestApproval", handler);
  }

  /** Answers `item/tool/requestUserInput`; the default sends no answers. */
  setUserInputHandler(handler: UserInputHandler | null): void {
    this.#services.hooks.set("item/tool/requestUserInput", handler);
  }

  /** Answers `mcpServer/elicitation/request`; the default declines. */
  setElicitationHandler(handler: ElicitationHandler | null): void {
    this.#services.hooks.set("mcpServer/elicitation/request", handler);
  }

  /**
   * Runs a dynamic tool (`item/tool/call`) declared in `thread/start`'s `dynamicTools`. Calls of
   * unregistered tools get a failed result saying the tool is not available. Returns an unregister function.
   */
  registerTool(
    name: string,
    handler: DynamicToolHandler,
    options: { namespace?: string } = {},
  ): Subscription {
    return this.#services.hooks.registerTool(name, handler, options);
  }

  // ---------------------------------------------------------------- threads (ThreadService)

  /** Starts a thread (`thread/start`) and returns its handle. */
  startThread(config: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#services.threads.startThread(config);
  }

  /** Resumes a stored thread by id (`thread/resume`), e.g. from another process. */
  resumeThread(threadId: string, overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#services.threads.resumeThread(threadId, overrides);
  }

  /** Forks a thread into a new one (`thread/fork`). */
  forkThread(threadId: string, overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#services.threads.forkThread(threadId, overrides);
  }

  /** A thread's settings for later turns; see {@link ThreadHandle.updateDefaults}. Resolves to the method used. */
  setThreadDefaults(threadId: string, settings: ThreadSettings): Promise<ThreadSettingsPath> {
    return this.#services.threads.setThreadDefaults(threadId, settings);
  }

  /** `thread/read`. */
  readThread(
    threadId: string,
    options: { includeTurns?: boolean } = {},
  ): Promise<ClientRequestResult<"thread/read">> {
    return this.#services.threads.readThread(threadId, options);
  }

  /** `thread/list`. */
  listThreads(params: ClientRequestParams<"thread/list"> = {}): Promise<ClientRequestResult<"thread/list">> {
    return this.#services.threads.listThreads(params);
  }

  setThreadName(threadId: string, name: string): Promise<void> {
    return this.#services.threads.setThreadName(threadId, name);
  }

  archiveThread(threadId: string): Promise<void> {
    return this.#services.threads.archiveThread(threadId);
  }

  unarchiveThread(threadId: string): Promise<void> {
    return this.#services.threads.unarchiveThread(threadId);
  }

  /**
   * Drops the last `numTurns` turns from a thread's persisted history (`thread/read`, then
   * `thread/revert`; codex 0.169 has no `thread/rollback`). Files the agent changed are not restored.
   */
  rollbackThread(threadId: string, options: { numTurns: number }): Promise<void> {
    return this.#services.threads.rollbackThread(threadId, options);
  }

  /** Starts compacting a thread's history (`thread/compact/start`). */
  compactThread(threadId: string): Promise<void> {
    return this.#services.threads.compactThread(threadId);
  }

  /** `review/start`. */
  startReview(params: ReviewStartParams): Promise<ClientRequestResult<"review/start">> {
    return this.#services.threads.startReview(params);
  }

  // ---------------------------------------------------------------- turns (TurnService)

  /**
   * Runs one turn to completion and returns its result. Without `threadId`, starts a thread with
   * `threadConfig` first; a `threadId` this connection has not loaded is resumed first. A `failed`
   * turn rejects with `CodexTurnFailedError`; no event for `inactivityTimeoutMs` rejects with
   * `CodexTurnInactiveError`, whose `continuation` resumes it. With `outputSchema`, the final
   * message is parsed and validated into `result.output`.
   *
   * @example
   * ```ts
   * const r = await client.chatOnce("Summarise README.md", { threadConfig: { cwd: "/repo" } });
   * console.log(r.finalText, r.usage?.total.totalTokens);
   * ```
   */
  chatOnce<O extends ChatOnceOptions>(input?: TurnInput, options?: O): Promise<ChatResultFor<O>> {
    return this.#services.turns.chatOnce(input, options);
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
  chat(input?: TurnInput, options: ChatOptions = {}): AsyncGenerator<ConversationStep> {
    return this.#services.turns.chat(input, options);
  }

  /**
   * Starts a turn on `threadId` and returns its live {@link TurnStream}: every event of the turn,
   * deltas included, plus `done()` and `finalText()`. Aborting `signal` interrupts the turn.
   */
  streamTurn(threadId: string, input: TurnInput, options: StreamTurnOptions = {}): Promise<TurnStream> {
    return this.#services.turns.streamTurn(threadId, input, options);
  }

  /**
   * Gives up on a turn: interrupts it if still running, waits for its end (`timeoutMs`, default 10 s),
   * returns what was not read and forgets it. Works for another client's continuation too.
   */
  cancel(continuation: TurnContinuation, options: { timeoutMs?: number } = {}): Promise<CancelResult> {
    return this.#services.turns.cancel(continuation, options);
  }

  /** `turn/interrupt`. The turn then completes with status `interrupted`. */
  interruptTurn(threadId: string, turnId: string): Promise<void> {
    return this.#services.turns.interruptTurn(threadId, turnId);
  }

  /** Adds input to the running turn (`turn/steer`); fails if `expectedTurnId` is not the active turn. */
  steerTurn(params: {
    threadId: string;
    expectedTurnId: string;
    input: TurnInput;
  }): Promise<ClientRequestResult<"turn/steer">> {
    return this.#services.turns.steerTurn(params);
  }

  // ---------------------------------------------------------------- other operations

  /** `model/list`. */
  listModels(params: ClientRequestParams<"model/list"> = {}): Promise<ClientRequestResult<"model/list">> {
    return this.request("model/list", params);
  }

  /** Runs a command outside any thread (`command/exec`), under the server's sandbox. */
  async execCommand(
    command: string[],
    options: Omit<CommandExecParams, "command"> = {},
  ): Promise<ClientRequestResult<"command/exec">> {
    return this.request("command/exec", { ...execParams(options), command });
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
}
