import type { ClientRequestParams, ClientRequestResult } from "../protocol/index.js";
import type { CommandExecParams } from "../protocol/generated/v2/CommandExecParams.js";
import type { ReviewStartParams } from "../protocol/generated/v2/ReviewStartParams.js";
import type { ReconnectOptions, ServerRequestHandler } from "../rpc/connection.js";
import type { SafeReply } from "../rpc/server-requests.js";
import type { Transport } from "../transport/transport.js";
import type { TurnContinuation } from "../errors/index.js";
import type { Subscription } from "../events/emitter.js";
import { AccountService } from "../account/service.js";
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
import type { ThreadService, ThreadSettingsPath } from "../conversation/threads.js";
import type { TurnService } from "../conversation/turns.js";
import type { ConversationStep } from "../turn/steps.js";
import type { TurnStream } from "../turn/turn-stream.js";
import type {
  ApprovalBroker,
  ApprovalRequestsOptions,
  ApproveOptions,
  RespondOptions,
} from "../approvals/broker.js";
import type { ApprovalDecision } from "../approvals/decisions.js";
import type {
  ApprovalDecisionRecord,
  ApprovalHandlerSetting,
  ApprovalRequest,
  ApprovalSettledRecord,
} from "../approvals/requests.js";
import type { ServerRequestGuard } from "../server-requests/guard.js";
import type {
  DynamicToolHandler,
  ElicitationHandler,
  PermissionsHandler,
  ServerRequestHooks,
  UserInputHandler,
} from "../server-requests/hooks.js";
import { execParams, stdioPlan, unixPlan, webSocketPlan } from "./connect.js";
import { ClientCore } from "./core.js";
import { createServices } from "./services.js";
import type {
  ClientOptions,
  StdioConnectOptions,
  UnixConnectOptions,
  WebSocketConnectOptions,
} from "./options.js";

export type { ReconnectInfo } from "../conversation/recovery.js";
export type { RequestArgs } from "../rpc/typed-request.js";
export type { ServerRequestHandlerFor } from "./core.js";
export { parseServerVersion } from "./handshake.js";
export { defaultControlSocketPath } from "./connect.js";

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
export class CodexClient extends ClientCore {
  readonly #guard: ServerRequestGuard;
  readonly #threads: ThreadService<ThreadHandle>;
  readonly #turns: TurnService;
  readonly #recover: () => Promise<ReconnectInfo>;
  readonly #approvals: ApprovalBroker;
  readonly #hooks: ServerRequestHooks;
  #account: AccountService | undefined;

  /** Wraps a transport (e.g. an in-memory pair in tests); `reconnect` makes fresh ones. */
  constructor(transport: Transport, options: ClientOptions = {}, reconnect?: ReconnectOptions) {
    super(transport, options, reconnect);
    const services = createServices(this, this.connection, this.errors, options, reconnect !== undefined);
    this.#guard = services.guard;
    this.#approvals = services.approvals;
    this.#hooks = services.hooks;
    this.#threads = services.threads;
    this.#turns = services.turns;
    this.#recover = services.recover;
  }

  /**
   * A client that starts the app-server as a child process and talks JSONL over stdio.
   * Resolves the command now (so a missing binary fails fast) but starts nothing.
   */
  static connectStdio(options: StdioConnectOptions = {}): CodexClient {
    const plan = stdioPlan(options);
    return new CodexClient(plan.transport, plan.options);
  }

