import type { Subscription } from "../events/emitter.js";
import type { ThreadGoal } from "../protocol/generated/v2/ThreadGoal.js";
import type { ConversationStep } from "../turn/steps.js";
import type { GoalRun } from "./goal-run.js";
import type { GoalEvent, GoalResult } from "./goal-types.js";

/**
 * A live goal: one objective the runtime pursues over as many physical turns as it chains. Its
 * events read as one logical stream across those turns (`for await (const e of goal)`), or as
 * steps (`goal.steps()`); `done()` resolves with the {@link GoalResult} when the chain stops.
 *
 * - A status other than `complete` (paused, blocked, budgetLimited, ...) is a normal result.
 * - A failed physical turn rejects `done()` with `CodexTurnFailedError`.
 * - `break` out of the loop pauses the goal and interrupts its turn, as leaving `chat()` does.
 * - While the goal runs, `chatOnce`/`chat`/`streamTurn` on its thread are refused.
 *
 * @example
 * ```ts
 * const goal = await thread.startGoal("Make `npm test` pass", { tokenBudget: 200_000, maxTurns: 20 });
 * for await (const step of goal.steps()) console.log(step.turnId, step.stepType, step.text);
 * const result = await goal.done();
 * console.log(result.status, result.turnIds.length, result.tokensUsed);
 * ```
 */
export class GoalHandle implements AsyncIterable<GoalEvent> {
  readonly #run: GoalRun;

  /** @internal Created by `thread.startGoal`, `resumeGoal` and `attachGoal`. */
  constructor(run: GoalRun) {
    this.#run = run;
  }

  get threadId(): string {
    return this.#run.threadId;
  }

  /** The last goal state the server reported; `null` once cleared. */
  get goal(): ThreadGoal | null {
    return this.#run.goal ?? null;
  }

  /** The physical turns so far, in order. */
  get turnIds(): readonly string[] {
    return [...this.#run.turnIds];
  }

  /** The physical turn running now, if any. */
  get currentTurnId(): string | undefined {
    return this.#run.currentTurnId;
  }

  /** True once the chain stopped (or the run failed). */
  get ended(): boolean {
    return this.#run.ended;
  }

  /** Resolves with the result when the chain stops; rejects on a failed turn, timeout, abort or close. */
  done(): Promise<GoalResult> {
    return this.#run.done();
  }

  /** Called with every `thread/goal/updated` state (after each model response, not only on changes). */
  onUpdate(listener: (goal: ThreadGoal) => void): Subscription {
    return this.#run.onUpdate(listener);
  }

  /**
   * Pauses the goal (`thread/goal/set {status: "paused"}`). The running turn finishes (or, with
   * `interrupt`, is interrupted), nothing follows, and `done()` resolves with `endReason: "paused"`.
   */
  pause(options: { interrupt?: boolean } = {}): Promise<void> {
    return this.#run.pause(options);
  }

  /**
   * Makes the goal active again while this run is still going (after `pause()`, before the running
   * turn ended), optionally with a new budget (sent in the same call) or a higher `maxTurns`. Once
   * the run ended, use `thread.resumeGoal()`.
   */
  resume(options: { tokenBudget?: number; maxTurns?: number } = {}): Promise<void> {
    return this.#run.resume(options);
  }

  /** Clears the goal (`thread/goal/clear`); `done()` then resolves with status `"cleared"`. */
  clear(options: { interrupt?: boolean } = {}): Promise<void> {
    return this.#run.clear(options);
  }

  /** Completed steps across every turn of the goal. Iterate the handle or its steps, once. */
  steps(): AsyncIterableIterator<ConversationStep> {
    return this.#run.steps();
  }

  /** Every event of the goal's thread while it runs, deltas included, across turns. */
  [Symbol.asyncIterator](): AsyncIterableIterator<GoalEvent> {
    return this.#run.events();
  }
}
