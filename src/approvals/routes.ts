// Which handler answers an approval, and with which timeout: the turn's, else the thread's, else
// the client's. The broker asks this table once per request, when it arrives.
import { HOLD, type ApprovalHandlerSetting } from "./requests.js";

/** The approval settings of one turn (the `approvalHandler` / `approvalTimeoutMs` turn options). */
export interface ApprovalRoute {
  handler?: ApprovalHandlerSetting | undefined;
  timeoutMs?: number | undefined;
}

/** What applies to one request. */
export interface ResolvedRoute {
  handler: ApprovalHandlerSetting | null;
  timeoutMs: number | undefined;
}

/** A turn's route while its `turn/start` is in flight (its id is not known yet). */
export interface StartingTurnRoute {
  /** The turn started: its route now applies to requests of `turnId`. */
  bind(turnId: string): void;
  /** The turn did not start. */
  cancel(): void;
  /** The turn ended (however it ended): its route is dropped. */
  end(): void;
}

/** Checks a timeout option: a positive number of milliseconds, or undefined/null for none. */
export function checkTimeout(name: string, ms: number | null | undefined): number | undefined {
  if (ms === undefined || ms === null) return undefined;
  if (typeof ms !== "number" || !(ms > 0) || !Number.isFinite(ms)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(ms)}.`);
  }
  return ms;
}

/** Checks a handler setting: a function, `"hold"` or null. */
export function checkHandler(name: string, handler: unknown): void {
  if (handler !== null && handler !== HOLD && typeof handler !== "function") {
    throw new TypeError(`${name} expects a function (request) => decision, "hold", or null.`);
  }
}

/** One thread's approval settings: its own handler and timeout, a running goal's handler, its turns'. */
export class ThreadApprovalRoutes {
  #handler: ApprovalHandlerSetting | undefined;
  /** A handler that answers ahead of the thread's own (a running goal's). */
  #override: ApprovalHandlerSetting | undefined;
  #timeoutMs: number | undefined;
  readonly #turns = new Map<string, ApprovalRoute>();
  readonly #starting = new Set<ApprovalRoute>();
  /** Told after a setting was removed (the thread's runtime may have nothing left to own). */
  readonly #removed: () => void;

  constructor(
    readonly threadId: string,
    removed: () => void = () => {},
  ) {
    this.#removed = removed;
  }

  /** Nothing is set. */
  get empty(): boolean {
    return (
      this.#handler === undefined &&
      this.#override === undefined &&
      this.#timeoutMs === undefined &&
      this.#turns.size === 0 &&
      this.#starting.size === 0
    );
  }

  /** The thread's own handler (`thread.setApprovalHandler`); `null` removes it. */
  setHandler(handler: ApprovalHandlerSetting | null): void {
    checkHandler("thread.setApprovalHandler", handler);
    this.#handler = handler ?? undefined;
    if (handler === null) this.#removed();
  }

  /** The thread's own approval timeout (`thread.setApprovalTimeout`); `null` removes it. */
  setTimeout(ms: number | null): void {
    this.#timeoutMs = checkTimeout("thread.setApprovalTimeout", ms);
    if (this.#timeoutMs === undefined) this.#removed();
  }

  /**
   * Routes the thread's approvals to `handler` ahead of its own and the client's handlers (a
   * turn's own route still wins), until the returned function is called. One at a time.
   */
  override(handler: ApprovalHandlerSetting): () => void {
    checkHandler("approvalHandler", handler);
    if (this.#override !== undefined) {
      throw new TypeError(
        `Thread ${this.threadId} already has an approval handler of its own (a running goal's).`,
      );
    }
    this.#override = handler;
    return () => {
      if (this.#override !== handler) return;
      this.#override = undefined;
      this.#removed();
    };
  }

  /**
   * Registers a turn's route before its `turn/start` is sent. Requests of the thread whose turn is
   * not known yet use it until `bind` or `cancel`.
   */
  startTurn(route: ApprovalRoute): StartingTurnRoute {
    if (route.handler !== undefined) checkHandler("approvalHandler", route.handler);
    const checked: ApprovalRoute = {
      handler: route.handler,
      timeoutMs: checkTimeout("approvalTimeoutMs", route.timeoutMs),
    };
    this.#starting.add(checked);
    let bound: string | undefined;
    return {
      bind: (turnId) => {
        this.#starting.delete(checked);
        bound = turnId;
        this.#turns.set(turnId, checked);
      },
      cancel: () => {
        if (this.#starting.delete(checked)) this.#removed();
      },
      end: () => {
        if (bound !== undefined && this.#turns.get(bound) === checked) this.endTurn(bound);
      },
    };
  }

  /** The turn ended: its route is dropped. */
  endTurn(turnId: string): void {
    if (this.#turns.delete(turnId)) this.#removed();
  }

  /** The connection closed: running turns are gone. */
  clearTurns(): void {
    this.#turns.clear();
    this.#starting.clear();
  }

  /** What the thread sets for a request of `turnId`: the turn's route, else the thread's. */
  resolve(turnId: string): ApprovalRoute {
    let turn = this.#turns.get(turnId);
    // While one turn is starting, a request of a turn not known yet is that turn's.
    if (!turn && this.#starting.size === 1) [turn] = this.#starting;
    return {
      handler: turn?.handler ?? this.#override ?? this.#handler,
      timeoutMs: turn?.timeoutMs ?? this.#timeoutMs,
    };
  }
}

/** The client's approval settings, over each thread's (found through `threadRoutes`). */
export class ApprovalRoutes {
  #clientHandler: ApprovalHandlerSetting | null = null;
  readonly #clientTimeoutMs: number | undefined;

  constructor(
    clientTimeoutMs: number | undefined,
    private readonly threadRoutes: (threadId: string) => ThreadApprovalRoutes | undefined,
  ) {
    this.#clientTimeoutMs = checkTimeout("approvalTimeoutMs", clientTimeoutMs);
  }

  get hasClientHandler(): boolean {
    return this.#clientHandler !== null;
  }

  setClientHandler(handler: ApprovalHandlerSetting | null): void {
    checkHandler("setApprovalHandler", handler);
    this.#clientHandler = handler;
  }

  /** What applies to a request of `turnId` on `threadId`. */
  resolve(threadId: string, turnId: string): ResolvedRoute {
    const thread = this.threadRoutes(threadId)?.resolve(turnId);
    return {
      handler: thread?.handler ?? this.#clientHandler,
      timeoutMs: thread?.timeoutMs ?? this.#clientTimeoutMs,
    };
  }
}
