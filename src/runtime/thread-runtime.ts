// One thread's runtime: the one owner of what runs on a thread in this client. It holds the
// thread's turns being read, its approval routes and the goal run that follows it, and reads each
// of the thread's notifications once, `turn/completed` included.
import { ThreadApprovalRoutes } from "../approvals/routes.js";
import { CodexTransportError } from "../errors/index.js";
import { ThreadTurns, turnIdOf } from "../turn/thread-turns.js";

/**
 * What follows every event of a thread across its turns (a goal run). Defined here, below the goal
 * layer, so the runtime holds a run without knowing its class.
 */
export interface ThreadFollower {
  push(method: string, params: unknown): void;
  fail(error: Error): void;
}

/** What the runtime tells its owner (the registry). */
export interface ThreadRuntimeHooks {
  /** A turn of the thread ended: heard after its stream and its route, before the goal run. */
  turnEnded(threadId: string, turnId: string): void;
  /** The runtime may have nothing left to own. */
  maybeIdle(runtime: { readonly threadId: string; readonly idle: boolean }): void;
}

export class ThreadRuntime<G extends ThreadFollower = ThreadFollower> {
  readonly threadId: string;
  /** The thread's turns being read, and the events held while a `turn/start` is in flight. */
  readonly turns: ThreadTurns;
  /** The thread's approval settings: its own, a running goal's, its turns'. */
  readonly approvals: ThreadApprovalRoutes;
  #goal: G | undefined;
  readonly #hooks: ThreadRuntimeHooks;

  constructor(threadId: string, hooks: ThreadRuntimeHooks) {
    this.threadId = threadId;
    this.#hooks = hooks;
    const maybeIdle = () => hooks.maybeIdle(this);
    this.turns = new ThreadTurns(threadId, maybeIdle);
    this.approvals = new ThreadApprovalRoutes(threadId, maybeIdle);
  }

  /** The goal run that follows the thread, if any. */
  get goal(): G | undefined {
    return this.#goal;
  }

  /** Owns nothing: no turn read or starting, no approval setting, no goal run. */
  get idle(): boolean {
    return this.#goal === undefined && this.turns.empty && this.approvals.empty;
  }

  /**
   * `goal` follows the thread's events (from before anything is sent for it, so it sees them in
   * wire order) until the returned function is called. One at a time.
   */
  follow(goal: G): () => void {
    if (this.#goal !== undefined) throw new TypeError(`Thread ${this.threadId} already has a goal run.`);
    this.#goal = goal;
    return () => {
      if (this.#goal !== goal) return;
      this.#goal = undefined;
      this.#hooks.maybeIdle(this);
    };
  }

  /**
   * One notification of the thread, read once: to its turn's stream (or held for a starting turn),
   * then, for `turn/completed`, the turn's route ends and the owner is told (the approvals end the
   * turn's pending requests), then the goal run hears it and follows its chain from there.
   */
  receive(method: string, params: object, message: unknown): void {
    const turnId = turnIdOf(params);
    if (turnId !== undefined) {
      this.turns.receive(turnId, method, params, message);
      if (method === "turn/completed") {
        this.approvals.endTurn(turnId);
        this.#hooks.turnEnded(this.threadId, turnId);
      }
    }
    this.#goal?.push(method, params);
  }

  /** The connection closed: turns and the goal run fail, turn routes go; the thread's own settings stay. */
  closed(error: CodexTransportError | undefined): void {
    this.turns.closed(error ?? new CodexTransportError("The client was closed while the turn was running."));
    this.approvals.clearTurns();
    this.#goal?.fail(error ?? new CodexTransportError("The client was closed while the goal ran."));
  }
}
