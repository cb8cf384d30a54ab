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

const turnKey = (threadId: string, turnId: string) => `${threadId}\u0000${turnId}`;

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

/** The client's, each thread's and each running turn's approval settings. */
export class ApprovalRoutes {
  #clientHandler: ApprovalHandlerSetting | null = null;
  readonly #clientTimeoutMs: number | undefined;
  readonly #threadHandlers = new Map<string, ApprovalHandlerSetting>();
  /** Handlers that answer one thread's approvals ahead of its own handler (a running goal's). */
  readonly #threadOverrides = new Map<string, ApprovalHandlerSetting>();
  readonly #threadTimeouts = new Map<string, number>();
  readonly #turns = new Map<string, ApprovalRoute>();
  readonly #starting = new Map<string, Set<ApprovalRoute>>();

  constructor(clientTimeoutMs: number | undefined) {
    this.#clientTimeoutMs = checkTimeout("approvalTimeoutMs", clientTimeoutMs);
  }

  get hasClientHandler(): boolean {
    return this.#clientHandler !== null;
  }

  setClientHandler(handler: ApprovalHandlerSetting | null): void {
    checkHandler("setApprovalHandler", handler);
    this.#clientHandler = handler;
  }

  setThreadHandler(threadId: string, handler: ApprovalHandlerSetting | null): void {
    checkHandler("thread.setApprovalHandler", handler);
    if (handler === null) this.#threadHandlers.delete(threadId);
    else this.#threadHandlers.set(threadId, handler);
  }

  /**
   * Routes `threadId`'s approvals to `handler` ahead of the thread's and the client's handlers
   * (a turn's own route still wins), until the returned function is called. One at a time.
   */
  overrideThread(threadId: string, handler: ApprovalHandlerSetting): () => void {
    checkHandler("approvalHandler", handler);
    if (this.#threadOverrides.has(threadId)) {
      throw new TypeError(
        `Thread ${threadId} already has an approval handler of its own (a running goal's).`,
      );
    }
    this.#threadOverrides.set(threadId, handler);
    return () => {
      if (this.#threadOverrides.get(threadId) === handler) this.#threadOverrides.delete(threadId);
    };
  }

  setThreadTimeout(threadId: string, ms: number | null): void {
    const t = checkTimeout("thread.setApprovalTimeout", ms);
    if (t === undefined) this.#threadTimeouts.delete(threadId);
    else this.#threadTimeouts.set(threadId, t);
  }

  /**
   * Registers a turn's route before its `turn/start` is sent. Requests of that thread whose turn
   * is not known yet use it until `bind` or `cancel`.
   */
  startTurn(threadId: string, route: ApprovalRoute): StartingTurnRoute {
    if (route.handler !== undefined) checkHandler("approvalHandler", route.handler);
    const checked: ApprovalRoute = {
      handler: route.handler,
      timeoutMs: checkTimeout("approvalTimeoutMs", route.timeoutMs),
    };
    let set = this.#starting.get(threadId);
    if (!set) this.#starting.set(threadId, (set = new Set()));
    set.add(checked);
    const unstart = () => {
      set.delete(checked);
      if (set.size === 0 && this.#starting.get(threadId) === set) this.#starting.delete(threadId);
    };
    let bound: string | undefined;
    return {
      bind: (turnId) => {
        unstart();
        bound = turnId;
        this.#turns.set(turnKey(threadId, turnId), checked);
      },
      cancel: unstart,
      end: () => {
        if (bound !== undefined) this.endTurn(threadId, bound);
      },
    };
  }

  /** The turn ended: its route is dropped. */
  endTurn(threadId: string, turnId: string): void {
    if (this.#turns.size > 0) this.#turns.delete(turnKey(threadId, turnId));
  }

  /** What applies to a request of `turnId` on `threadId`. */
  resolve(threadId: string, turnId: string): ResolvedRoute {
    let turn = this.#turns.size > 0 ? this.#turns.get(turnKey(threadId, turnId)) : undefined;
    if (!turn && this.#starting.size > 0) {
      const starting = this.#starting.get(threadId);
      if (starting?.size === 1) [turn] = starting;
    }
    return {
      handler:
        turn?.handler ??
        this.#threadOverrides.get(threadId) ??
        this.#threadHandlers.get(threadId) ??
        this.#clientHandler,
      timeoutMs: turn?.timeoutMs ?? this.#threadTimeouts.get(threadId) ?? this.#clientTimeoutMs,
    };
  }

  /** The connection closed: running turns are gone. */
  clearTurns(): void {
    this.#turns.clear();
    this.#starting.clear();
  }
}
