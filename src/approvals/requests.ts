import type { RequestId } from "../rpc/messages.js";
import type { CommandAction } from "../protocol/generated/v2/CommandAction.js";
import type { CommandExecutionApprovalDecision } from "../protocol/generated/v2/CommandExecutionApprovalDecision.js";
import type { CommandExecutionApprovalKind } from "../protocol/generated/v2/CommandExecutionApprovalKind.js";
import type { CommandExecutionRequestApprovalParams } from "../protocol/generated/v2/CommandExecutionRequestApprovalParams.js";
import type { FileChangeRequestApprovalParams } from "../protocol/generated/v2/FileChangeRequestApprovalParams.js";
import type { FileUpdateChange } from "../protocol/generated/v2/FileUpdateChange.js";
import type { NetworkPolicyAmendment } from "../protocol/generated/v2/NetworkPolicyAmendment.js";
import type { AdditionalPermissionProfile } from "../protocol/generated/v2/AdditionalPermissionProfile.js";
import type { NetworkApprovalContext } from "../protocol/generated/v2/NetworkApprovalContext.js";
import { decisionVariant, describeDecision, type ApprovalDecision } from "./decisions.js";

/**
 * What an approval request's `signal` and `pending` come from: an AbortSignal, or (inside the SDK)
 * the guarded request, which makes its signal only when someone reads it.
 */
export type ApprovalSignalSource = AbortSignal | { readonly signal: AbortSignal; readonly pending: boolean };

/** Shared by both kinds of approval request. */
abstract class ApprovalRequestBase {
  /** The server's JSON-RPC id of this request (its own id space). */
  readonly requestId: RequestId;
  readonly threadId: string;
  readonly turnId: string;
  /** The item (command or file change) this approval is about. */
  readonly itemId: string;
  /** Why the agent asks, when it said (e.g. the justification of an escalation). */
  readonly reason: string | null;
  /** When the server started waiting (Unix ms). */
  readonly startedAtMs: number;
  readonly #signal: ApprovalSignalSource;

  protected constructor(requestId: RequestId, params: ApprovalParamsBase, signal: ApprovalSignalSource) {
    this.requestId = requestId;
    this.threadId = params.threadId;
    this.turnId = params.turnId;
    this.itemId = params.itemId;
    this.reason = params.reason ?? null;
    this.startedAtMs = params.startedAtMs;
    this.#signal = signal;
  }

  /**
   * Aborted when the request stops being pending: it was answered, the server resolved it
   * (`serverRequest/resolved`), its turn ended, or the client closed. A UI closes its prompt here.
   */
  get signal(): AbortSignal {
    return this.#signal instanceof AbortSignal ? this.#signal : this.#signal.signal;
  }

  /** True while an answer is still expected. */
  get pending(): boolean {
    return this.#signal instanceof AbortSignal ? !this.#signal.aborted : this.#signal.pending;
  }

  /**
   * Why `decision` cannot answer this request, or `undefined` when it can. Refusals
   * (`decline`, `cancel`) are always valid: they grant nothing.
   */
  abstract invalidReason(decision: unknown): string | undefined;
}

interface ApprovalParamsBase {
  threadId: string;
  turnId: string;
  itemId: string;
  startedAtMs: number;
  reason?: string | null | undefined;
}

/**
 * The agent asks to run a command (`item/commandExecution/requestApproval`).
 *
 * @example
 * ```ts
 * client.setApprovalHandler((req) => {
 *   if (req instanceof CommandApprovalRequest && req.command?.startsWith("git status")) return "accept";
 *   return "decline";
 * });
 * ```
 */
export class CommandApprovalRequest extends ApprovalRequestBase {
  readonly type = "commandExecution" as const;
  /** The protocol's own field, as sent: `command`, `humanCommand` or `writeStdin`. */
  readonly kind: CommandExecutionApprovalKind;
  /** Distinguishes several approvals of one item (sub-commands, stdin); null for plain commands. */
  readonly approvalId: string | null;
  /** The command line to run, as the server shows it (e.g. `/bin/bash -lc 'npm test'`). */
  readonly command: string | null;
  readonly cwd: string | null;
  /** The server's best-effort parse of the command, for display. */
  readonly commandActions: readonly CommandAction[];
  /** The command prefix the server proposes to allow from now on. */
  readonly proposedExecpolicyAmendment: readonly string[] | null;
  /** Host rules the server proposes (allow or deny). */
  readonly proposedNetworkPolicyAmendments: readonly NetworkPolicyAmendment[];
  /** The decisions the server lists for this prompt, when it lists them. */
  readonly availableDecisions: readonly CommandExecutionApprovalDecision[] | null;
  readonly environmentId: string | null;
  readonly additionalPermissions: AdditionalPermissionProfile | null;
  readonly networkApprovalContext: NetworkApprovalContext | null;
  /** The params exactly as received. */
  readonly params: CommandExecutionRequestApprovalParams;

