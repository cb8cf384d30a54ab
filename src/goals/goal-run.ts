// The internal state of one goal run: one logical stream over the physical turns the runtime
// chains on a thread, the SDK's own turn bound, the end rules and the bounded buffers.
import { CodexAbortError, CodexError, CodexGoalInactiveError } from "../errors/index.js";
import { Emitter, type Subscription } from "../events/emitter.js";
import type { ThreadGoal } from "../protocol/generated/v2/ThreadGoal.js";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import { watchIdle } from "../internal/timers.js";
import { StreamCore } from "../streams/stream-core.js";
import { RetryWatch } from "../turn/model-retry.js";
import { toStep, type ConversationStep } from "../turn/steps.js";
import { turnFailedError } from "../turn/turn-errors.js";
import type { GoalEndReason, GoalEvent, GoalResult } from "./goal-types.js";

/** What a run needs from the service: the requests it sends and its release. */
export interface GoalRunOptions {
  threadId: string;
  /** Kept alive while the run lasts (the thread's handle: a reconnect resumes held threads). */
  owner: object;
  maxTurns: number;
  keepItems: number;
  /** Capacity of the event queue; 0 = no queue (runGoal). */
  bufferSize: number;
  inactivityTimeoutMs: number | undefined;
  /** How long the server may retry the model without progress (undefined: 5 min; Infinity: no limit). */
  modelRetryTimeoutMs: number | undefined;
  /** `thread/goal/set {status}` (with `tokenBudget` when given); resolves with the goal. */
  setStatus: (status: "active" | "paused", tokenBudget?: number) => Promise<ThreadGoal>;
  /** `thread/goal/clear`. */
  clear: () => Promise<unknown>;
  /** `turn/interrupt` of one turn of the thread. */
  interrupt: (turnId: string) => Promise<unknown>;
  /** Reports a problem nobody awaits (a failed best-effort request, a throwing listener). */
  report: (error: Error) => void;
  /** Called once when the run ends (unregisters it, removes its approval route). */
  release: () => void;
}

/**
 * One goal run. The service pushes every notification of the goal's thread into it, in wire
 * order, from before `thread/goal/set` is sent: nothing that arrives before the reply is lost.
 * It ends when the chain stops (the goal left `active` and no turn runs, it was cleared, or a
 * turn was interrupted), fails on a failed turn, the inactivity timeout, an abort or a closed
 * connection. Memory is bounded: the event queue by `bufferSize` (overflow is an error on the
 * iterator), items by `keepItems`, turn ids by `maxTurns` (+1 for a turn the runtime started anyway).
 */
export class GoalRun {
  readonly threadId: string;
  readonly owner: object;
  readonly turnIds: string[] = [];
  currentTurnId: string | undefined;
  #goal: ThreadGoal | null | undefined;
  /** A snapshot of this goal arrived (events of an older goal on the thread are ignored before it). */
  #seen = false;
  #maxTurns: number;
  #finalText = "";
  #pauseRequested = false;
  #limitHit = false;
  #pauseReply: ThreadGoal | undefined;
  #stopIdleWatch: () => void = () => {};
  /** The server's retries of the model since the chain's last progress. */
  readonly #retry: RetryWatch;
  /** The event queue, the completion, the time of the last progress and the kept items. */
  readonly #core: StreamCore<GoalEvent, GoalResult, ThreadItem>;
  readonly #updates: Emitter<ThreadGoal>;
  readonly #options: GoalRunOptions;

