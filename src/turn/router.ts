import { CodexError, CodexOverflowError, CodexTransportError } from "../errors/index.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TurnEventPort } from "../rpc/port.js";
import { TurnState, type TurnEvent, type TurnStateOptions } from "./turn-state.js";

/** Most events that may arrive for one thread before its `turn/start` response. */
const PENDING_START_BUFFER = 10_000;

/** Turn ids remembered per pending start as having lost events; past it, every turn is suspect. */
const DROPPED_TURN_IDS = 64;

interface PendingStart {
  threadId: string;
  events: TurnEvent[];
  /**
   * The turns whose events did not fit the buffer (or "any", when too many turns did): the stream
   * of such a turn fails, nothing is lost silently. Other turns' lost events do not fail it.
   */
  dropped: Set<string> | "any" | undefined;
}

const key = (threadId: string, turnId: string) => `${threadId}\u0000${turnId}`;

interface TurnParams {
  threadId?: unknown;
  turnId?: unknown;
  turn?: { id?: unknown } | null;
}

/** The turn a notification belongs to (`turnId`, or `turn.id`), if it names a thread and a turn. */
function turnIdOf(params: unknown): string | undefined {
  if (typeof params !== "object" || params === null) return undefined;
  const p = params as TurnParams;
  if (typeof p.threadId !== "string") return undefined;
  if (typeof p.turnId === "string") return p.turnId;
  const id = p.turn?.id;
  return typeof id === "string" ? id : undefined;
}

/**
 * Routes per-turn notifications to their turn's state by thread id and turn id, so turns on
 * many threads over one connection never see each other's events. Events that arrive between
 * sending `turn/start` and reading its response (when the turn id is not known yet) are held per
 * thread and replayed into the stream once the id is known.
 */
export class TurnRouter {
  private readonly streams = new Map<string, TurnState>();
  /** The stream found last: events come in runs of one turn, so it is checked before the map. */
  private last: TurnState | undefined;
  private readonly pending = new Map<string, Set<PendingStart>>();
  private readonly off: () => void;
  private readonly offClose: () => void;
  /** Who a turn's end concerns besides its stream, in order (set once by the client's wiring). */
  private turnEnded: readonly ((threadId: string, turnId: string, params: unknown) => void)[] = [];

  constructor(connection: TurnEventPort) {
    this.off = connection.setNotificationSink((method, params, message) =>
      this.route(method, params, message),
    );
    this.offClose = connection.onClose((error) => this.failAll(error));
  }

  /**
   * `turn/completed` is read once, here: after the turn's stream (if it has one), each of `steps`
   * hears it in order (the approvals end the turn's requests and routes, then a goal run follows
   * its chain). Set once.
   */
  afterTurnEnded(steps: readonly ((threadId: string, turnId: string, params: unknown) => void)[]): void {
    this.turnEnded = steps;
  }

  /** Number of registered turn streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Marks that a `turn/start` is in flight on `threadId`; call `bind` or `cancelPending` after. */
  expectTurn(threadId: string): PendingStart {
    const entry: PendingStart = { threadId, events: [], dropped: undefined };
    let set = this.pending.get(threadId);
    if (!set) {
      set = new Set();
      this.pending.set(threadId, set);
    }
    set.add(entry);
    return entry;
  }

  cancelPending(entry: PendingStart): void {
    const set = this.pending.get(entry.threadId);
    set?.delete(entry);
    if (set?.size === 0) this.pending.delete(entry.threadId);
  }

  /** Creates the stream of a started turn and replays the events held for it. */
  bind(entry: PendingStart, options: Omit<TurnStateOptions, "release">): TurnState {
    this.cancelPending(entry);
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

  /** Registers a stream for a turn whose id is already known (e.g. a resumed turn). */
  register(options: Omit<TurnStateOptions, "release">, replay: TurnEvent[] = []): TurnState {
    const k = key(options.threadId, options.turnId);
    if (this.streams.has(k)) {
      throw new CodexError(`Turn ${options.turnId} on thread ${options.threadId} already has a reader.`);
    }
    const stream = new TurnState({
      ...options,
      release: () => {
        if (this.streams.get(k) === stream) this.streams.delete(k);
        if (this.last === stream) this.last = undefined;
      },
    });
    this.streams.set(k, stream);
    for (const event of replay) if (turnIdOf(event.params) === options.turnId) stream.push(event);
    return stream;
  }

  /** The registered stream of a turn, if any. */
  get(threadId: string, turnId: string): TurnState | undefined {
    return this.streams.get(key(threadId, turnId));
  }

  /** The turns being read now. */
  activeTurns(): { threadId: string; turnId: string }[] {
    const turns: { threadId: string; turnId: string }[] = [];
    for (const stream of this.streams.values())
      if (!stream.finished) turns.push({ threadId: stream.threadId, turnId: stream.turnId });
    return turns;
  }

  /**
   * After a reconnect: each running stream learns what became of its turn. `turnsByThread` holds,
   * per thread, the turns the resumed thread reports, or the error resuming it failed with.
   * - a turn the server finished (completed, failed, interrupted) is completed with that state;
   * - a turn still running fails its current read with `CodexTurnDisconnectedError` (continuation);
   * - a turn the server no longer knows is completed as interrupted;
   * - a thread that could not be resumed fails its streams.
   */
  reconcile(turnsByThread: Map<string, Turn[] | Error>, cause: Error): void {
    for (const stream of [...this.streams.values()]) {
      if (stream.finished) continue;
      const turns = turnsByThread.get(stream.threadId);
      if (turns instanceof Error || turns === undefined) {
        stream.fail(
          new CodexTransportError(
            `Turn ${stream.turnId}: after reconnecting, thread ${stream.threadId} could not be resumed.`,
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
        params: { threadId: stream.threadId, turn: ended },
      } as TurnEvent);
    }
  }

  dispose(): void {
    this.off();
    this.offClose();
  }

  private route(method: string, params: unknown, message: unknown): void {
    const turnId = turnIdOf(params);
    if (turnId === undefined) return;
    const threadId = (params as TurnParams).threadId as string;
    const last = this.last;
    const stream =
      last !== undefined && last.turnId === turnId && last.threadId === threadId
        ? last
        : (this.last = this.streams.get(key(threadId, turnId)));
    if (stream) stream.receive(method, params, message as TurnEvent | undefined);
    if (method === "turn/completed") for (const step of this.turnEnded) step(threadId, turnId, params);
    if (stream) return;
    // Events of turns nobody reads are not copied anywhere (they still reach client.on listeners).
    const waiting = this.pending.get(threadId);
    if (waiting) {
      const event = (message ?? { method, params }) as TurnEvent;
      for (const entry of waiting) {
        if (entry.events.length < PENDING_START_BUFFER) entry.events.push(event);
        else if (entry.dropped !== "any") {
          entry.dropped ??= new Set();
          entry.dropped.add(turnId);
          if (entry.dropped.size > DROPPED_TURN_IDS) entry.dropped = "any";
        }
      }
    }
  }

  private failAll(error?: CodexTransportError): void {
    const reason = error ?? new CodexTransportError("The client was closed while the turn was running.");
    for (const stream of this.streams.values()) stream.fail(reason);
    this.streams.clear();
    this.last = undefined;
    this.pending.clear();
  }
}
