// Which threads have a goal: those whose runtime has a goal run of this client, and those whose
// latest goal state (from any client) is `active`. Turns on those threads are refused. Made before
// the turn and goal services, so the turn service can ask it without knowing the goal service.
import { CodexGoalRunningError } from "../errors/index.js";
import type { ThreadGoal } from "../protocol/generated/v2/ThreadGoal.js";
import type { ServerEvents } from "../rpc/port.js";
import type { ThreadRuntimes } from "../runtime/thread-runtimes.js";

/** Most threads remembered as having an active goal; past it the oldest is forgotten. */
const MAX_ACTIVE_GOALS = 10_000;

export class GoalThreads {
  /** Threads whose latest goal state (from any client) is `active`. */
  readonly #active = new Set<string>();

  constructor(
    events: Pick<ServerEvents, "onNotification" | "onClose">,
    /** The runtimes, whose goal runs are this client's. */
    private readonly runtimes: Pick<ThreadRuntimes, "get">,
  ) {
    events.onNotification("thread/goal/updated", (params) => {
      const { threadId, goal } = params as { threadId: string; goal: ThreadGoal | null };
      this.#active.delete(threadId); // re-added last: the oldest entry is the one a cap drops
      if (goal?.status === "active") {
        this.#active.add(threadId);
        // Bounded: a server reporting goals on ever more threads cannot grow this without end.
        // Past the cap the oldest is forgotten (its turns are then left to the server to refuse).
        if (this.#active.size > MAX_ACTIVE_GOALS) this.#active.delete(this.#active.values().next().value!);
      }
    });
    const forget = (params: unknown) =>
      this.#active.delete((params as { threadId?: string } | null)?.threadId ?? "");
    events.onNotification("thread/goal/cleared", forget);
    events.onNotification("thread/closed", forget);
    events.onClose(() => this.#active.clear());
  }

  /** The refusal of a turn on `threadId` while a goal runs there, or undefined. */
  refuseTurn(threadId: string): CodexGoalRunningError | undefined {
    if (!this.runtimes.get(threadId)?.goal && !this.#active.has(threadId)) return undefined;
    return new CodexGoalRunningError(
      `Thread ${threadId} has a running goal: the runtime starts its turns itself, so a turn of your own was not sent. ` +
        "Wait for the goal (goal.done()), or pause or clear it first (goal.pause(), thread.clearGoal()).",
      threadId,
    );
  }
}
