import {
  CodexError,
  CodexProtocolError,
  CodexTurnDisconnectedError,
  CodexTurnInactiveError,
  type CodexTransportError,
  type TurnContinuation,
} from "../errors/index.js";
import type { ItemCompletedNotification } from "../protocol/generated/v2/ItemCompletedNotification.js";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";
import type { ThreadTokenUsageUpdatedNotification } from "../protocol/generated/v2/ThreadTokenUsageUpdatedNotification.js";
import type { ThreadTokenUsage } from "../protocol/generated/v2/ThreadTokenUsage.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TurnCompletedNotification } from "../protocol/generated/v2/TurnCompletedNotification.js";
import type { ApprovalRequest } from "../approvals/requests.js";
import { watchIdle } from "../internal/timers.js";
import { RetryWatch } from "./model-retry.js";
import type { BoundedQueue } from "../streams/bounded-queue.js";
import { StreamCore } from "../streams/stream-core.js";

import { isTurnNotRunning, keepsTurn, turnFailedError } from "./turn-errors.js";
import { DEFAULT_KEEP_ITEMS, type TurnEvent, type TurnResult, type TurnStreamMode } from "./turn-types.js";

// The turn layer's types live with the state; turn-stream.ts re-exports the public ones.

export type { TurnEvent, TurnResult, TurnStreamMode } from "./turn-types.js";
export { DEFAULT_KEEP_ITEMS } from "./turn-types.js";

export interface TurnStateOptions {
  threadId: string;
  turnId: string;
  mode: TurnStreamMode;
  /** Keep completed items for the result (chatOnce). Default false: nothing per-turn is retained. */
  collectItems?: boolean;
  /** With `collectItems`: keep the most recent this many (older ones are counted). Default 10 000. */
  keepItems?: number | undefined;
  /** Queue events for an iterating consumer; capacity of that queue. 0 = no queue. */
  bufferSize: number;
  /**
   * Queue only `item/completed` and `turn/completed`, what `chat()` reads (the others are still
   * tracked for the result). Default false: every event is queued.
   */
  stepsOnly?: boolean | undefined;
  /** How long the server may retry the model without progress (default 5 min; Infinity: no limit). */
  modelRetryTimeoutMs?: number | undefined;
  /** Sends `turn/interrupt`. */
  interrupt: () => Promise<void>;
  /**
   * Hears a `turn/interrupt` sent in the background (on abort, or when a reader stops) that
   * failed while the turn still ran: nobody awaits it, so without this the failure would be lost.
   */
  interruptFailed?: ((error: unknown) => void) | undefined;
  /** Called once the stream is finished with (completed and drained, or cancelled). */
  release: () => void;
}

/**
 * The internal state of one running turn: what its thread's turns push into it (events, failure,
 * disconnect), what the conversation layer reads from it (result, continuation, cancel), and the
 * hand-written iterators. Users see it only through the `TurnStream` view (turn-stream.ts).
 */
export class TurnState {
  readonly threadId: string;
  readonly turnId: string;
  readonly mode: TurnStreamMode;
  /** The queue, the completion, the time of the last event and the kept items. */
  readonly #core: StreamCore<TurnEvent, TurnResult, ThreadItem>;
  /** Events delivered to the consumer so far (the continuation cursor). */
  #cursor = 0;
  readonly #stepsOnly: boolean;
  readonly #collectItems: boolean;
  #pendingRead: Promise<IteratorResult<TurnEvent>> | undefined;
  #finalText = "";
  #assistantItemId: string | null = null;
  #usage: ThreadTokenUsage | null = null;
  #completedTurn: Turn | undefined;
  /** Approval requests of this turn still waiting for an answer: the turn waits on them, it is not idle. */
  #waitingApprovals = 0;
  #stamped = false;
  /** A disconnect to report to the next reader (nobody was waiting when it happened). */
  #pendingDisconnect: CodexTurnDisconnectedError | undefined;
  readonly #disconnectRejecters = new Set<(error: CodexTurnDisconnectedError) => void>();
  #released = false;
  readonly #interrupt: () => Promise<void>;
  readonly #interruptFailed: ((error: unknown) => void) | undefined;
  readonly #release: () => void;
  /** The server's retries of the model (its `error` notices with `willRetry`) since the last progress. */
  readonly #retry: RetryWatch;

