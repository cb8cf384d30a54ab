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
import type { GuardOutcome } from "../server-requests/guard.js";
import type { ServerRequestSettled } from "../rpc/server-requests.js";
import {
  decisionVariant,
  describeDecision,
  type AllowedDecision,
  type ApprovalDecision,
} from "./decisions.js";
import { withUnifiedDiffs, type FileChange } from "./diff.js";
import { commandEscalation } from "./escalation.js";
import type { ThreadSandboxContext } from "./thread-sandbox.js";

/**
 * How an approval request stopped being pending: `answered` (a handler, rules, a caller or the
 * SDK's own `decline` when nobody could answer), `timeout` (the SDK sent `decline` when the
 * approval timeout passed), `resolved` (the server resolved it with `serverRequest/resolved`),
 * `turnEnded` (its turn completed or was interrupted) or `closed` (the connection closed or dropped).
 */
export type ApprovalOutcome = GuardOutcome;

/**
 * The `signal` of an approval request. Once it aborts, `reason` is a {@link ServerRequestSettled}
 * whose `outcome` says why.
 */
export interface ApprovalSignal extends AbortSignal {
  readonly reason: ServerRequestSettled | undefined;
}

/**
 * Where a request reads whether it is still pending: an `AbortSignal`, or the SDK's own record of
 * the server request (which makes the signal only when someone reads it).
 */
export type ApprovalSignalSource =
  | AbortSignal
  | { readonly signal: AbortSignal; readonly pending: boolean; readonly outcome: GuardOutcome | undefined };

/** An `AbortSignal` (by shape: a signal from another realm or a polyfill counts), not the SDK's record. */
function isSignal(source: ApprovalSignalSource): source is AbortSignal {
  return typeof (source as Partial<AbortSignal>).aborted === "boolean";
}

/** What the SDK attaches to a request it creates (tests may build requests without it). */
export interface ApprovalRequestMeta {
  /** See {@link CommandApprovalRequest.key}. Default: `"request-<requestId>"`. */
  key?: string | undefined;
  /** Unix ms at which the approval timeout sends `decline`; null (default) when no timeout applies. */
  expiresAtMs?: number | null | undefined;
  /** The thread's approval policy and sandbox as the SDK last saw them, if it did (for `escalated`). */
  thread?: ThreadSandboxContext | undefined;
}

/**
 * The JSON form of an approval request (`request.toJSON()`, and so `JSON.stringify(request)`):
 * everything a UI needs to show it and answer it by `key`, and nothing live (no `signal`, no copy
 * of the raw `params`). Fields that do not apply to a request's `type` are `null` or `[]`.
 */
export interface ApprovalRequestJSON {
  /** Answer it with `client.respondApproval(key, decision)`. */
  key: string;
  type: "commandExecution" | "fileChange";
  /** Commands: the protocol's `command`, `humanCommand` or `writeStdin`. File changes: null. */
  kind: CommandExecutionApprovalKind | null;
  threadId: string;
  turnId: string;
  itemId: string;
  reason: string | null;
  /** Commands: the command line. File changes: null. */
  command: string | null;
  /** Commands: the working directory. File changes: null. */
  cwd: string | null;
  /** Commands: the server's parse of the command. File changes: []. */
  commandActions: CommandAction[];
  /**
   * Commands: whether accepting runs the command outside the sandbox (`true`), keeps it inside
   * (`false`), or the SDK cannot tell (`null`): see `CommandApprovalRequest.escalated`.
   * File changes: null.
   */
  escalated: boolean | null;
  /** File changes: each path, the server's raw `diff` and a `unifiedDiff`. Commands: []. */
  changes: FileChange[];
  /** The decisions this request accepts, in their JSON form (see `allowedDecisions`). */
  allowedDecisions: AllowedDecision[];
  /** When the server started waiting (Unix ms). */
  startedAtMs: number;
  /** When the approval timeout declines it (Unix ms), or null when no timeout applies. */
  expiresAtMs: number | null;
}

/** Shared by both kinds of approval request. */
export abstract class ApprovalRequestBase {
  /**
   * A string that names this request uniquely within its client for the life of the process,
   * reconnects included (unlike `requestId`, which the server restarts at 0 on every connection).
   * Answer by it with `client.respondApproval(key, decision)`; find it with `client.getApproval(key)`.
   */
  readonly key: string;
  /** The server's JSON-RPC id of this request (its own id space, restarted on every connection). */
  readonly requestId: RequestId;
  readonly threadId: string;
  readonly turnId: string;
  /** The item (command or file change) this approval is about. */
  readonly itemId: string;
  /** Why the agent asks, when it said (e.g. the justification of an escalation). */
  readonly reason: string | null;
  /** When the server started waiting (Unix ms). */
  readonly startedAtMs: number;
  /**
   * Unix ms at which the SDK sends `decline` because the approval timeout (of the turn, the
   * thread or the client) passed; null when no timeout applies.
   */
  readonly expiresAtMs: number | null;
  /**
   * Aborted when the request stops being pending: it was answered, it timed out, the server
   * resolved it (`serverRequest/resolved`), its turn ended, or the client closed.
   * `signal.reason.outcome` says which ({@link ApprovalOutcome}). A UI closes its prompt here.
   */
  get signal(): ApprovalSignal {
    const source = this.#source;
    return (isSignal(source) ? source : source.signal) as ApprovalSignal;
  }

