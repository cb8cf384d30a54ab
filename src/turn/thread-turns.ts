// One thread's turns: the state of each turn being read, by turn id, and the events held while a
// `turn/start` on the thread waits for its response. The thread's runtime (src/runtime/) owns one.
import { CodexError, CodexOverflowError, CodexTransportError } from "../errors/index.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import { TurnState, type TurnEvent, type TurnStateOptions } from "./turn-state.js";

/** Most events that may arrive for one thread before its `turn/start` response. */
const PENDING_START_BUFFER = 10_000;

/** Turn ids remembered per pending start as having lost events; past it, every turn is suspect. */
const DROPPED_TURN_IDS = 64;

/** A `turn/start` in flight: the events of the thread that arrived before its response. */
export interface PendingStart {
  readonly events: TurnEvent[];
  /**
   * The turns whose events did not fit the buffer (or "any", when too many turns did): the stream
   * of such a turn fails, nothing is lost silently. Other turns' lost events do not fail it.
   */
  dropped: Set<string> | "any" | undefined;
}

interface TurnParams {
  turnId?: unknown;
  turn?: { id?: unknown } | null;
}

/** The turn a notification belongs to (`turnId`, or `turn.id`), if it names one. */
export function turnIdOf(params: object): string | undefined {
  const p = params as TurnParams;
  if (typeof p.turnId === "string") return p.turnId;
  const id = p.turn?.id;
  return typeof id === "string" ? id : undefined;
}

/** The options of a turn's state that its thread's turns fill in themselves. */
export type TurnOptions = Omit<TurnStateOptions, "release" | "threadId">;

/**
 * The turns of one thread: routes each of its notifications to its turn's state, so turns never
 * see each other's events, and holds the events that arrive between sending `turn/start` and
 * reading its response (when the turn id is not known yet), to replay them once it is.
 */
export class ThreadTurns {
  readonly threadId: string;
  readonly #streams = new Map<string, TurnState>();
  /** The stream found last: events come in runs of one turn, so it is checked before the map. */
  #last: TurnState | undefined;
  readonly #pending = new Set<PendingStart>();
  /** Told when the thread has no turn left to read and no start in flight. */
  readonly #emptied: () => void;

  constructor(threadId: string, emptied: () => void) {
    this.threadId = threadId;
    this.#emptied = emptied;
  }

  /** No turn is read and no `turn/start` is in flight. */
  get empty(): boolean {
    return this.#streams.size === 0 && this.#pending.size === 0;
  }

  /** Marks that a `turn/start` is in flight; call `bind` or `cancelPending` after. */
  expect(): PendingStart {
    const entry: PendingStart = { events: [], dropped: undefined };
    this.#pending.add(entry);
    return entry;
  }

  cancelPending(entry: PendingStart): void {
    if (this.#pending.delete(entry) && this.empty) this.#emptied();
  }

  /** Creates the state of a started turn and replays the events held for it. */
  bind(entry: PendingStart, options: TurnOptions): TurnState {
    this.#pending.delete(entry);
    // Refused when a turn being read has that id: the start is gone, and that turn keeps the thread.
    const stream = this.register(options, entry.events);
    if (entry.dropped === "any" || entry.dropped?.has(options.turnId)) {
      stream.fail(
        new CodexOverflowError(
          `Turn ${options.turnId}: more than ${PENDING_START_BUFFER} events arrived before its turn/start response; they could not all be kept.`,
          PENDING_START_BUFFER,
        ),
      );
    }
    return stream;
  }

  /** Registers the state of a turn whose id is already known (a resumed turn, say). */
  register(options: TurnOptions, replay: readonly TurnEvent[] = []): TurnState {
    const turnId = options.turnId;
    if (this.#streams.has(turnId)) {
      throw new CodexError(`Turn ${turnId} on thread ${this.threadId} already has a reader.`);
    }
    const stream = new TurnState({
      ...options,
      threadId: this.threadId,
      release: () => {
        if (this.#last === stream) this.#last = undefined;
        if (this.#streams.get(turnId) === stream && this.#streams.delete(turnId) && this.empty)
          this.#emptied();
      },
    });
    this.#streams.set(turnId, stream);
    for (const event of replay) if (turnIdOf(event.params) === turnId) stream.push(event);
    return stream;
  }

  /** The state of a turn being read, if any. */
  get(turnId: string): TurnState | undefined {
    return this.#streams.get(turnId);
  }

  /** The ids of the turns being read that have not ended. */
  running(): string[] {
    const ids: string[] = [];
    for (const stream of this.#streams.values()) if (!stream.finished) ids.push(stream.turnId);
    return ids;
  }

  /** One notification of turn `turnId`: to its state, or held for a `turn/start` in flight. */
  receive(turnId: string, method: string, params: object, message: unknown): void {
    const last = this.#last;
    const stream =
      last !== undefined && last.turnId === turnId ? last : (this.#last = this.#streams.get(turnId));
    if (stream) return stream.receive(method, params, message as TurnEvent | undefined);
    // Events of turns nobody reads are not copied anywhere (they still reach client.on listeners).
    if (this.#pending.size === 0) return;
    const event = (message ?? { method, params }) as TurnEvent;
    for (const entry of this.#pending) {
      if (entry.events.length < PENDING_START_BUFFER) entry.events.push(event);
      else if (entry.dropped !== "any") {
        entry.dropped ??= new Set();
        entry.dropped.add(turnId);
        if (entry.dropped.size > DROPPED_TURN_IDS) entry.dropped = "any";
      }
    }
  }

  /**
   * After a reconnect: each running turn learns what became of it, from `turns` (what the resumed
   * thread reports) or the error resuming the thread failed with.
   * - a turn the server finished (completed, failed, interrupted) is completed with that state;
   * - a turn still running fails its current read with `CodexTurnDisconnectedError` (continuation);
   * - a turn the server no longer knows is completed as interrupted;
   * - a thread that could not be resumed fails its turns.
   */
  reconcile(turns: readonly Turn[] | Error | undefined, cause: Error): void {
    for (const stream of [...this.#streams.values()]) {
      if (stream.finished) continue;
      if (turns instanceof Error || turns === undefined) {
        stream.fail(
          new CodexTransportError(
            `Turn ${stream.turnId}: after reconnecting, thread ${this.threadId} could not be resumed.`,
            { cause: turns ?? cause },
          ),
        );
        continue;
      }
      const turn = turns.find((t) => t.id === stream.turnId);
      if (turn?.status === "inProgress") {
        stream.disconnected(cause);
        continue;
      }
      const ended: Turn =
        turn ??
        ({
          id: stream.turnId,
          items: [],
          status: "interrupted",
          error: {
            message: "The connection to the app-server dropped and the server no longer knows this turn.",
            codexErrorInfo: null,
            additionalDetails: null,
          },
        } as unknown as Turn);
      stream.push({
        method: "turn/completed",
        params: { threadId: this.threadId, turn: ended },
      } as TurnEvent);
    }
  }

  /** The connection closed: every turn fails with `reason`, and starts in flight are forgotten. */
  closed(reason: CodexTransportError): void {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    this.#pending.clear();
    this.#last = undefined;
    for (const stream of streams) stream.fail(reason);
  }
}