  constructor(options: TurnStateOptions) {
    this.threadId = options.threadId;
    this.turnId = options.turnId;
    this.mode = options.mode;
    this.#interrupt = options.interrupt;
    this.#interruptFailed = options.interruptFailed;
    this.#release = options.release;
    this.#collectItems = options.collectItems === true;
    this.#stepsOnly = options.stepsOnly === true;
    this.#retry = new RetryWatch(this.threadId, options.modelRetryTimeoutMs, (e) => {
      // The turn fails here at once, but it runs on the server until the interrupt lands.
      this.#interruptInBackground({ endedHere: true });
      this.fail(e);
    });
    this.#core = new StreamCore({
      bufferSize: options.bufferSize,
      overflowMessage:
        `Turn ${options.turnId}: the consumer fell more than ${options.bufferSize} events behind; ` +
        "read the stream faster or raise `bufferSize`.",
      keepItems: options.keepItems ?? DEFAULT_KEEP_ITEMS,
    });
  }

  /** True once `turn/completed` arrived (or the connection failed). */
  get finished(): boolean {
    return this.#core.ended;
  }

  /** Takes one event of this turn, in wire order. */
  push(event: TurnEvent): void {
    this.receive(event.method, event.params);
  }

  /**
   * Called by its thread's turns for every notification of this turn, in wire order. The event object is
   * built only when it is queued (`chat()` reads steps, not deltas), and not at all when the
   * runtime passes the parsed message itself as `event`.
   */
  receive(method: string, params: unknown, event?: TurnEvent): void {
    // A retry notice is queued like any event but is not progress: not for the inactivity timeout,
    // and its run is bounded by modelRetryTimeoutMs.
    if (method !== "error" || !this.#retry.notice(params)) {
      this.#stamp();
      this.#retry.progress();
    }
    let step = false;
    switch (method) {
      case "item/completed": {
        // An item that is not an object is queued as it came: the step reader reports it.
        const item = (params as ItemCompletedNotification | null)?.item;
        if (item?.type === "agentMessage") {
          this.#finalText = item.text;
          this.#assistantItemId = item.id;
        }
        if (typeof item === "object" && item !== null && this.#collectItems) this.#core.keepItem(item);
        step = true;
        break;
      }
      case "thread/tokenUsage/updated":
        this.#usage = (params as ThreadTokenUsageUpdatedNotification).tokenUsage;
        break;
      case "turn/completed": {
        const turn = (params as TurnCompletedNotification | null)?.turn;
        if (typeof turn !== "object" || turn === null || typeof turn.status !== "string") {
          // Ending as if it succeeded would hide that the outcome is unknown.
          this.fail(
            new CodexProtocolError(
              `Turn ${this.turnId}: turn/completed without a turn the SDK can read (${JSON.stringify(params)?.slice(0, 200)}); its outcome is unknown.`,
            ),
          );
          return;
        }
        this.#completedTurn = turn;
        step = true;
        break;
      }
    }
    if (step || !this.#stepsOnly) this.#core.push(event ?? ({ method, params } as TurnEvent));
    if (method === "turn/completed") this.#core.end(this.result());
  }

  /**
   * An approval request of this turn arrived: it joins the stream as an `approval/requested` event.
   * While it waits for its answer (a person deciding), the inactivity timeout does not fire; it
   * counts again from the answer. Returns what to call when the request ends, if it is pending.
   */
  approvalRequested(request: ApprovalRequest): (() => void) | undefined {
    this.push({ method: "approval/requested", params: request });
    if (!request.pending) return undefined;
    this.#approvalWaiting(1);
    return () => this.#approvalWaiting(-1);
  }

  #approvalWaiting(delta: 1 | -1): void {
    this.#waitingApprovals += delta;
    this.#core.lastProgressAt = Date.now();
  }

  /**
   * Sets `lastEventAt` once per synchronous run of events (one read from the transport) instead of
   * once per event: `Date.now()` costs about as much as the rest of a delta's routing. The time is
   * that of the run's first event, earlier than its last by the run's own processing time.
   */
  #stamp(): void {
    if (this.#stamped) return;
    this.#stamped = true;
    this.#core.lastProgressAt = Date.now();
    queueMicrotask(() => {
      this.#stamped = false;
    });
  }

  /** Ends the stream because the connection failed or closed, or the model stayed unreachable. */
  fail(error: CodexTransportError | CodexError): void {
    this.#retry.stop();
    this.#core.fail(error);
  }

  /**
   * The connection dropped and came back with the turn still running: the reader waiting now (or
   * the next one) gets `CodexTurnDisconnectedError`; the stream stays registered for its continuation.
   */
  disconnected(cause: Error): void {
    if (this.finished) return;
    const error = new CodexTurnDisconnectedError(
      `Turn ${this.turnId}: the connection to the app-server dropped while it ran; events in the gap are lost. ` +
        "It is still running: pass error.continuation to read on, or to cancel() it.",
      this.continuation(),
      { cause },
    );
    if (this.#disconnectRejecters.size === 0) {
      this.#pendingDisconnect = error;
      return;
    }
    for (const reject of [...this.#disconnectRejecters]) reject(error);
  }

  /** Resolves when the turn completes (any status); rejects if the connection fails first. */
  done(): Promise<TurnResult> {
    return this.#core.done();
  }

  /** The final assistant text, once the turn completed. */
  async finalText(): Promise<string> {
    return (await this.#core.done()).finalText;
  }

  /** Sends `turn/interrupt` (if still running) and waits for the turn to end. */
  async interrupt(): Promise<TurnResult> {
    if (!this.finished) await this.#interrupt();
    return this.#core.done();
  }

  /** The result so far (final once finished). */
  result(): TurnResult {
    const turn = this.#completedTurn;
    const { items, itemsDropped } = this.#collectItems
      ? this.#core.keptItems()
      : { items: [], itemsDropped: 0 };
    return {
      threadId: this.threadId,
      turnId: this.turnId,
      status: turn?.status ?? "inProgress",
      finalText: this.#finalText,
      assistantItemId: this.#assistantItemId,
      usage: this.#usage,
      error: turn?.error ?? null,
      items,
      itemsDropped,
    };
  }

  /** The continuation a caller can resume from. */
  continuation(): TurnContinuation {
    return { threadId: this.threadId, turnId: this.turnId, cursor: this.#cursor, mode: this.mode };
  }

  /**
   * Waits for the turn to complete, raising `CodexTurnInactiveError` when no event arrives for
   * `inactivityTimeoutMs` (the stream stays registered so the continuation can resume it), and
   * ending early when `signal` aborts (interrupts the turn, then waits for it).
   */
  async waitForCompletion(
    inactivityTimeoutMs: number | undefined,
    signal?: AbortSignal,
  ): Promise<TurnResult> {
    const detach = this.interruptOnAbort(signal);
    try {
      return await this.#waitWithIdleTimeout(inactivityTimeoutMs, () => this.#core.done());
    } finally {
      detach();
    }
  }

  /**
   * Sends `turn/interrupt` when `signal` aborts (at once if it already has). Returns the function
   * that detaches the listener; it also detaches itself when the turn ends.
   */
  interruptOnAbort(signal: AbortSignal | undefined): () => void {
    if (!signal || this.finished) return () => {};
    const onAbort = () => this.#interruptInBackground();
    if (signal.aborted) {
      onAbort();
      return () => {};
    }
    signal.addEventListener("abort", onAbort, { once: true });
    const detach = () => signal.removeEventListener("abort", onAbort);
    this.#core.done().then(detach, detach);
    return detach;
  }

  /** Reads the next queued event, with the same inactivity rule. `undefined` at the end. */
  async nextEvent(inactivityTimeoutMs?: number): Promise<TurnEvent | undefined> {
    const queue = this.#requireQueue();
    // A read abandoned by an inactivity timeout is still waiting on the queue: the resumed reader
    // takes over that same read, so its event is neither lost nor read twice.
    const read = (this.#pendingRead ??= queue.next());
    const r = await this.#waitWithIdleTimeout(inactivityTimeoutMs, () => read);
    this.#pendingRead = undefined;
    if (r.done) {
      this.releaseOnce();
      return undefined;
    }
    this.#cursor++;
    return r.value;
  }

  /** Takes every buffered event without waiting (used by cancel). */
  drainBuffered(): TurnEvent[] {
    const out: TurnEvent[] = [];
    for (let event = this.takeBuffered(); event !== undefined; event = this.takeBuffered()) out.push(event);
    return out;
  }

  /**
   * Events as they arrive. `break` interrupts a still-running turn and releases the stream.
   * A hand-written iterator rather than an async generator: a buffered event costs one resolved
   * promise, which matters at a million deltas per turn. It stays separate from `steps()`: one
   * generic iterator with a selector measured 5–20% slower on the delta path.
   */
  events(): AsyncIterableIterator<TurnEvent> {
    let ended = false;
    const end = (): IteratorResult<TurnEvent> => {
      ended = true;
      return { value: undefined, done: true };
    };
    const iterator: AsyncIterableIterator<TurnEvent> = {
      next: () => {
        if (ended) return Promise.resolve(end());
        const buffered = this.takeBuffered();
        if (buffered !== undefined) return Promise.resolve({ value: buffered, done: false });
        return this.nextEvent().then(
          (event) => (event === undefined ? end() : { value: event, done: false }),
          async (error: unknown) => {
            end();
            if (!keepsTurn(error)) await this.abandon();
            throw error;
          },
        );
      },
      return: async () => {
        if (!ended) {
          end();
          await this.abandon();
        }
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** The next buffered event without waiting, or undefined (empty, or a read is already pending). */
  takeBuffered(): TurnEvent | undefined {
    const queue = this.#core.events;
    if (this.#pendingRead || !queue) return undefined;
    const event = queue.takeSync();
    if (event !== undefined) this.#cursor++;
    return event;
  }

  /** Throws `CodexTurnFailedError` for a failed turn. */
  throwIfFailed(): void {
    const turn = this.#completedTurn;
    if (turn?.status === "failed") throw turnFailedError(this.threadId, turn);
  }

  /**
   * Asks the server to interrupt a running turn and releases the stream at once. The interrupt is
   * not awaited: a consumer that breaks out of a loop must not hang on a server that never answers.
   */
  async abandon(): Promise<void> {
    if (!this.finished) this.#interruptInBackground();
    this.releaseOnce();
  }

  /**
   * Sends `turn/interrupt` without waiting for it. A refusal because the turn is no longer running
   * (it ended meanwhile) is the outcome asked for; any other failure goes to `interruptFailed`.
   * With `endedHere` the SDK itself is ending the turn (the model-retry bound), so the turn being
   * finished here does not mean the server's turn stopped: the failure is reported all the same.
   */
  #interruptInBackground(options: { endedHere?: boolean } = {}): void {
    this.#interrupt().catch((error: unknown) => {
      if ((this.finished && !options.endedHere) || isTurnNotRunning(error)) return;
      this.#interruptFailed?.(error);
    });
  }

  /** Called once the reader is done with the stream (drained, broken out of, cancelled). */
  releaseOnce(): void {
    if (this.#released) return;
    this.#released = true;
    this.#retry.stop(); // a stream given up on (break, cancel) hears no more of its turn
    this.#release();
  }

  #requireQueue(): BoundedQueue<TurnEvent> {
    const queue = this.#core.events;
    if (!queue) throw new CodexError("This turn stream was created without an event buffer.");
    return queue;
  }

  #waitWithIdleTimeout<T>(idleMs: number | undefined, work: () => Promise<T>): Promise<T> {
    const promise = work();
    if (this.#pendingDisconnect) {
      const error = this.#pendingDisconnect;
      this.#pendingDisconnect = undefined;
      return Promise.reject(error);
    }
    if (this.finished) return promise;
    const idle = idleMs !== undefined && idleMs > 0;
    // Each wait (a resumed continuation too) gets a full window: a reader that comes back after a
    // timeout waits idleMs again instead of failing at once on the silence it already reported.
    const startedAt = Date.now();
    return new Promise<T>((resolve, reject) => {
      let stopWatch = () => {};
      const onDisconnect = (error: CodexTurnDisconnectedError) => {
        cleanup();
        reject(error);
      };
      const cleanup = () => {
        stopWatch();
        this.#disconnectRejecters.delete(onDisconnect);
      };
      this.#disconnectRejecters.add(onDisconnect);
      if (idle) {
        stopWatch = watchIdle(
          idleMs as number,
          () => Math.max(this.#core.lastProgressAt, startedAt),
          () => {
            if (this.finished) return;
            const silence = Date.now() - this.#core.lastProgressAt;
            cleanup();
            reject(
              new CodexTurnInactiveError(
                `Turn ${this.turnId} produced no event for ${silence} ms (inactivityTimeoutMs ${idleMs}). ` +
                  "It is still running: pass error.continuation to resume reading it, or to cancel() it.",
                this.continuation(),
                silence,
                idleMs as number,
              ),
            );
          },
          // While an approval waits for its answer, the turn is not idle.
          () => this.#waitingApprovals > 0,
        );
      }
      promise.then(
        (v) => {
          cleanup();
          resolve(v);
        },
        (e: unknown) => {
          cleanup();
          reject(e);
        },
      );
    });
  }
}
