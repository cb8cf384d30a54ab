import { turnFailedError } from "./turn-errors.js";
import type { TurnContinuation } from "../errors/index.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TurnEvent, TurnResult, TurnState } from "./turn-state.js";

export type { TurnEvent, TurnResult, TurnStreamMode } from "./turn-state.js";

/**
 * The live view of one running turn: typed events (deltas included) as an async iterable, plus
 * `done()` / `finalText()`. Routing guarantees that only this turn's events arrive here.
 *
 * Buffering is bounded: a consumer that falls more than `bufferSize` events behind gets a
 * `CodexOverflowError` (never silent loss). `break` out of the loop interrupts the turn if it is
 * still running. Each approval request of the turn arrives too, in order, as
 * `{ method: "approval/requested", params: request }`; yielding it does not answer it (pass
 * `approvalHandler: "hold"` to `streamTurn` to answer the turn's requests from the loop).
 * While the server cannot reach its model, its retry notices arrive as `error` events with
 * `willRetry: true`; after `modelRetryTimeoutMs` of them with no progress, the SDK interrupts the
 * turn and the loop throws `CodexModelUnavailableError`.
 *
 * @example
 * ```ts
 * const turn = await thread.streamTurn("Fix the failing test");
 * for await (const event of turn) {
 *   if (event.method === "item/agentMessage/delta") process.stdout.write(event.params.delta);
 * }
 * console.log((await turn.done()).status);
 * ```
 */
export class TurnStream implements AsyncIterable<TurnEvent> {
  readonly #state: TurnState;

  /** @internal Created by the SDK (`streamTurn`); not constructed by users. */
  constructor(state: TurnState) {
    this.#state = state;
  }

  get threadId(): string {
    return this.#state.threadId;
  }

  get turnId(): string {
    return this.#state.turnId;
  }

  /** `inProgress` until `turn/completed` arrives, then the turn's final status. */
  get status(): Turn["status"] {
    return this.#state.result().status;
  }

  /** Resolves when the turn completes (any status); rejects if the connection fails first. */
  done(): Promise<TurnResult> {
    return this.#state.done();
  }

  /** The final assistant text, once the turn completed. */
  finalText(): Promise<string> {
    return this.#state.finalText();
  }

  /** Sends `turn/interrupt` (if still running) and waits for the turn to end. */
  interrupt(): Promise<TurnResult> {
    return this.#state.interrupt();
  }

  /** Where this turn can be picked up again: pass it to `chatOnce`/`chat` or `cancel()`. */
  continuation(): TurnContinuation {
    return this.#state.continuation();
  }

  /**
   * The agent's text as it streams: the `delta` of each `item/agentMessage/delta` of this turn, in
   * order, and nothing else. Named after the Vercel AI SDK's `streamText().textStream` and read
   * the same way (`for await (const text of …)`), with three differences: it is an async iterator,
   * not a `ReadableStream`; a turn may hold several agent messages (before and after tool calls),
   * whose deltas follow one another with no separator; and a broken connection throws from the
   * loop rather than going to an `onError` callback.
   *
   * It reads the same events as iterating the stream itself, so it behaves the same: it ends when
   * the turn ends; `break` interrupts a still-running turn and releases the stream; a dropped
   * connection or an overflow throws as the event loop would. A turn that ends `failed` throws
   * `CodexTurnFailedError` once its text is read, as `chatOnce` does, so text alone never hides a
   * failure; one that ends `interrupted` ends the loop quietly, and `await turn.done()` gives its
   * `status`. Read either the text or the events of one turn, not both: they share one queue.
   *
   * @example
   * ```ts
   * const turn = await thread.streamTurn("Summarise the README");
   * for await (const text of turn.textStream()) process.stdout.write(text); // throws if the turn failed
   * const { status } = await turn.done();
   * if (status === "interrupted") console.error("\n(interrupted)");
   * ```
   */
  textStream(): AsyncIterableIterator<string> {
    return agentText(this.#state.events());
  }

  /**
   * Events as they arrive. `break` interrupts a still-running turn and releases the stream.
   * Iterate it once: a second loop shares the same events.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<TurnEvent> {
    return this.#state.events();
  }
}

// An async generator: leaving its loop (break, return, throw) closes the event iterator, which
// interrupts and releases the turn exactly as breaking out of the events would.
// A failed turn throws at the end: a reader of text alone would otherwise see a short answer and
// never learn that the turn failed.
async function* agentText(events: AsyncIterableIterator<TurnEvent>): AsyncGenerator<string, void, undefined> {
  for await (const event of events) {
    if (event.method === "item/agentMessage/delta") yield event.params.delta;
    else if (event.method === "turn/completed" && event.params.turn.status === "failed")
      throw turnFailedError(event.params.threadId, event.params.turn);
  }
}