  readonly #source: ApprovalSignalSource;

  /** @internal The SDK builds requests as they arrive; the signal source and meta are internal. */
  protected constructor(
    requestId: RequestId,
    params: ApprovalParamsBase,
    signal: ApprovalSignalSource,
    meta: ApprovalRequestMeta = {},
  ) {
    this.key = meta.key ?? `request-${String(requestId)}`;
    this.expiresAtMs = meta.expiresAtMs ?? null;
    this.requestId = requestId;
    this.threadId = params.threadId;
    this.turnId = params.turnId;
    this.itemId = params.itemId;
    this.reason = params.reason ?? null;
    this.startedAtMs = params.startedAtMs;
    this.#source = signal;
  }

  /** True while an answer is still expected. */
  get pending(): boolean {
    const source = this.#source;
    return isSignal(source) ? !source.aborted : source.pending;
  }

  /** How the request stopped being pending; `undefined` while it is pending. */
  get outcome(): ApprovalOutcome | undefined {
    const source = this.#source;
    return isSignal(source) ? (source.reason as ServerRequestSettled | undefined)?.outcome : source.outcome;
  }

  /**
   * The decisions the SDK accepts for this request, normalised so a UI can draw one button per
   * entry: `decline` is always there, `acceptForSession` wherever `accept` is, and a file change
   * lists `accept`, `acceptForSession`, `decline` and `cancel`. Entries are in their JSON form, so
   * one posted back from a page (checked with `isApprovalDecision`) can be passed to `respondApproval`.
   */
  abstract get allowedDecisions(): readonly AllowedDecision[];

  /** The JSON form: see {@link ApprovalRequestJSON}. `JSON.stringify(request)` gives exactly this. */
  abstract toJSON(): ApprovalRequestJSON;