  constructor(options: GoalRunOptions) {
    this.#options = options;
    this.threadId = options.threadId;
    this.owner = options.owner;
    this.#maxTurns = options.maxTurns;
    this.#retry = new RetryWatch(options.threadId, options.modelRetryTimeoutMs, (error) => {
      this.#stopGoal();
      this.fail(error);
    });
    this.#updates = new Emitter((error) =>
      options.report(new CodexError("A goal update listener threw; the goal goes on.", { cause: error })),
    );
    this.#core = new StreamCore({
      bufferSize: options.bufferSize,
      overflowMessage:
        `Goal on thread ${options.threadId}: the consumer fell more than ${options.bufferSize} events behind; ` +
        "read the goal's events faster or raise `bufferSize`.",
      onReturn: () => this.#stopReading(),
      keepItems: options.keepItems,
    });
    this.#armIdleTimer();
  }

  get ended(): boolean {
    return this.#core.ended;
  }

  /** The last goal state reported (undefined before the first, null once cleared). */
  get goal(): ThreadGoal | null | undefined {
    return this.#goal;
  }

  done(): Promise<GoalResult> {
    return this.#core.done();
  }

  onUpdate(listener: (goal: ThreadGoal) => void): Subscription {
    return this.#updates.on(listener);
  }

  /** The initial reply (set, get): used only if no notification told a newer state already. */
  applySnapshot(goal: ThreadGoal | null): void {
    if (this.#seen || this.#core.ended) return;
    this.#seen = true;
    this.#goal = goal;
    if (goal) this.#updates.fire(goal);
  }

  /** Called by the service for every notification of this thread, in wire order. */
  push(method: string, params: unknown): void {
    if (this.#core.ended) return;
    const p = params as Record<string, unknown>;
    switch (method) {
      case "thread/goal/updated":
        this.#seen = true;
        this.#goal = p.goal as ThreadGoal;
        this.#updates.fire(this.#goal);
        break;
      case "thread/goal/cleared":
        if (!this.#seen) return; // the clear of an older goal, before this one was set
        this.#goal = null;
        break;
      case "turn/started":
        this.#turnStarted((p.turn as Turn).id);
        break;
      case "item/completed":
        this.#itemCompleted(p.item as ThreadItem);
        break;
    }
    // Retry notices and warnings are events of the goal, but not progress (inactivity, retry bound).
    if (method === "error" ? !this.#retry.notice(params) : method !== "warning") {
      this.#core.lastProgressAt = Date.now();
      this.#retry.progress();
    }
    this.#core.push({ method, params } as GoalEvent);
    if (method === "turn/completed") this.#turnCompleted(p.turn as Turn);
    else if (method.startsWith("thread/goal/") && this.currentTurnId === undefined) this.#endIfStopped();
  }

  /** Learns the turn running now (attach, reconnect), without events for it. */
  adoptRunningTurn(turnId: string | undefined): void {
    this.currentTurnId = turnId;
    if (turnId !== undefined && !this.turnIds.includes(turnId)) this.turnIds.push(turnId);
  }

  /**
   * After a read-back (attach, reconnect): ends the run if no turn runs and the goal is not
   * active, or is active on an idle thread (the runtime starts nothing more).
   */
  settleIdle(goal: ThreadGoal | null, running: boolean): void {
    if (this.#core.ended) return;
    this.#seen = true;
    this.#goal = goal;
    if (running) return;
    this.currentTurnId = undefined;
    if (goal?.status === "active") this.#end("interrupted");
    else this.#endIfStopped();
  }

  async pause(options: { interrupt?: boolean } = {}): Promise<void> {
    this.#requireRunning("pause");
    this.#pauseRequested = true;
    this.#pauseReply = await this.#options.setStatus("paused");
    const turnId = this.currentTurnId;
    if (options.interrupt && turnId !== undefined && !this.#core.ended) await this.#options.interrupt(turnId);
    if (this.currentTurnId === undefined) this.#endIfStopped();
  }

  async resume(
    options: { tokenBudget?: number | undefined; maxTurns?: number | undefined } = {},
  ): Promise<void> {
    this.#requireRunning("resume");
    const maxTurns = options.maxTurns;
    if (maxTurns !== undefined) {
      if (!Number.isInteger(maxTurns) || maxTurns < 1)
        throw new RangeError(`maxTurns must be a positive integer, got ${maxTurns}.`);
      this.#maxTurns = maxTurns;
    }
    this.#pauseRequested = false;
    this.#limitHit = false;
    await this.#options.setStatus("active", options.tokenBudget);
  }

  async clear(options: { interrupt?: boolean } = {}): Promise<void> {
    this.#requireRunning("clear");
    await this.#options.clear();
    const turnId = this.currentTurnId;
    if (options.interrupt && turnId !== undefined && !this.#core.ended) await this.#options.interrupt(turnId);
  }

  /** Ends the run with an error (connection closed, abort, timeout, goal set refused). */
  fail(error: Error): void {
    if (this.#core.ended) return;
    this.#core.fail(error);
    this.#finish();
  }

  /** Aborting: pause the goal and interrupt its turn (best effort, not awaited), reject at once. */
  abort(reason: unknown): void {
    if (this.#core.ended) return;
    this.#stopGoal();
    this.fail(new CodexAbortError(`The goal on thread ${this.threadId} was aborted.`, { cause: reason }));
  }

  /** The event queue (startGoal); undefined for runGoal. */
  events(): AsyncIterableIterator<GoalEvent> {
    const queue = this.#core.events;
    if (!queue) throw new CodexError("This goal run was started without an event buffer.");
    return queue;
  }

  /** Completed steps (one per `item/completed`) across every turn of the goal. */
  steps(): AsyncIterableIterator<ConversationStep> {
    const events = this.events();
    const iterator: AsyncIterableIterator<ConversationStep> = {
      next: async () => {
        for (;;) {
          const r = await events.next();
          if (r.done) return { value: undefined, done: true };
          if (r.value.method === "item/completed") {
            const { turnId, item } = r.value.params;
            return { value: toStep(this.threadId, turnId, item), done: false };
          }
        }
      },
      return: async () => {
        await events.return?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** The result so far (final once ended). */
  result(endReason: GoalEndReason): GoalResult {
    const goal = this.#goal ?? null;
    const { items, itemsDropped } = this.#core.keptItems();
    return {
      threadId: this.threadId,
      status: goal === null ? "cleared" : goal.status,
      endReason,
      finalText: this.#finalText,
      turnIds: [...this.turnIds],
      items,
      itemsDropped,
      tokensUsed: goal?.tokensUsed ?? 0,
      tokenBudget: goal?.tokenBudget ?? null,
      timeUsedSeconds: goal?.timeUsedSeconds ?? 0,
      goal,
    };
  }

  // ---------------------------------------------------------------- internals

  #turnStarted(turnId: string): void {
    if (this.turnIds.length > this.#maxTurns && !this.turnIds.includes(turnId)) {
      // Already past the bound and stopped once: a runtime that keeps starting turns gets each one
      // interrupted, and nothing more is recorded or sent (turnIds stays at maxTurns + 1).
      this.currentTurnId = turnId;
      this.#best(this.#options.interrupt(turnId), "interrupt the goal's turn");
      return;
    }
    this.adoptRunningTurn(turnId);
    const count = this.turnIds.length;
    if (count > this.#maxTurns) {
      // The runtime started a turn past the bound anyway: stop it at once.
      this.#limitHit = true;
      this.#stopGoal(turnId);
    } else if (count === this.#maxTurns && this.#goal?.status !== "paused") {
      // Pausing does not end the running turn: this one finishes and nothing follows.
      this.#limitHit = true;
      this.#best(this.#options.setStatus("paused"), "pause the goal at its turn limit");
    }
  }

  #itemCompleted(item: ThreadItem): void {
    if (item.type === "agentMessage") this.#finalText = item.text;
    this.#core.keepItem(item);
  }

  #turnCompleted(turn: Turn): void {
    if (this.currentTurnId === turn.id) this.currentTurnId = undefined;
    if (turn.status === "failed") {
      this.fail(turnFailedError(this.threadId, turn));
      return;
    }
    if (turn.status === "interrupted" && this.#goal?.status === "active") {
      this.#end(this.#pauseRequested ? "paused" : this.#limitHit ? "turnLimit" : "interrupted");
      return;
    }
    this.#endIfStopped();
  }

  /** Ends the run when the goal is cleared or not active (no turn is running). */
  #endIfStopped(): void {
    const goal = this.#goal;
    if (goal === undefined || this.currentTurnId !== undefined) return;
    if (goal === null) this.#end("cleared");
    else if (goal.status === "paused" && this.#pauseRequested) this.#end("paused");
    else if (goal.status === "paused" && this.#limitHit) this.#end("turnLimit");
    else if (goal.status !== "active") this.#end("status");
  }

  #end(reason: GoalEndReason): void {
    if (this.#core.ended) return;
    if (reason === "paused" && this.#goal?.status === "active" && this.#pauseReply)
      this.#goal = this.#pauseReply;
    this.#core.end(this.result(reason));
    this.#finish();
  }

  #finish(): void {
    this.#stopIdleWatch();
    this.#retry.stop();
    this.#updates.clear();
    this.#options.release();
  }

  /** A `break` out of the events: like chat(), leaving the loop stops the goal (paused). */
  #stopReading(): void {
    if (this.#core.ended) return;
    this.#pauseRequested = true;
    this.#stopGoal();
  }

  /** Pauses the goal and interrupts its running turn, best effort. */
  #stopGoal(turnId = this.currentTurnId): void {
    this.#best(this.#options.setStatus("paused"), "pause the goal");
    if (turnId !== undefined) this.#best(this.#options.interrupt(turnId), "interrupt the goal's turn");
  }

  #best(promise: Promise<unknown>, what: string): void {
    promise.catch((error: unknown) =>
      this.#options.report(new CodexError(`Could not ${what} on thread ${this.threadId}.`, { cause: error })),
    );
  }

  #requireRunning(what: string): void {
    if (this.#core.ended) {
      throw new CodexError(
        `Cannot ${what}: this goal run on thread ${this.threadId} has ended. ` +
          "thread.resumeGoal() starts a new run of the same goal; thread.clearGoal() removes it.",
      );
    }
  }

  #armIdleTimer(): void {
    const idleMs = this.#options.inactivityTimeoutMs;
    if (idleMs === undefined || !(idleMs > 0)) return;
    this.#stopIdleWatch = watchIdle(
      idleMs,
      () => this.#core.lastProgressAt,
      () => {
        if (this.#core.ended) return;
        const silence = Date.now() - this.#core.lastProgressAt;
        this.#stopGoal();
        this.fail(
          new CodexGoalInactiveError(
            `The goal on thread ${this.threadId} produced no event for ${silence} ms (inactivityTimeoutMs ${idleMs}); ` +
              "the SDK paused it and interrupted its turn. thread.resumeGoal() restarts it.",
            this.threadId,
            silence,
            idleMs,
          ),
        );
      },
    );
  }
}
