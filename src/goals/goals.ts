// Goals: start, resume and pick up a thread's goal, follow its thread's notifications and approvals
// to the run, refuse turns while it runs, and read it back after a reconnect.
import { CodexGoalRunningError } from "../errors/index.js";
import { abortError, sleep } from "../internal/timers.js";
import type { ThreadGoal } from "../protocol/generated/v2/ThreadGoal.js";
import type { ThreadGoalSetParams } from "../protocol/generated/v2/ThreadGoalSetParams.js";
import type { ThreadRuntimes } from "../runtime/thread-runtimes.js";
import type { ServerRequestGuard } from "../server-requests/guard.js";
import type { ServerPort } from "../rpc/port.js";
import { GoalHandle } from "./goal-handle.js";
import { GoalRun } from "./goal-run.js";
import { modelRetryTimeoutOf } from "../turn/model-retry.js";
import { checkOptions } from "../internal/option-check.js";
import {
  ATTACH_GOAL_OPTIONS,
  GOAL_OPTIONS,
  DEFAULT_GOAL_KEEP_ITEMS,
  DEFAULT_GOAL_MAX_TURNS,
  type AttachGoalOptions,
  type GoalOptions,
  type GoalResult,
  type ResumeGoalOptions,
} from "./goal-types.js";

/**
 * The thread a goal runs on: its handle. A run keeps it alive, so a client that reconnects (and
 * resumes the threads whose handles are in use) resumes the goal's thread too.
 */
export interface GoalThread {
  readonly threadId: string;
}

/** Defaults of the goal service, from the client's options. */
export interface GoalServiceOptions {
  /** The client's default inactivity timeout, in ms. */
  inactivityTimeoutMs?: number | undefined;
  /** The client's default buffer of a stream's events. */
  turnBufferSize?: number | undefined;
  /** The client's default `modelRetryTimeoutMs`. */
  modelRetryTimeoutMs?: number | undefined;
}

/** How long a read-back waits before it believes an active goal on an idle thread has stopped. */
const BETWEEN_TURNS_MS = 250;

/**
 * The goals of one client. A run follows its thread's runtime from before anything is sent, so
 * every notification of the thread reaches it in wire order, including those that beat the reply
 * to `thread/goal/set`. The runtime also fails the run when the connection closes.
 */
export class GoalService {
  constructor(
    private readonly rpc: ServerPort,
    /** Each thread's runtime: the goal run it holds, its turns, its approval routes. */
    private readonly runtimes: ThreadRuntimes<GoalRun>,
    /** The turn service: model access, loading the goal's thread. */
    private readonly turns: {
      /** Refuses, before anything is sent, a goal whose turns the server could not run (no sign-in). */
      requireModelAccess(threadId: string): Promise<void>;
      /** Resumes a thread this connection has not loaded, so the goal's events reach it. */
      loadThread(threadId: string): Promise<void>;
    },
    private readonly guard: ServerRequestGuard,
    private readonly options: GoalServiceOptions,
  ) {}

