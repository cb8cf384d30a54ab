import type { ApprovalHandlerSetting } from "../approvals/requests.js";
import type { ThreadApprovalRoutes } from "../approvals/routes.js";
import type { ReviewTarget } from "../protocol/generated/v2/ReviewTarget.js";
import type { ThreadReadResponse } from "../protocol/generated/v2/ThreadReadResponse.js";
import type { ReviewStartResponse } from "../protocol/generated/v2/ReviewStartResponse.js";
import type { ConversationStep } from "../turn/steps.js";
import type { TurnStream } from "../turn/turn-stream.js";
import type {
  ChatOnceOptions,
  ChatOptions,
  ChatResultFor,
  StreamTurnOptions,
  ThreadSettings,
} from "./chat-types.js";
import type { ThreadConfig, TurnInput } from "./config.js";
import type { ThreadService, ThreadSettingsPath } from "./threads.js";
import type { TurnService } from "./turns.js";
import type { GoalHandle } from "../goals/goal-handle.js";
import type { GoalService } from "../goals/goals.js";
import type { AttachGoalOptions, GoalOptions, GoalResult, ResumeGoalOptions } from "../goals/goal-types.js";
import type { ThreadGoal } from "../protocol/generated/v2/ThreadGoal.js";
import { isPlainObject } from "../internal/option-check.js";
import type { ThreadItemEntry } from "../protocol/generated/v2/ThreadItemEntry.js";
import type { ThreadUnsubscribeStatus } from "../protocol/generated/v2/ThreadUnsubscribeStatus.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { HistoryOptions, TurnHistoryOptions } from "./history.js";

/** What a thread handle may change in its thread's approval routes: its own handler and timeout. */
type ThreadApprovals = (threadId: string, change: (routes: ThreadApprovalRoutes) => void) => void;

/** Options of thread-bound chat calls: the thread is already chosen. */
export type ThreadChatOptions = Omit<ChatOnceOptions, "threadId" | "threadConfig">;

/**
 * A handle on one thread. Cheap to create: it holds the id and a snapshot of the thread's
 * settings (`defaults`); every call goes through the client's thread and turn services. Several
 * handles on several threads can run turns at once over one client.
 *
 * @example
 * ```ts
 * const thread = await client.startThread({ cwd: "/repo", approvalPolicy: "on-request", sandbox: "workspace-write" });
 * const first = await thread.chatOnce("What does this repo do?");
 * for await (const step of thread.chat("Now run the tests")) console.log(step.stepType, step.text);
 * ```
 */
export class ThreadHandle {
  readonly threadId: string;
  #defaults: ThreadConfig;
  readonly #threads: ThreadService<ThreadHandle>;
  readonly #turns: TurnService;
  readonly #goals: GoalService;
  readonly #approvals: ThreadApprovals;

  /** @internal Handles come from `startThread`, `resumeThread` and `forkThread`. */
  constructor(
    threads: ThreadService<ThreadHandle>,
    turns: TurnService,
    services: { goals: GoalService; approvals: ThreadApprovals },
    threadId: string,
    defaults: ThreadConfig,
  ) {
    this.#threads = threads;
    this.#turns = turns;
    this.#goals = services.goals;
    this.#approvals = services.approvals;
    this.threadId = threadId;
    this.#defaults = { ...defaults };
  }

  /** A snapshot of the settings this handle started, resumed or forked the thread with, plus later updates. */
  get defaults(): Readonly<ThreadConfig> {
    return { ...this.#defaults };
  }

  /** Runs one turn to completion. See {@link CodexClient.chatOnce}. */
  chatOnce<O extends ThreadChatOptions>(input?: TurnInput, options?: O): Promise<ChatResultFor<O>> {
    const opts: ThreadChatOptions = options ?? {};
    return this.#turns.chatOnce(
      input,
      // Options that are not an object go as they are, to be refused as such.
      opts.continuation || !isPlainObject(opts) ? opts : { ...opts, threadId: this.threadId },
    ) as Promise<ChatResultFor<O>>;
  }