  /**
   * A client of `codex app-server --listen ws://HOST:PORT`. Plaintext `ws://` is refused for
   * non-loopback hosts unless `allowInsecureRemote` is set; the check happens here, before any
   * socket is opened or name resolved.
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

  /** Sign-in and account: read it, sign in (API key, ChatGPT, device code), log out. */
  get account(): AccountService {
    return (this.#account ??= new AccountService({
      request: (method, params, options) => this.requestUntyped(method, params, options) as Promise<never>,
      on: (method, listener) => this.on(method, listener),
      onClose: (listener) => this.onClose(listener),
    }));
  }

  protected override defaultRequestHandler(method: string): ServerRequestHandler | undefined {
    return this.#guard.handlerFor(method);
  }

  /** @internal */
  protected override safeDefault(method: string, params: unknown): SafeReply | undefined {
    return this.#guard.safeDefault(method, params);
  }

  protected override recover(): Promise<ReconnectInfo> {
    return this.#recover();
  }

  // ------------------------------------ approvals and server requests (docs/approvals.md, approvals/broker.ts)

  /** The client's approval handler, `"hold"` or `null` (a thread's or turn's own comes first). */
  setApprovalHandler(handler: ApprovalHandlerSetting | null): void {
    this.#approvals.setHandler(handler);
  }

  /** Approval requests, pending first; unless `observe`, holds those no handler takes. */
  approvalRequests(options: ApprovalRequestsOptions = {}): AsyncIterableIterator<ApprovalRequest> {
    return this.#approvals.requests(options);
  }

  /** The pending request with this `key`, or `undefined` (answered, ended, or unknown). */
  getApproval(key: string): ApprovalRequest | undefined {
    return this.#approvals.get(key);
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
    this.#approvals.respond(request, decision, options);
  }

  /** Accepts: once, for the session (`forSession`), or with a command-prefix rule (`execpolicyAmendment`). */
  approveApproval(request: ApprovalRequest | string, options: ApproveOptions = {}): void {
    this.#approvals.approve(request, options);
  }

  /** Declines: the item is not run or applied, and the turn goes on. */
  declineApproval(request: ApprovalRequest | string, options?: RespondOptions): void {
    this.#approvals.respond(request, "decline", options);
  }

  /** Declines and cancels the turn. */
  cancelApproval(request: ApprovalRequest | string, options?: RespondOptions): void {
    this.#approvals.respond(request, "cancel", options);
  }

  /** The approval requests still waiting for an answer (of one thread, with `threadId`). */
  pendingApprovals(options: { threadId?: string } = {}): ApprovalRequest[] {
    return this.#approvals.pendingRequests(options);
  }

  /** Called for every answered approval with the decision, who decided (`by`) and the latency. */
  onApprovalDecided(listener: (record: ApprovalDecisionRecord) => void): Subscription {
    return this.#approvals.onDecided(listener);
  }

  /** Called once per approval request when it leaves (its `outcome`), after its signal aborted. */
  onApprovalSettled(listener: (record: ApprovalSettledRecord) => void): Subscription {
    return this.#approvals.onSettled(listener);
  }

  /**
   * Answers `item/permissions/requestApproval` with the granted subset and its scope; `null`
   * restores the default, which grants nothing. A grant beyond the request is refused.
   */
  setPermissionsHandler(handler: PermissionsHandler | null): void {
    this.#hooks.set("item/permissions/requestApproval", handler);
  }

  /** Answers `item/tool/requestUserInput`; the default sends no answers. */
  setUserInputHandler(handler: UserInputHandler | null): void {
    this.#hooks.set("item/tool/requestUserInput", handler);
  }

  /** Answers `mcpServer/elicitation/request`; the default declines. */
  setElicitationHandler(handler: ElicitationHandler | null): void {
    this.#hooks.set("mcpServer/elicitation/request", handler);
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
    return this.#hooks.registerTool(name, handler, options);
  }

  // ---------------------------------------------------------------- threads (ThreadService)

  /** Starts a thread (`thread/start`) and returns its handle. */
  startThread(config: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#threads.startThread(config);
  }

  /** Resumes a stored thread by id (`thread/resume`), e.g. from another process. */
  resumeThread(threadId: string, overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#threads.resumeThread(threadId, overrides);
  }

  /** Forks a thread into a new one (`thread/fork`). */
  forkThread(threadId: string, overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#threads.forkThread(threadId, overrides);
  }

  /** A thread's settings for later turns; see {@link ThreadHandle.updateDefaults}. Resolves to the method used. */
  setThreadDefaults(threadId: string, settings: ThreadSettings): Promise<ThreadSettingsPath> {
    return this.#threads.setThreadDefaults(threadId, settings);
  }

  /** `thread/read`. */
  readThread(
    threadId: string,
    options: { includeTurns?: boolean } = {},
  ): Promise<ClientRequestResult<"thread/read">> {
    return this.#threads.readThread(threadId, options);
  }

  /** `thread/list`. */
  listThreads(params: ClientRequestParams<"thread/list"> = {}): Promise<ClientRequestResult<"thread/list">> {
    return this.#threads.listThreads(params);
  }

  setThreadName(threadId: string, name: string): Promise<void> {
    return this.#threads.setThreadName(threadId, name);
  }

  archiveThread(threadId: string): Promise<void> {
    return this.#threads.archiveThread(threadId);
  }

  unarchiveThread(threadId: string): Promise<void> {
    return this.#threads.unarchiveThread(threadId);
  }

  /**
   * Drops the last `numTurns` turns from a thread's persisted history (`thread/read`, then
   * `thread/revert`; codex 0.169 has no `thread/rollback`). Files the agent changed are not restored.
   */
  rollbackThread(threadId: string, options: { numTurns: number }): Promise<void> {
    return this.#threads.rollbackThread(threadId, options);
  }

  /** Starts compacting a thread's history (`thread/compact/start`). */
  compactThread(threadId: string): Promise<void> {
    return this.#threads.compactThread(threadId);
  }

  /** `review/start`. */
  startReview(params: ReviewStartParams): Promise<ClientRequestResult<"review/start">> {
    return this.#threads.startReview(params);
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
    return this.#turns.chatOnce(input, options);
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
    return this.#turns.chat(input, options);
  }

  /**
   * Starts a turn on `threadId` and returns its live {@link TurnStream}: every event of the turn,
   * deltas included, plus `done()` and `finalText()`. Aborting `signal` interrupts the turn.
   */
  streamTurn(threadId: string, input: TurnInput, options: StreamTurnOptions = {}): Promise<TurnStream> {
    return this.#turns.streamTurn(threadId, input, options);
  }

  /**
   * Gives up on a turn: interrupts it if it is still running, waits for its end (`timeoutMs`,
   * default 10 s), returns what the caller had not read and forgets it. Works for any continuation,
   * also one from another client: the turn's items then come from `thread/read`.
   */
  cancel(continuation: TurnContinuation, options: { timeoutMs?: number } = {}): Promise<CancelResult> {
    return this.#turns.cancel(continuation, options);
  }

  /** `turn/interrupt`. The turn then completes with status `interrupted`. */
  interruptTurn(threadId: string, turnId: string): Promise<void> {
    return this.#turns.interruptTurn(threadId, turnId);
  }

  /** Adds input to the running turn (`turn/steer`); fails if `expectedTurnId` is not the active turn. */
  steerTurn(params: {
    threadId: string;
    expectedTurnId: string;
    input: TurnInput;
  }): Promise<ClientRequestResult<"turn/steer">> {
    return this.#turns.steerTurn(params);
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
