// The runtimes of one client's threads: the notification sink that hands each notification to its
// thread's runtime, and what spans all of them (the turns to settle after a reconnect, the close).
import type { ApprovalRequest } from "../approvals/requests.js";
import type { ThreadApprovalRoutes } from "../approvals/routes.js";
import type { CodexTransportError } from "../errors/index.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TurnEventPort } from "../rpc/port.js";
import { turnIdOf } from "../turn/thread-turns.js";
import type { TurnState } from "../turn/turn-state.js";
import { ThreadRuntime, type ThreadFollower } from "./thread-runtime.js";

/** A turn being read: its thread and its id. */
export interface RunningTurn {
  threadId: string;
  turnId: string;
}

/**
 * Every thread with something running in this client has one runtime here, made on first need and
 * dropped once it owns nothing, so the table holds only threads at work (or with approval settings
 * of their own). The runtimes are the connection's one notification sink.
 */
export class ThreadRuntimes<G extends ThreadFollower = ThreadFollower> {
  readonly #runtimes = new Map<string, ThreadRuntime<G>>();
  /** The runtime found last: events come in runs of one thread, so it is checked before the map. */
  #last: ThreadRuntime<G> | undefined;
  #turnEnded: (threadId: string, turnId: string) => void = () => {};
  readonly #off: () => void;
  readonly #offClose: () => void;
  readonly #hooks = {
    turnEnded: (threadId: string, turnId: string) => this.#turnEnded(threadId, turnId),
    maybeIdle: (runtime: { readonly threadId: string; readonly idle: boolean }) => {
      if (!runtime.idle || this.#runtimes.get(runtime.threadId) !== runtime) return;
      this.#runtimes.delete(runtime.threadId);
      if (this.#last === runtime) this.#last = undefined;
    },
  };

  constructor(events: TurnEventPort) {
    this.#off = events.setNotificationSink((method, params, message) => {
      if (typeof params !== "object" || params === null) return;
      const threadId = (params as { threadId?: unknown }).threadId;
      if (typeof threadId !== "string") return;
      const last = this.#last;
      const runtime =
        last !== undefined && last.threadId === threadId ? last : (this.#last = this.#runtimes.get(threadId));
      if (runtime) return runtime.receive(method, params, message);
      // A turn nothing of this client runs (another client's, or one whose reader is gone) may
      // still have approval requests here: they end with it.
      if (method === "turn/completed") {
        const turnId = turnIdOf(params);
        if (turnId !== undefined) this.#turnEnded(threadId, turnId);
      }
    });
    this.#offClose = events.onClose((error) => this.#closed(error));
  }

  /**
   * Who else a turn's end concerns (the approvals: the turn's pending requests end with it). Heard
   * after the turn's stream and route, before the goal run. Set once, by the client's wiring.
   */
  onTurnEnded(listener: (threadId: string, turnId: string) => void): void {
    this.#turnEnded = listener;
  }

  /** The runtime of `threadId`, if it has one. */
  get(threadId: string): ThreadRuntime<G> | undefined {
    return this.#runtimes.get(threadId);
  }

  /** The runtime of `threadId`, made if it has none. */
  of(threadId: string): ThreadRuntime<G> {
    let runtime = this.#runtimes.get(threadId);
    if (!runtime) this.#runtimes.set(threadId, (runtime = new ThreadRuntime<G>(threadId, this.#hooks)));
    return runtime;
  }

  /** Changes the approval routes of `threadId` (its own handler or timeout). */
  changeRoutes(threadId: string, change: (routes: ThreadApprovalRoutes) => void): void {
    const runtime = this.of(threadId);
    try {
      change(runtime.approvals);
    } finally {
      this.#hooks.maybeIdle(runtime); // a refused or removed setting leaves nothing behind
    }
  }

  /** The approval routes of `threadId`, if it has any (the broker's view). */
  routesOf(threadId: string): ThreadApprovalRoutes | undefined {
    return this.#runtimes.get(threadId)?.approvals;
  }

  /** The state of a turn being read, if any. */
  turn(threadId: string, turnId: string): TurnState | undefined {
    return this.#runtimes.get(threadId)?.turns.get(turnId);
  }

  /**
   * An approval request of a turn being read joins that turn's stream (see
   * `TurnState.approvalRequested`); returns what to call when the request ends.
   */
  approvalRequested(request: ApprovalRequest): (() => void) | undefined {
    return this.turn(request.threadId, request.turnId)?.approvalRequested(request);
  }

  /** The turns being read now that have not ended. */
  activeTurns(): RunningTurn[] {
    const turns: RunningTurn[] = [];
    for (const runtime of this.#runtimes.values())
      for (const turnId of runtime.turns.running()) turns.push({ threadId: runtime.threadId, turnId });
    return turns;
  }

  /** The goal runs, by thread. */
  goals(): G[] {
    const goals: G[] = [];
    for (const runtime of this.#runtimes.values()) if (runtime.goal) goals.push(runtime.goal);
    return goals;
  }

  /** The threads with a goal run. */
  goalThreadIds(): string[] {
    const ids: string[] = [];
    for (const runtime of this.#runtimes.values()) if (runtime.goal) ids.push(runtime.threadId);
    return ids;
  }

  /**
   * After a reconnect: each running turn learns what became of it. `turnsByThread` holds, per
   * thread, the turns the resumed thread reports, or the error resuming it failed with (see
   * `ThreadTurns.reconcile`).
   */
  reconcile(turnsByThread: Map<string, Turn[] | Error>, cause: Error): void {
    for (const runtime of [...this.#runtimes.values()])
      runtime.turns.reconcile(turnsByThread.get(runtime.threadId), cause);
  }

  dispose(): void {
    this.#off();
    this.#offClose();
  }

  #closed(error: CodexTransportError | undefined): void {
    this.#last = undefined;
    const runtimes = [...this.#runtimes.values()];
    for (const runtime of runtimes) runtime.closed(error);
    for (const runtime of runtimes) this.#hooks.maybeIdle(runtime);
  }
}
