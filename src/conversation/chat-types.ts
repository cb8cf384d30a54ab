import type { TurnContinuation } from "../errors/index.js";
import type { ThreadItem } from "../protocol/generated/v2/ThreadItem.js";
import type { ThreadSettingsUpdateParams } from "../protocol/generated/v2/ThreadSettingsUpdateParams.js";
import type { ThreadTokenUsage } from "../protocol/generated/v2/ThreadTokenUsage.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TurnEvent } from "../turn/turn-stream.js";
import type { ConversationStep } from "../turn/steps.js";
import type { ApprovalHandlerSetting } from "../approvals/requests.js";
import type { ApprovalPolicy, SandboxPolicy, ThreadConfig, TurnOverrides } from "./config.js";
import type { JsonSchema, OutputOf, OutputSchema } from "./structured-output.js";

/** Options of `chatOnce` and `chat`. */
export interface ChatOnceOptions {
  /**
   * Run the turn on this existing thread. A thread this connection has not loaded (e.g. one
   * another process started) is resumed first (`thread/resume`). Without it, a new thread is
   * started with `threadConfig`.
   */
  threadId?: string | undefined;
  /**
   * Without `threadId`: the new thread's settings. With `threadId`: "resume with these settings"
   * (the `thread/resume` settings); for a thread this connection has already loaded, the fields
   * `turn/start` also takes are applied from this turn on, and the others are refused.
   */
  threadConfig?: ThreadConfig | undefined;
  /** Settings of this turn. */
  turnOverrides?: TurnOverrides | undefined;
  /**
   * Raise `CodexTurnInactiveError` when the turn sends no event for this long (the server's retry
   * notices do not count as events here). Default: the client's.
   */
  inactivityTimeoutMs?: number | undefined;
  /**
   * How long the server may keep retrying an unreachable model (its `error` notices with
   * `willRetry: true`) with no progress in between. Then the SDK interrupts the turn and rejects with
   * `CodexModelUnavailableError`. Default: the client's, else 300 000 (5 minutes). `Infinity`: no limit.
   */
  modelRetryTimeoutMs?: number | undefined;
  /** Resume a turn that timed out for inactivity. Excludes input, threadId, threadConfig, turnOverrides. */
  continuation?: TurnContinuation | undefined;
  /** Aborting interrupts the turn; the call then ends with status `interrupted`. */
  signal?: AbortSignal | undefined;
  /**
   * `chatOnce` only: completed items kept for `result.items`, the most recent ones (older ones are
   * counted in `result.itemsDropped`), so a turn with a flood of items cannot grow memory without
   * end. `Infinity` keeps them all. Default 10 000.
   */
  keepItems?: number | undefined;
  /**
   * `chatOnce` only: structured output. A JSON Schema object, or a Standard Schema validator (zod,
   * valibot, arktype, or your own `{ "~standard": { version: 1, vendor, validate } }`). Its JSON
   * Schema is sent as `turn/start`'s `outputSchema`; the final message is parsed as JSON,
   * validated, and returned as `result.output`, or rejected with `CodexOutputValidationError`.
   */
  outputSchema?: OutputSchema | undefined;
  /** The JSON Schema to send with a Standard Schema `outputSchema` that cannot give its own. */
  jsonSchema?: JsonSchema | undefined;
  /**
   * Answers this turn's approval requests, before the thread's and the client's handler: a
   * handler, or `"hold"` to leave them to a person (`respondApproval(key, …)`).
   */
  approvalHandler?: ApprovalHandlerSetting | undefined;
  /** Declines this turn's approval requests left unanswered this long. Default: the thread's, else the client's. */
  approvalTimeoutMs?: number | undefined;
}

/** Options of `chat`: those of `chatOnce` but structured output. */
export type ChatOptions = Omit<ChatOnceOptions, "outputSchema" | "jsonSchema">;

/** The outcome of `chatOnce` with `outputSchema`: the parsed, validated final message in `output`. */
export interface StructuredChatResult<T> extends ChatResult {
  output: T;
}

/** What `chatOnce(input, options)` resolves to: with `outputSchema`, a {@link StructuredChatResult}. */
export type ChatResultFor<O> = O extends { outputSchema: infer S }
  ? [S] extends [undefined]
    ? ChatResult
    : StructuredChatResult<OutputOf<S>>
  : ChatResult;

/** The outcome of `chatOnce`. */
export interface ChatResult {
  threadId: string;
  turnId: string;
  /** Text of the last completed assistant message. */
  finalText: string;
  /**
   * The completed items of the turn, in order: every one, or the most recent `keepItems`. The
   * first is usually the user's own message (`userMessage`).
   */
  items: ThreadItem[];
  /** Completed items left out of `items` because more than `keepItems` arrived (usually 0). */
  itemsDropped: number;
  /**
   * The last token usage the server reported during the turn: `total` counts the whole thread so
   * far, `last` only the turn's last model request (a turn that calls tools makes several).
   */
  usage: ThreadTokenUsage | null;
  status: Turn["status"];
  /** Id of the assistant message `finalText` came from. */
  assistantItemId: string | null;
  /**
   * `"items"`: from live `item/completed` events; `"history"`: read afterwards from the thread's
   * history (`thread/turns/list`), because no assistant message arrived live.
   */
  completionSource: "items" | "history";
}

/** Options of `streamTurn`. */
export interface StreamTurnOptions {
  /** Settings to resume the thread with when this connection has not loaded it (see `ChatOnceOptions.threadConfig`). */
  threadConfig?: ThreadConfig | undefined;
  turnOverrides?: TurnOverrides | undefined;
  /** Aborting sends `turn/interrupt`; the stream then ends with status `interrupted`. */
  signal?: AbortSignal | undefined;
  /** Events buffered for a slow consumer before `CodexOverflowError`. Default: the client's `turnBufferSize`. */
  bufferSize?: number | undefined;
  /**
   * How long the server may keep retrying an unreachable model with no progress; then the turn is
   * interrupted and the stream's iterator (and `done()`) throws `CodexModelUnavailableError`.
   * Default: the client's, else 300 000 (5 minutes). `Infinity`: no limit.
   */
  modelRetryTimeoutMs?: number | undefined;
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
  threadId: string;
  turnId: string;
  /** How the turn ended: `interrupted`, or `completed` / `failed` when it ended before the cancel. */
  status: Turn["status"];
  /** `false` for a turn this client did not track: then every item of the turn is in `steps` (read with `thread/read`). */
  tracked: boolean;
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
