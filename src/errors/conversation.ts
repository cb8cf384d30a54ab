// Errors of the conversation layer that carry more than the base tree: a thread the server does
// not have, and a final message that does not match the requested output schema.
import { CodexError, CodexProtocolError, nameErrorClass } from "./index.js";

/**
 * The server has no thread with this id: no stored thread for `thread/resume`, or none loaded for
 * `turn/start` and its kin. Also raised for an id that is not a thread id at all. `chatOnce`,
 * `chat` and `streamTurn` resume a stored thread by themselves, so from them this means the id
 * is wrong: check it, or start a new thread with `startThread()`.
 */
export class CodexThreadNotFoundError extends CodexProtocolError {
  override name = "CodexThreadNotFoundError";
  /** The thread id the server did not find. */
  readonly threadId: string;
  constructor(
    message: string,
    threadId: string,
    options: { code?: number | undefined; data?: unknown; method?: string | undefined; cause?: unknown },
  ) {
    super(message, options);
    this.threadId = threadId;
  }
}

/** One reason a structured output did not match its schema. */
export interface OutputIssue {
  message: string;
  /** Where in the value, e.g. `["items", 0, "name"]`; empty for the value itself. */
  path: readonly (string | number)[];
}

/**
 * `chatOnce(input, { outputSchema })`: the final assistant message is not JSON, or does not match
 * the schema. The turn itself completed; `rawText` is the message as the model wrote it.
 */
export class CodexOutputValidationError extends CodexError {
  override name = "CodexOutputValidationError";
  readonly threadId: string;
  readonly turnId: string;
  /** What did not match (one issue with an empty path when the text is not JSON). */
  readonly issues: readonly OutputIssue[];
  /** The final assistant message, unparsed. */
  readonly rawText: string;
  constructor(
    message: string,
    details: { threadId: string; turnId: string; issues: readonly OutputIssue[]; rawText: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.threadId = details.threadId;
    this.turnId = details.turnId;
    this.issues = details.issues;
    this.rawText = details.rawText;
  }
}

nameErrorClass(CodexThreadNotFoundError, "CodexThreadNotFoundError");
nameErrorClass(CodexOutputValidationError, "CodexOutputValidationError");
