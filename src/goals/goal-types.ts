import type { ApprovalHandler } from "../approvals/requests.js";
import type { OptionSpec } from "../internal/option-check.js";
import type { ThreadGoal } from "../protocol/generated/v2/ThreadGoal.js";
import type { ThreadGoalStatus } from "../protocol/generated/v2/ThreadGoalStatus.js";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";
import type { ServerNotification } from "../protocol/index.js";

/** Physical turns a goal may run before the SDK pauses it, by default. */
export const DEFAULT_GOAL_MAX_TURNS = 50;
/** Completed items a goal's result keeps (the most recent ones), by default. */
export const DEFAULT_GOAL_KEEP_ITEMS = 1000;

/**
 * One event of a goal's logical stream: every notification of the goal's thread while the goal
 * runs, across all its physical turns (`turn/started`, items, deltas, `turn/completed`, ...),
 * plus every `thread/goal/updated` and `thread/goal/cleared`.
 */
export type GoalEvent = ServerNotification;

/** Options of `thread.startGoal` / `thread.runGoal`. */
export interface GoalOptions {
  /** Token budget of the goal (`(input − cached) + output`, counted by the server). Must be > 0. */
  tokenBudget?: number | undefined;
  /**
   * Answers the approvals of this goal's turns, ahead of the client-wide handler. Without it they
   * go where any approval goes (client handler, `approvalRequests()`, or `decline`).
   */
  approvalHandler?: ApprovalHandler | undefined;
  /** Aborting pauses the goal, interrupts its running turn and rejects `done()` with `CodexAbortError`. */
  signal?: AbortSignal | undefined;
  /**
   * Longest silence (no event on the thread) the whole chain may have, in ms. On expiry the goal is
   * paused, its turn interrupted and `done()` rejects with `CodexGoalInactiveError`. Default: the
   * client's `inactivityTimeoutMs` (none if unset).
   */
  inactivityTimeoutMs?: number | undefined;
  /**
   * How long the server may keep retrying an unreachable model (its `error` notices with
   * `willRetry: true`; they and `warning`s do not count as events for `inactivityTimeoutMs`) with
   * no progress in between. Then the goal is paused, its turn interrupted and `done()` rejects with
   * `CodexModelUnavailableError`. Default: the client's, else 300 000 (5 minutes). `Infinity`: no limit.
   */
  modelRetryTimeoutMs?: number | undefined;
  /**
   * Most physical turns this handle lets the goal run (the runtime alone would chain them without
   * limit). When the last allowed turn starts the SDK pauses the goal, so that turn is the last;
   * the result then has `endReason: "turnLimit"`. Default 50.
   */
  maxTurns?: number | undefined;
  /** Events buffered for a consumer iterating the handle. Default: the client's `turnBufferSize`. */
  bufferSize?: number | undefined;
  /**
   * Completed items kept for the result: the most recent `keepItems` (older ones are counted in
   * `itemsDropped`). `Infinity` keeps them all. Default 1000.
   */
  keepItems?: number | undefined;
}

/** The keys and value types of {@link GoalOptions}, checked at each goal call. */
export const GOAL_OPTIONS = {
  tokenBudget: "number",
  approvalHandler: "function",
  signal: "signal",
  inactivityTimeoutMs: "number",
  modelRetryTimeoutMs: "number",
  maxTurns: "number",
  bufferSize: "number",
  keepItems: "number",
} as const satisfies OptionSpec<GoalOptions>;

/** The keys of {@link AttachGoalOptions}. */
export const ATTACH_GOAL_OPTIONS = (({ tokenBudget: _b, ...rest }) => rest)(
  GOAL_OPTIONS,
) satisfies OptionSpec<AttachGoalOptions>;

/** Options of `thread.resumeGoal`: the same as a start, without the objective. */
export type ResumeGoalOptions = GoalOptions;

/** Options of `thread.attachGoal`: a budget cannot be changed by reading the goal back. */
export type AttachGoalOptions = Omit<GoalOptions, "tokenBudget">;

/**
 * Why a goal's chain of turns stopped:
 * - `"status"`: the goal left `active` by itself (`complete`, `blocked`, `budgetLimited`,
 *   `usageLimited`), or someone else paused it;
 * - `"paused"`: this handle's `pause()` (or a `break` out of its loop);
 * - `"cleared"`: the goal was cleared (`clear()` or any client);
 * - `"turnLimit"`: `maxTurns` was reached and the SDK paused the goal;
 * - `"interrupted"`: a turn was interrupted and the goal stayed `active` with the thread idle
 *   (the runtime starts nothing more; `thread.resumeGoal()` restarts it).
 */
export type GoalEndReason = "status" | "paused" | "cleared" | "turnLimit" | "interrupted";

/** The outcome of a goal's run. A status other than `complete` is a normal result, not an error. */
export interface GoalResult {
  threadId: string;
  /** The goal's last status, or `"cleared"` once it was cleared. */
  status: ThreadGoalStatus | "cleared";
  endReason: GoalEndReason;
  /** Text of the last completed assistant message of the chain ("" if none). */
  finalText: string;
  /** Every physical turn of the run, in order. */
  turnIds: string[];
  /** The most recent completed items (see `keepItems`). */
  items: ThreadItem[];
  /** Completed items not kept in `items`. */
  itemsDropped: number;
  /** From the goal itself: tokens counted against the budget. */
  tokensUsed: number;
  tokenBudget: number | null;
  /** From the goal itself: seconds of work. */
  timeUsedSeconds: number;
  /** The last goal state the server reported (null if it was cleared before any arrived). */
  goal: ThreadGoal | null;
}
