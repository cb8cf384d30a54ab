// The options of the approval calls (answer, approve, read the requests), with their keys and
// value types, checked at each call.
import type { OptionSpec } from "../internal/option-check.js";

/** Options of the approval broker (`approvalTimeoutMs`, `approvalBufferSize` of the client). */
export interface ApprovalBrokerOptions {
  /**
   * How long a handler, a stream-mode caller or a person may take to answer before the SDK sends
   * `decline`. Default: no limit (the request still ends with its turn or the connection). A
   * thread's or a turn's own timeout takes precedence.
   */
  approvalTimeoutMs?: number | undefined;
  /** Default capacity of `approvalRequests()` iterators. Default 1000. */
  approvalBufferSize?: number | undefined;
}

/** Options of `approveApproval`. */
export interface ApproveOptions extends RespondOptions {
  /** Accept for the rest of the session (`acceptForSession`). */
  forSession?: boolean | undefined;
  /** Accept and allow commands starting with this prefix from now on (command approvals only). */
  execpolicyAmendment?: readonly string[] | undefined;
}

/** Options of `respondApproval`, `declineApproval` and `cancelApproval`. */
export interface RespondOptions {
  /** Who decided (a user name, an id): free-form, passed to the audit records as `by`. */
  by?: string | undefined;
}

/** Options of `approvalRequests()`. */
export interface ApprovalRequestsOptions {
  /** Capacity of this iterator's buffer. Default: the client's `approvalBufferSize` (1000). */
  bufferSize?: number | undefined;
  /** Closes the iterator. */
  signal?: AbortSignal | undefined;
  /** Only the requests of this thread. */
  threadId?: string | undefined;
  /**
   * Only watch: the iterator never takes ownership of an answer, so a loop that only logs cannot
   * stall a turn. Without it, an open iterator holds requests no handler answers until
   * `respondApproval`.
   */
  observe?: boolean | undefined;
}

/** The keys of {@link RespondOptions}. */
export const RESPOND_OPTIONS = { by: "string" } as const satisfies OptionSpec<RespondOptions>;

/** The keys of {@link ApproveOptions}. */
export const APPROVE_OPTIONS = {
  ...RESPOND_OPTIONS,
  forSession: "boolean",
  execpolicyAmendment: "array",
} as const satisfies OptionSpec<ApproveOptions>;

/** The keys of {@link ApprovalRequestsOptions}. */
export const APPROVAL_REQUESTS_OPTIONS = {
  bufferSize: "number",
  signal: "signal",
  threadId: "string",
  observe: "boolean",
} as const satisfies OptionSpec<ApprovalRequestsOptions>;

/** The keys of `pendingApprovals(options)`. */
export const PENDING_APPROVALS_OPTIONS = { threadId: "string" } as const satisfies OptionSpec<{
  threadId?: string | undefined;
}>;