  constructor(
    requestId: RequestId,
    params: CommandExecutionRequestApprovalParams,
    signal: ApprovalSignalSource,
  ) {
    super(requestId, params, signal);
    this.params = params;
    this.kind = params.kind ?? "command";
    this.approvalId = params.approvalId ?? null;
    this.command = params.command ?? null;
    this.cwd = params.cwd ?? null;
    this.commandActions = params.commandActions ?? [];
    this.proposedExecpolicyAmendment = params.proposedExecpolicyAmendment ?? null;
    this.proposedNetworkPolicyAmendments = params.proposedNetworkPolicyAmendments ?? [];
    this.availableDecisions = params.availableDecisions ?? null;
    this.environmentId = params.environmentId ?? null;
    this.additionalPermissions = params.additionalPermissions ?? null;
    this.networkApprovalContext = params.networkApprovalContext ?? null;
  }

  /**
   * `availableDecisions` is read as the list of decision variants the server offers. Two
   * allowances, both observed on codex 0.169, which lists `["accept", {acceptWithExecpolicyAmendment}, "cancel"]`:
   * `decline` is always valid (it grants nothing and the server honours it), and `acceptForSession`
   * is valid wherever `accept` is (the server honours it, remembering the command for the session).
   */
  invalidReason(decision: unknown): string | undefined {
    const variant = decisionVariant(decision);
    if (variant === undefined) {
      return `${describeDecision(decision)} is not an approval decision; use "accept", "acceptForSession", "decline", "cancel", CommandApprovalWithExecpolicyAmendment or CommandApprovalWithNetworkPolicyAmendment.`;
    }
    if (variant === "decline" || variant === "cancel" || this.availableDecisions === null) return undefined;
    const offered = new Set(this.availableDecisions.map((d) => decisionVariant(d)));
    if (offered.has(variant) || (variant === "acceptForSession" && offered.has("accept"))) return undefined;
    return `${describeDecision(decision)} is not among the decisions the server offers for this command (${[...offered].join(", ")}).`;
  }
}

/**
 * The agent asks to apply a patch (`item/fileChange/requestApproval`). `changes` holds the paths
 * and diffs announced by the item's `item/started`, so a UI can show what would be written.
 */
export class FileChangeApprovalRequest extends ApprovalRequestBase {
  readonly type = "fileChange" as const;
  /** A root the agent asks to write under for the rest of the session, if any. */
  readonly grantRoot: string | null;
  /** The pending changes (path, kind, unified diff); empty if the server did not announce them. */
  readonly changes: readonly FileUpdateChange[];
  readonly params: FileChangeRequestApprovalParams;

  constructor(
    requestId: RequestId,
    params: FileChangeRequestApprovalParams,
    changes: readonly FileUpdateChange[],
    signal: ApprovalSignalSource,
  ) {
    super(requestId, params, signal);
    this.params = params;
    this.grantRoot = params.grantRoot ?? null;
    this.changes = changes;
  }

  invalidReason(decision: unknown): string | undefined {
    const variant = decisionVariant(decision);
    if (
      variant === "accept" ||
      variant === "acceptForSession" ||
      variant === "decline" ||
      variant === "cancel"
    )
      return undefined;
    return `${describeDecision(decision)} is not valid for a file change: use "accept", "acceptForSession", "decline" or "cancel".`;
  }
}

/** A pending approval; `type` narrows it. */
export type ApprovalRequest = CommandApprovalRequest | FileChangeApprovalRequest;

/**
 * Decides one approval request; may be async. Throwing, or an invalid decision, declines.
 * (`R` lets TypeScript keep the literal type of an async handler's answer, e.g. `async () => "accept"`.)
 */
export type ApprovalHandler<R extends ApprovalDecision = ApprovalDecision> = (
  request: ApprovalRequest,
) => R | Promise<R>;

/** Who produced a decision. */
export type ApprovalDecider = "handler" | "stream" | "auto" | "timeout" | "rules";

/** Passed to `onApprovalDecided` listeners for every answered request. */
export interface ApprovalDecisionRecord {
  request: ApprovalRequest;
  /** The decision sent to the server. */
  decision: ApprovalDecision;
  decidedBy: ApprovalDecider;
  /** From the request's arrival to the reply, in ms. */
  latencyMs: number;
  /** Set when the SDK declined because the handler threw or answered something invalid. */
  error?: Error;
}