  protected baseJSON(): Pick<
    ApprovalRequestJSON,
    "key" | "threadId" | "turnId" | "itemId" | "reason" | "startedAtMs" | "expiresAtMs"
  > {
    return {
      key: this.key,
      threadId: this.threadId,
      turnId: this.turnId,
      itemId: this.itemId,
      reason: this.reason,
      startedAtMs: this.startedAtMs,
      expiresAtMs: this.expiresAtMs,
    };
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
  /**
   * What accepting does to the sandbox: `true` when the accepted command runs outside it, `false`
   * when it stays inside, `null` when neither the request nor the thread's settings (as the SDK
   * saw them) say. `true`: the agent asked to escalate or the server asks to retry without the
   * sandbox (a `reason` and a proposed execpolicy amendment), or the thread has no sandbox
   * (`danger-full-access`), or it runs under `on-request` or `granular` and the request proposes an
   * amendment. On codex 0.169 `null` covers requests whose accepted command was seen both leaving
   * the sandbox and staying in it (e.g. under `untrusted` the server may re-run a sandbox-blocked
   * command outside the sandbox without asking again), so a UI should show `null` as "may run
   * outside the sandbox". docs/approvals.md has the table.
   */
  readonly escalated: boolean | null;
  /** The params exactly as received. */
  readonly params: CommandExecutionRequestApprovalParams;

  readonly #allowed: readonly AllowedDecision[];

  /** @internal Built by the SDK when the server asks. */
  constructor(
    requestId: RequestId,
    params: CommandExecutionRequestApprovalParams,
    signal: ApprovalSignalSource,
    meta?: ApprovalRequestMeta,
  ) {
    super(requestId, params, signal, meta);
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
    this.escalated = commandEscalation(params, meta?.thread);
    this.#allowed = Object.freeze(normaliseCommandDecisions(this.availableDecisions));
  }

  get allowedDecisions(): readonly AllowedDecision[] {
    return this.#allowed;
  }

  toJSON(): ApprovalRequestJSON {
    return {
      ...this.baseJSON(),
      type: this.type,
      kind: this.kind,
      command: this.command,
      cwd: this.cwd,
      commandActions: [...this.commandActions],
      escalated: this.escalated,
      changes: [],
      allowedDecisions: [...this.#allowed],
    };
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
  /**
   * The pending changes, as announced by the item's `item/started`: `path`, `kind`, the server's
   * raw `diff` and a real `unifiedDiff` (see {@link FileChange}). Empty if the server announced none.
   */
  get changes(): readonly FileChange[] {
    // Built on first read: a large patch costs nothing unless someone looks at it.
    return (this.#changes ??= Object.freeze(withUnifiedDiffs(this.#rawChanges)));
  }
  readonly #rawChanges: readonly FileUpdateChange[];
  #changes: readonly FileChange[] | undefined;
  readonly params: FileChangeRequestApprovalParams;

  /** @internal Built by the SDK when the server asks. */
  constructor(
    requestId: RequestId,
    params: FileChangeRequestApprovalParams,
    changes: readonly FileUpdateChange[],
    signal: ApprovalSignalSource,
    meta?: ApprovalRequestMeta,
  ) {
    super(requestId, params, signal, meta);
    this.params = params;
    this.grantRoot = params.grantRoot ?? null;
    this.#rawChanges = changes;
  }

  get allowedDecisions(): readonly AllowedDecision[] {
    return FILE_CHANGE_DECISIONS;
  }

  toJSON(): ApprovalRequestJSON {
    return {
      ...this.baseJSON(),
      type: this.type,
      kind: null,
      command: null,
      cwd: null,
      commandActions: [],
      escalated: null,
      changes: this.changes.map((c) => ({ ...c })),
      allowedDecisions: [...FILE_CHANGE_DECISIONS],
    };
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

const FILE_CHANGE_DECISIONS: readonly AllowedDecision[] = Object.freeze([
  "accept",
  "acceptForSession",
  "decline",
  "cancel",
]);

/**
 * The server's list (or every plain decision when it sent none), with `acceptForSession` right
 * after `accept` and `decline` before `cancel` when missing: the server honours both (0.169).
 */
function normaliseCommandDecisions(
  offered: readonly CommandExecutionApprovalDecision[] | null,
): AllowedDecision[] {
  if (offered === null) return ["accept", "acceptForSession", "decline", "cancel"];
  const out: AllowedDecision[] = [];
  const has = (name: string) => out.some((d) => decisionVariant(d) === name);
  for (const decision of offered) {
    const variant = decisionVariant(decision);
    if (variant === undefined || has(variant)) continue;
    if (variant === "cancel" && !has("decline")) out.push("decline");
    out.push(decision);
    if (variant === "accept" && !offered.includes("acceptForSession")) out.push("acceptForSession");
  }
  if (!has("decline")) out.push("decline");
  return out;
}

/** A pending approval; `type` narrows it. */
export type ApprovalRequest = CommandApprovalRequest | FileChangeApprovalRequest;

/**
 * Returned by a handler (or set in its place) to leave the request to a person: it stays pending,
 * with no iterator needed, until `respondApproval(key, …)`, its timeout, its turn's end or the
 * connection's close.
 */
export const HOLD = "hold";

/**
 * Decides one approval request; may be async. Throwing, or an invalid decision, declines.
 * Returning `"hold"` leaves it pending for a person, who answers it by key.
 * (`R` lets TypeScript keep the literal type of an async handler's answer, e.g. `async () => "accept"`.)
 */
export type ApprovalHandler<R extends ApprovalDecision | "hold" = ApprovalDecision | "hold"> = (
  request: ApprovalRequest,
) => R | Promise<R>;

/**
 * What decides the approvals of a client, a thread or a turn: a handler, or `"hold"` (every
 * request waits for a person to answer it by key).
 */
export type ApprovalHandlerSetting = ApprovalHandler | "hold";

/**
 * Who produced a decision: `handler` (a handler function), `rules` (`approvalRules`), `stream` (a
 * `respondApproval` call on a request an `approvalRequests()` loop held), `hold` (a
 * `respondApproval` call on a held request), `auto` (nobody could answer: declined at once),
 * `timeout` (declined when the approval timeout passed).
 */
export type ApprovalDecider = "handler" | "stream" | "hold" | "auto" | "timeout" | "rules";

/** Passed to `onApprovalDecided` listeners for every answered request. */
export interface ApprovalDecisionRecord {
  request: ApprovalRequest;
  /** The decision sent to the server. */
  decision: ApprovalDecision;
  decidedBy: ApprovalDecider;
  /** Who decided, as passed to `respondApproval(…, { by })`; absent otherwise. */
  by?: string;
  /**
   * With `decidedBy: "rules"`: the rule that decided, e.g. `"allowCommands[1]"`, `"denyNetwork"`,
   * or `"fallback"` when no rule matched (see `approvalRules`).
   */
  rule?: string;
  /** From the request's arrival to the reply, in ms. */
  latencyMs: number;
  /** Set when the SDK declined because the handler threw or answered something invalid. */
  error?: Error;
}

/**
 * Passed to `onApprovalSettled` listeners exactly once per approval request, whatever ended it.
 * `decision`, `decidedBy` (and `by` when given) are set for `answered` and `timeout`.
 */
export interface ApprovalSettledRecord {
  request: ApprovalRequest;
  key: string;
  outcome: ApprovalOutcome;
  decision?: ApprovalDecision;
  decidedBy?: ApprovalDecider;
  by?: string;
  /** With `decidedBy: "rules"`: the rule that decided (as in `ApprovalDecisionRecord`). */
  rule?: string;
  /** From the request's arrival to the end, in ms. */
  latencyMs: number;
  /** Set when the SDK declined because the handler threw or answered something invalid. */
  error?: Error;
}

/** The event a `TurnStream` yields for each approval request of its turn, in order with the others. */
export interface ApprovalRequestedEvent {
  method: "approval/requested";
  params: ApprovalRequest;
}
