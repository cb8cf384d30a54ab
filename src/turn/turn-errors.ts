// The two errors a turn's readers decide on: which keep the turn registered, and a failed turn's.
import { CodexTurnDisconnectedError, CodexTurnFailedError, CodexTurnInactiveError } from "../errors/index.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";

/** Errors after which the turn goes on and stays registered, so its continuation works. */
export function keepsTurn(error: unknown): boolean {
  return error instanceof CodexTurnInactiveError || error instanceof CodexTurnDisconnectedError;
}

/** Builds the error for a failed turn from the server's `turn.error`. */
export function turnFailedError(threadId: string, turn: Turn): CodexTurnFailedError {
  const message = turn.error?.message ?? "the turn failed without an error message";
  return new CodexTurnFailedError(`Turn ${turn.id} failed: ${message}`, {
    threadId,
    turnId: turn.id,
    codexErrorInfo: turn.error?.codexErrorInfo ?? null,
    additionalDetails: turn.error?.additionalDetails ?? null,
  });
}
