// The completed steps of one turn, for `chat()` and goals: a hand-written iterator over the turn's
// state (a buffered step costs one resolved promise, which matters at 100k steps per turn).
import type { ConversationStep } from "./steps.js";
import { toStep } from "./steps.js";
import { keepsTurn } from "./turn-errors.js";
import type { TurnEvent, TurnState } from "./turn-state.js";

/**
 * Completed steps (one per `item/completed`), for `chat()`. Hand-written like the event iterator:
 * a buffered step costs one resolved promise. An inactivity timeout keeps the turn running and
 * registered, so its continuation works; any other early end interrupts and releases it.
 * `signal` interrupts the turn while the steps are read. A `next()` made while another waits
 * for an event is served after it, as an async generator would.
 */
export function turnSteps(
  state: TurnState,
  inactivityTimeoutMs?: number,
  signal?: AbortSignal,
): AsyncIterableIterator<ConversationStep> {
  let ended = false;
  let waiting: Promise<IteratorResult<ConversationStep>> | undefined;
  const detach = state.interruptOnAbort(signal);
  const done = (): IteratorResult<ConversationStep> => {
    ended = true;
    detach();
    return { value: undefined, done: true };
  };
  const stepOf = (event: TurnEvent): IteratorResult<ConversationStep> | undefined =>
    event.method === "item/completed"
      ? { value: toStep(state.threadId, state.turnId, event.params.item), done: false }
      : undefined;
  const finish = (): IteratorResult<ConversationStep> => {
    done();
    state.throwIfFailed();
    return { value: undefined, done: true };
  };
  const fail = async (error: unknown): Promise<never> => {
    done();
    if (!keepsTurn(error)) await state.abandon();
    throw error;
  };
  const slowNext = async (): Promise<IteratorResult<ConversationStep>> => {
    for (;;) {
      const event = state.takeBuffered() ?? (await state.nextEvent(inactivityTimeoutMs));
      if (event === undefined) return finish();
      const step = stepOf(event);
      if (step) return step;
    }
  };
  /** The buffered step, or the read that waits for the next one. */
  const serve = (): IteratorResult<ConversationStep> | Promise<IteratorResult<ConversationStep>> => {
    if (ended) return { value: undefined, done: true };
    try {
      for (let event = state.takeBuffered(); event !== undefined; event = state.takeBuffered()) {
        const step = stepOf(event);
        if (step) return step;
      }
    } catch (error) {
      return fail(error); // an item it cannot read: the turn is interrupted and released
    }
    return slowNext().catch(fail);
  };
  /** `read` is the last call in flight until it settles: later calls queue behind it. */
  const track = (read: Promise<IteratorResult<ConversationStep>>) => {
    waiting = read;
    const settled = () => {
      if (waiting === read) waiting = undefined;
    };
    read.then(settled, settled);
    return read;
  };
  const iterator: AsyncIterableIterator<ConversationStep> = {
    next: () => {
      if (waiting) return track(waiting.then(serve, serve));
      const result = serve();
      return result instanceof Promise ? track(result) : Promise.resolve(result);
    },
    return: async () => {
      if (!ended) {
        done();
        await state.abandon();
      }
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
