// The errors a turn's readers decide on: which keep the turn registered, a failed turn's, and the
// server's answer that a turn it was asked to interrupt is not running.
import { CodexThreadNotFoundError } from "../errors/conversation.js";
import {
  CodexProtocolError,
  CodexTurnDisconnectedError,
  CodexTurnFailedError,
  CodexTurnInactiveError,
} from "../errors/index.js";
import { RpcErrorCode } from "../rpc/messages.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";

/** Errors after which the turn goes on and stays registered, so its continuation works. */
export function keepsTurn(error: unknown): boolean {
  return error instanceof CodexTurnInactiveError || error instanceof CodexTurnDisconnectedError;
}

/**
 * True for the server's refusal of `turn/interrupt` because the turn is not running there, and
 * only for that: -32600 "no active turn to interrupt" (codex 0.169 answers so for a finished turn
 * and for a turn id it does not know), or a thread this server has not loaded ("thread not found",
 * a `CodexThreadNotFoundError`). Any other failure (overloaded, timed out, closed) says nothing
 * about the turn.
 */
export function isTurnNotRunning(error: unknown): boolean {
  if (error instanceof CodexThreadNotFoundError) return true;
  return (
    error instanceof CodexProtocolError &&
    error.code === RpcErrorCode.InvalidRequest &&
    /\bno active turn to interrupt\b/.test(error.message)
  );
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
