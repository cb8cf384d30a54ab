import type { TurnContinuation } from "../errors/index.js";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";
import type { ThreadSettingsUpdateParams } from "../protocol/generated/v2/ThreadSettingsUpdateParams.js";
import type { ThreadTokenUsage } from "../protocol/generated/v2/ThreadTokenUsage.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TurnEvent } from "../turn/turn-stream.js";
import type { ConversationStep } from "../turn/steps.js";
import type { ApprovalHandlerSetting } from "../approvals/requests.js";
import type { ApprovalPolicy, SandboxPolicy, ThreadConfig, TurnOverrides } from "./config.js";

/** Options of `chatOnce` and `chat`. */
export interface ChatOnceOptions {
  /** Run the turn on this existing thread. Without it, a new thread is started with `threadConfig`. */
  threadId?: string | undefined;
  /** Settings of the new thread (only without `threadId`). */
  threadConfig?: ThreadConfig | undefined;
  /** Settings of this turn. */
  turnOverrides?: TurnOverrides | undefined;
  /** Raise `CodexTurnInactiveError` when the turn sends no event for this long. Default: the client's. */
  inactivityTimeoutMs?: number | undefined;
  /** Resume a turn that timed out for inactivity. Excludes input, threadId, threadConfig, turnOverrides. */
  continuation?: TurnContinuation | undefined;
  /** Aborting interrupts the turn; the call then ends with status `interrupted`. */
  signal?: AbortSignal | undefined;
  /**
   * Answers this turn's approval requests, before the thread's and the client's handler: a
   * handler, or `"hold"` to leave them to a person (`respondApproval(key, …)`).
   */
  approvalHandler?: ApprovalHandlerSetting | undefined;
  /** Declines this turn's approval requests left unanswered this long. Default: the thread's, else the client's. */
  approvalTimeoutMs?: number | undefined;
}

/** The outcome of `chatOnce`. */
export interface ChatResult {
  threadId: string;
  turnId: string;
  /** Text of the last completed assistant message. */
  finalText: string;
  /** Every completed item of the turn, in order. */
  items: ThreadItem[];
  /** The last token usage the server reported for the turn. */
  usage: ThreadTokenUsage | null;
  status: Turn["status"];
  /** Id of the assistant message `finalText` came from. */
  assistantItemId: string | null;
  /** `"items"`: from live `item/completed` events; `"thread/read"`: fetched afterwards. */
  completionSource: "items" | "thread/read";
}

/** Options of `streamTurn`. */
export interface StreamTurnOptions {
  turnOverrides?: TurnOverrides | undefined;
  /** Aborting sends `turn/interrupt`; the stream then ends with status `interrupted`. */
  signal?: AbortSignal | undefined;
  /** Events buffered for a slow consumer before `CodexOverflowError`. Default: the client's `turnBufferSize`. */
  bufferSize?: number | undefined;
  /**
   * Answers this turn's approval requests, before the thread's and the client's handler: a
   * handler, or `"hold"` to leave them to a person (`respondApproval(key, …)`).
   */
  approvalHandler?: ApprovalHandlerSetting | undefined;
  /** Declines this turn's approval requests left unanswered this long. Default: the thread's, else the client's. */
  approvalTimeoutMs?: number | undefined;
}

/** What `cancel(continuation)` returns. */
export interface CancelResult {
  /** Completed steps the caller had not read. */
  steps: ConversationStep[];
  /** Every event the caller had not read. */
  rawEvents: TurnEvent[];
  /** The turn had already completed before the cancel. */
  wasCompleted: boolean;
  /** The turn ended as `interrupted`. */
  wasInterrupted: boolean;
}

/** Settings accepted by `setThreadDefaults` (`thread/settings/update`). */
export type ThreadSettings = Omit<
  ThreadSettingsUpdateParams,
  "threadId" | "approvalPolicy" | "sandboxPolicy"
> & {
  approvalPolicy?: ApprovalPolicy | null;
  sandboxPolicy?: SandboxPolicy | null;
};
