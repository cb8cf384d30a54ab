// The types of one turn that its readers see: its events, its outcome, how it is read.
import type { ApprovalRequestedEvent } from "../approvals/requests.js";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";
import type { ThreadTokenUsage } from "../protocol/generated/v2/ThreadTokenUsage.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { ServerNotification } from "../protocol/index.js";

/**
 * A notification that belongs to one turn (deltas, items, turn/started, turn/completed, …), or
 * `{ method: "approval/requested", params: request }` for each approval request of the turn, in
 * order with the notifications. Yielding one does not answer it: see `ApprovalRequestedEvent`.
 */
export type TurnEvent = ServerNotification | ApprovalRequestedEvent;

/** The outcome of a turn. */
export interface TurnResult {
  threadId: string;
  turnId: string;
  status: Turn["status"];
  /** Text of the last completed assistant message ("" if none). */
  finalText: string;
  /** Id of that assistant message item, or null. */
  assistantItemId: string | null;
  /** The last token usage reported for this turn, or null. */
  usage: ThreadTokenUsage | null;
  /** The server's `turn.error` for failed or interrupted turns. */
  error: Turn["error"];
  /** The completed items, when the stream was asked to collect them (chatOnce), else []: the most recent `keepItems`. */
  items: ThreadItem[];
  /** Completed items left out of `items` because more than `keepItems` arrived. */
  itemsDropped: number;
}

/** Default `keepItems` of `chatOnce`: completed items kept for its result. */
export const DEFAULT_KEEP_ITEMS = 10_000;

/** How the consumer reads a turn. */
export type TurnStreamMode = "once" | "stream";