  /** Runs one turn and yields its completed steps. See {@link CodexClient.chat}. */
  chat(
    input?: TurnInput,
    options: Omit<ChatOptions, "threadId" | "threadConfig"> = {},
  ): AsyncGenerator<ConversationStep> {
    return this.#turns.chat(
      input,
      options.continuation || !isPlainObject(options) ? options : { ...options, threadId: this.threadId },
    );
  }

  /** Starts a turn and returns its live event stream (deltas included). */
  streamTurn(input: TurnInput, options: Omit<StreamTurnOptions, "threadConfig"> = {}): Promise<TurnStream> {
    return this.#turns.streamTurn(this.threadId, input, options);
  }

  /**
   * Sets the handler of this thread's approval requests, which takes precedence over the client's
   * (a turn's own `approvalHandler` option takes precedence over both). `"hold"` leaves them to a
   * person who answers by key; `null` goes back to the client's handler. Settings live in the
   * client, so every handle of this thread shares them.
   *
   * @example
   * ```ts
   * thread.setApprovalHandler((req) => (req.type === "fileChange" ? "accept" : "hold"));
   * ```
   */
  setApprovalHandler(handler: ApprovalHandlerSetting | null): void {
    this.#approvals(this.threadId, (routes) => routes.setHandler(handler));
  }

  /**
   * Declines this thread's approval requests left unanswered for `ms` (before the client's
   * `approvalTimeoutMs`; a turn's `approvalTimeoutMs` comes first). `null` removes it.
   */
  setApprovalTimeout(ms: number | null): void {
    this.#approvals(this.threadId, (routes) => routes.setTimeout(ms));
  }

  /**
   * Changes the thread's settings for its later turns and merges them into {@link defaults}. On
   * a default client the settings go with the thread's next `turn/start` from this client (stable
   * API; `turn/start` settings hold for later turns too); with `experimentalApi` they are applied
   * at once with `thread/settings/update`. Resolves to the method used. Call between turns.
   *
   * @example
   * ```ts
   * await thread.updateDefaults({ model: "gpt-5.4", approvalPolicy: "never" });
   * console.log(thread.defaults.model); // "gpt-5.4"
   * ```
   */
  async updateDefaults(settings: ThreadSettings): Promise<ThreadSettingsPath> {
    const path = await this.#threads.setThreadDefaults(this.threadId, settings);
    const { sandboxPolicy: _ignored, ...rest } = settings;
    this.#defaults = { ...this.#defaults, ...(rest as ThreadConfig) };
    return path;
  }

  /** Forks this thread into a new one (`thread/fork`). */
  fork(overrides: ThreadConfig = {}): Promise<ThreadHandle> {
    return this.#threads.forkThread(this.threadId, overrides);
  }

  /**
   * `thread/read`: the thread's metadata. For its history use {@link turns} and {@link items}:
   * `includeTurns: true` makes the server send a `deprecationNotice` (full-history hydration).
   */
  read(options: { includeTurns?: boolean } = {}): Promise<ThreadReadResponse> {
    return this.#threads.readThread(this.threadId, options);
  }

  /**
   * The thread's turns, oldest first (`sortDirection: "desc"` for newest first), fetched one
   * `thread/turns/list` page at a time as the loop asks for them. Breaking out of the loop stops
   * paging; `signal` aborts it with `CodexAbortError`. Each turn's `items` are a summary unless
   * `itemsView: "full"`.
   *
   * @example
   * ```ts
   * for await (const turn of thread.turns({ pageSize: 20 })) console.log(turn.id, turn.status);
   * ```
   */
  turns(options: TurnHistoryOptions = {}): AsyncGenerator<Turn, void, undefined> {
    return this.#threads.turns(this.threadId, options);
  }

  /**
   * The thread's items (only `turnId`'s when given), oldest first, fetched one `thread/items/list`
   * page at a time as the loop asks for them. Each entry holds the `item`, its `turnId` and its
   * timestamps. Breaking out of the loop stops paging; `signal` aborts it.
   *
   * @example
   * ```ts
   * for await (const { item } of thread.items(turnId)) if (item.type === "agentMessage") console.log(item.text);
   * ```
   */
  items(turnId?: string, options: HistoryOptions = {}): AsyncGenerator<ThreadItemEntry, void, undefined> {
    return this.#threads.items(this.threadId, turnId, options);
  }

  async setName(name: string): Promise<void> {
    await this.#threads.setThreadName(this.threadId, name);
  }

  async archive(): Promise<void> {
    await this.#threads.archiveThread(this.threadId);
  }

  async unarchive(): Promise<void> {
    await this.#threads.unarchiveThread(this.threadId);
  }

  /**
   * Stops following this thread on this connection (`thread/unsubscribe`), so a long-running
   * client holds only the threads it uses: the server stops sending its events here and may unload
   * it once no connection follows it (codex 0.171 still listed it as loaded 12 s later), and the
   * client no longer resumes it after a reconnect. The handle stays usable: its next turn resumes
   * the thread first. Resolves to the server's status (`"unsubscribed"`, `"notSubscribed"` when
   * this connection did not follow it, or `"notLoaded"`).
   *
   * @example
   * ```ts
   * const answer = await thread.chatOnce("Summarise the ticket");
   * await thread.unsubscribe(); // done with it for now
   * ```
   */
  unsubscribe(): Promise<ThreadUnsubscribeStatus> {
    return this.#threads.unsubscribeThread(this.threadId);
  }

  /** Drops the last `numTurns` turns from the thread's history. See {@link CodexClient.rollbackThread}. */
  rollback(numTurns: number): Promise<void> {
    return this.#threads.rollbackThread(this.threadId, { numTurns });
  }

  async compact(): Promise<void> {
    await this.#threads.compactThread(this.threadId);
  }

  startReview(target: ReviewTarget): Promise<ReviewStartResponse> {
    return this.#threads.startReview({ threadId: this.threadId, target });
  }

  // ---------------------------------------------------------------- goals (docs/goals.md)

  /**
   * Sets a goal on this idle thread (`thread/goal/set`) and returns its live handle: the runtime
   * then starts and chains turns by itself until the goal is complete, paused, blocked, out of
   * budget or cleared, or `maxTurns` (default 50) is reached. See {@link GoalHandle}.
   *
   * @example
   * ```ts
   * const goal = await thread.startGoal("Make the tests pass", { tokenBudget: 100_000, approvalHandler: onApproval });
   * for await (const step of goal.steps()) console.log(step.stepType, step.text);
   * console.log((await goal.done()).status);
   * ```
   */
  startGoal(objective: string, options: GoalOptions = {}): Promise<GoalHandle> {
    return this.#goals.start(this, objective, options);
  }

  /**
   * Runs a goal to its end and returns the result. Any final status (complete, paused, blocked,
   * budgetLimited, ...) resolves; a failed turn rejects with `CodexTurnFailedError`.
   *
   * @example
   * ```ts
   * const result = await thread.runGoal("Fix the lint errors", { tokenBudget: 50_000, maxTurns: 10 });
   * console.log(result.status, result.finalText, result.turnIds.length, result.tokensUsed);
   * ```
   */
  runGoal(objective: string, options: GoalOptions = {}): Promise<GoalResult> {
    return this.#goals.run(this, objective, options);
  }

  /**
   * Makes this thread's goal active again and follows the new chain. `tokenBudget` is sent in the
   * same call, as a `budgetLimited` goal needs.
   */
  resumeGoal(options: ResumeGoalOptions = {}): Promise<GoalHandle> {
    return this.#goals.resume(this, options);
  }

  /**
   * Picks up this thread's goal by reading it back (`thread/goal/get`), e.g. after `resumeThread`,
   * which restarts an active goal by itself. Null when the thread has no goal.
   */
  attachGoal(options: AttachGoalOptions = {}): Promise<GoalHandle | null> {
    return this.#goals.attach(this, options);
  }

  /** The thread's goal as the server has it now (`thread/goal/get`), or null. */
  getGoal(): Promise<ThreadGoal | null> {
    return this.#goals.get(this.threadId);
  }

  /** Removes the thread's goal (`thread/goal/clear`); true if there was one. */
  clearGoal(): Promise<boolean> {
    return this.#goals.clear(this.threadId);
  }
}
