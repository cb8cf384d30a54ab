// cancel(continuation) for a turn this client does not track: one from another client, another
// process, or a turn that ended long ago. Best-effort interrupt, then wait (bounded) for its end.
import { CodexTimeoutError, type TurnContinuation } from "../errors/index.js";
import { sleep } from "../internal/timers.js";
import type { ServerPort } from "../rpc/port.js";
import { toStep } from "../turn/steps.js";
import { isTurnNotRunning } from "../turn/turn-errors.js";
import type { TurnEvent } from "../turn/turn-stream.js";
import type { CancelResult } from "./chat-types.js";
import { findTurn } from "./history.js";

/** Longest pause between two reads of the turn while waiting for it to end. */
const MAX_POLL_MS = 500;

/**
 * Sends `turn/interrupt` (the server's answer that the turn is not running there counts as "it had
 * ended"; any other failure, an overloaded server included, is thrown), then
 * waits for the turn to end: a `turn/completed` this connection receives wakes the wait, and
 * `thread/turns/list` (which also reads threads the server has not loaded) says how it ended, with its
 * items. Every item of the turn is returned as a step: this client delivered none of them.
 * Times out with `CodexTimeoutError` after `timeoutMs`.
 */
export async function cancelUntrackedTurn(
  rpc: ServerPort,
  continuation: TurnContinuation,
  options: { timeoutMs: number; bufferSize: number },
): Promise<CancelResult> {
  const { threadId, turnId } = continuation;
  const rawEvents: TurnEvent[] = [];
  let wake = new AbortController();
  const off = rpc.onAnyNotification((params, method) => {
    const p = params as { threadId?: unknown; turnId?: unknown; turn?: { id?: unknown } } | undefined;
    if (p?.threadId !== threadId || (p.turnId ?? p.turn?.id) !== turnId) return;
    if (rawEvents.length < options.bufferSize) rawEvents.push({ method, params } as TurnEvent);
    if (method === "turn/completed") wake.abort();
  });
  // Every request of the wait shares its deadline: a server that does not answer cannot hold
  // cancel() past `timeoutMs` (each request used to wait its own default 120 s).
  const deadline = Date.now() + options.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  try {
    let wasRunning = true;
    try {
      await rpc.request("turn/interrupt", { threadId, turnId }, { timeoutMs: left() });
    } catch (error) {
      if (!isTurnNotRunning(error)) throw error;
      wasRunning = false;
    }
    for (let pause = 25; ; pause = Math.min(pause * 2, MAX_POLL_MS)) {
      const turn = await findTurn(rpc, threadId, turnId, "cancel", deadline);
      if (turn.status !== "inProgress") {
        return {
          threadId,
          turnId,
          status: turn.status,
          steps: turn.items.map((item) => toStep(threadId, turnId, item)),
          rawEvents,
          wasCompleted: !wasRunning,
          wasInterrupted: turn.status === "interrupted",
          tracked: false,
        };
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new CodexTimeoutError(
          `cancel: turn ${turnId} of thread ${threadId} was still running ${options.timeoutMs} ms after turn/interrupt` +
            (wasRunning ? "." : " (the server answering this client does not run it: another process may)."),
          options.timeoutMs,
        );
      }
      // A turn/completed for the turn ends the pause early (a pre-aborted signal rejects at once).
      await sleep(Math.min(pause, remaining), [wake.signal], () => undefined).catch(() => undefined);
      if (wake.signal.aborted) wake = new AbortController();
    }
  } finally {
    off();
  }
}