  /** Sets a new goal on an idle thread and follows the turns the runtime starts for it. */
  async start(thread: GoalThread, objective: string, options: GoalOptions = {}): Promise<GoalHandle> {
    checkOptions(options, GOAL_OPTIONS, "thread.startGoal(objective, options)");
    const threadId = thread.threadId;
    if (typeof objective !== "string" || objective.trim() === "")
      throw new TypeError("A goal needs a non-empty objective.");
    const run = await this.#register(thread, options, async () => {
      const { goal: existing } = await this.rpc.request("thread/goal/get", { threadId });
      if (existing?.status === "active") {
        throw new CodexGoalRunningError(
          `Thread ${threadId} already has an active goal; thread.attachGoal() follows it.`,
          threadId,
        );
      }
      // Setting an objective keeps an old goal's usage and status: start from a clean goal.
      if (existing) await this.rpc.request("thread/goal/clear", { threadId });
      return { threadId, objective, ...budget(options.tokenBudget) };
    });
    return new GoalHandle(run);
  }

  /** Starts a goal and waits for its result. */
  async run(thread: GoalThread, objective: string, options: GoalOptions = {}): Promise<GoalResult> {
    checkOptions(options, GOAL_OPTIONS, "thread.runGoal(objective, options)");
    const handle = await this.start(thread, objective, { ...options, bufferSize: 0 });
    return handle.done();
  }

  /** Makes the thread's goal active again (with a new budget in the same call) and follows it. */
  async resume(thread: GoalThread, options: ResumeGoalOptions = {}): Promise<GoalHandle> {
    checkOptions(options, GOAL_OPTIONS, "thread.resumeGoal(options)");
    const threadId = thread.threadId;
    const run = await this.#register(thread, options, () =>
      Promise.resolve({ threadId, status: "active" as const, ...budget(options.tokenBudget) }),
    );
    return new GoalHandle(run);
  }

  /**
   * Picks up the goal of a thread by reading it back (`thread/goal/get`, and its latest turn):
   * after `resumeThread` (which restarts an active goal's chain by itself) or from another handle.
   * Resolves with null when the thread has no goal.
   */
  async attach(thread: GoalThread, options: AttachGoalOptions = {}): Promise<GoalHandle | null> {
    checkOptions(options, ATTACH_GOAL_OPTIONS, "thread.attachGoal(options)");
    const threadId = thread.threadId;
    const run = await this.#register(thread, options, undefined);
    try {
      const { goal } = await this.rpc.request("thread/goal/get", { threadId });
      if (goal === null) {
        run.fail(new CodexGoalRunningError("no goal", threadId));
        return null;
      }
      await this.#readBack(run);
    } catch (error) {
      run.fail(error as Error);
      throw error;
    }
    return new GoalHandle(run);
  }

  async get(threadId: string): Promise<ThreadGoal | null> {
    return (await this.rpc.request("thread/goal/get", { threadId })).goal;
  }

  async clear(threadId: string): Promise<boolean> {
    return (await this.rpc.request("thread/goal/clear", { threadId })).cleared;
  }

  /**
   * After a reconnect, once the threads of the runs were resumed (the recovery in services.ts runs
   * this second): each run reads its goal back; events in the gap are lost.
   */
  async afterReconnect(): Promise<void> {
    await Promise.all(
      this.runtimes.goals().map((run) => this.#readBack(run).catch((error: Error) => run.fail(error))),
    );
  }

  // ---------------------------------------------------------------- internals

  async #register(
    thread: GoalThread,
    options: GoalOptions,
    setParams: (() => Promise<ThreadGoalSetParams>) | undefined,
  ): Promise<GoalRun> {
    const maxTurns = options.maxTurns ?? DEFAULT_GOAL_MAX_TURNS;
    if (!Number.isInteger(maxTurns) || maxTurns < 1)
      throw new RangeError(`maxTurns must be a positive integer, got ${maxTurns}.`);
    const keepItems = options.keepItems ?? DEFAULT_GOAL_KEEP_ITEMS;
    if (!(keepItems >= 0)) throw new RangeError(`keepItems must be >= 0, got ${keepItems}.`);
    if (options.tokenBudget !== undefined && !(options.tokenBudget > 0))
      throw new RangeError(`tokenBudget must be a positive number of tokens, got ${options.tokenBudget}.`);
    const modelRetryTimeoutMs = modelRetryTimeoutOf(
      options.modelRetryTimeoutMs ?? this.options.modelRetryTimeoutMs,
    );
    const threadId = thread.threadId;
    const signal = options.signal;
    if (signal?.aborted) throw abortError("thread/goal/set", signal); // an already-aborted signal sends nothing
    // Setting (or resuming) a goal starts turns: refused like a turn when no model can be reached.
    if (setParams) await this.turns.requireModelAccess(threadId);
    const existing = this.runtimes.get(threadId);
    const ownRun = existing?.goal !== undefined;
    if (ownRun || (existing?.turns.running().length ?? 0) > 0) {
      throw new CodexGoalRunningError(
        `Thread ${threadId} is busy (${ownRun ? "a goal of this client runs on it" : "a turn runs on it"}); start the goal once it is idle.`,
        threadId,
      );
    }
    // A thread this connection has not loaded (deferred by a reconnect, unsubscribed) sends no events.
    await this.turns.loadThread(threadId);
    let route = () => {};
    let unfollow = () => {};
    let offAbort = () => {};
    const run: GoalRun = new GoalRun({
      threadId,
      owner: thread,
      maxTurns,
      keepItems,
      bufferSize: options.bufferSize ?? this.options.turnBufferSize ?? 10_000,
      inactivityTimeoutMs: options.inactivityTimeoutMs ?? this.options.inactivityTimeoutMs,
      modelRetryTimeoutMs,
      setStatus: async (status, tokenBudget) =>
        (await this.rpc.request("thread/goal/set", { threadId, status, ...budget(tokenBudget) })).goal,
      clear: () => this.rpc.request("thread/goal/clear", { threadId }),
      interrupt: (turnId) => this.rpc.request("turn/interrupt", { threadId, turnId }),
      report: (error) => {
        if (this.rpc.state !== "closed") this.guard.report(error, "CODEX_SDK_GOAL_REQUEST_FAILED");
      },
      release: () => {
        route();
        offAbort();
        unfollow();
      },
    });
    // Follows the thread before anything is sent: events that beat the reply reach the run.
    const runtime = this.runtimes.of(threadId);
    unfollow = runtime.follow(run);
    try {
      if (options.approvalHandler) route = runtime.approvals.override(options.approvalHandler);
      if (signal) {
        const onAbort = () => run.abort(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        offAbort = () => signal.removeEventListener("abort", onAbort);
      }
      if (setParams) {
        const { goal } = await this.rpc.request("thread/goal/set", await setParams());
        run.applySnapshot(goal);
      }
      // Aborted (or failed) while the set was in flight: the caller gets that error, not a handle.
      if (run.ended) await run.done();
    } catch (error) {
      run.fail(error as Error);
      throw error;
    }
    return run;
  }

  /** Reads the goal and the latest turn back, and settles the run on what they say. */
  async #readBack(run: GoalRun, retried = false): Promise<void> {
    const threadId = run.threadId;
    const [{ goal }, turns] = await Promise.all([
      this.rpc.request("thread/goal/get", { threadId }),
      this.rpc.request("thread/turns/list", { threadId, limit: 1 }),
    ]);
    const latest = turns.data[0];
    const running = latest?.status === "inProgress";
    if (running) run.adoptRunningTurn(latest.id);
    else if (goal?.status === "active" && !retried) {
      // Between two turns of the chain, the thread is idle for a moment: look once more.
      await sleep(BETWEEN_TURNS_MS);
      if (!run.ended && run.currentTurnId === undefined) return this.#readBack(run, true);
      return;
    }
    run.settleIdle(goal, running);
  }
}

function budget(tokenBudget: number | undefined): { tokenBudget?: number } {
  return tokenBudget === undefined ? {} : { tokenBudget };
}
