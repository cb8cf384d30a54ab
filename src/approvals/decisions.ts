import type { CommandExecutionApprovalDecision } from "../protocol/generated/v2/CommandExecutionApprovalDecision.js";
import type { FileChangeApprovalDecision } from "../protocol/generated/v2/FileChangeApprovalDecision.js";
import type { NetworkPolicyAmendment } from "../protocol/generated/v2/NetworkPolicyAmendment.js";

/** The plain decisions, valid for both command and file-change approvals. */
export type SimpleApprovalDecision = "accept" | "acceptForSession" | "decline" | "cancel";

const SIMPLE_DECISIONS: ReadonlySet<string> = new Set(["accept", "acceptForSession", "decline", "cancel"]);

/**
 * Accept a command, and allow every later command that starts with `prefix` without asking
 * (the server's execpolicy amendment). Only valid for command approvals.
 *
 * @example
 * ```ts
 * client.setApprovalHandler((req) =>
 *   req.type === "commandExecution" ? new CommandApprovalWithExecpolicyAmendment(["uv", "run"]) : "decline",
 * );
 * ```
 */
export class CommandApprovalWithExecpolicyAmendment {
  readonly prefix: readonly string[];

  constructor(prefix: readonly string[]) {
    if (
      !Array.isArray(prefix) ||
      prefix.length === 0 ||
      !prefix.every((p) => typeof p === "string" && p.length > 0)
    ) {
      throw new TypeError(
        `CommandApprovalWithExecpolicyAmendment needs a non-empty array of non-empty strings (a command prefix such as ["npm", "test"]), got ${JSON.stringify(prefix)}.`,
      );
    }
    this.prefix = Object.freeze([...prefix]);
  }

  toJSON(): CommandExecutionApprovalDecision {
    return { acceptWithExecpolicyAmendment: { execpolicy_amendment: [...this.prefix] } };
  }
}

/**
 * Apply a network policy rule (allow or deny a host) for later requests, as the server proposed in
 * `proposedNetworkPolicyAmendments`. Only valid for command approvals.
 */
export class CommandApprovalWithNetworkPolicyAmendment {
  readonly amendment: NetworkPolicyAmendment;

  constructor(amendment: NetworkPolicyAmendment) {
    if (
      typeof amendment !== "object" ||
      amendment === null ||
      typeof amendment.host !== "string" ||
      amendment.host.length === 0 ||
      (amendment.action !== "allow" && amendment.action !== "deny")
    ) {
      throw new TypeError(
        `CommandApprovalWithNetworkPolicyAmendment needs { host: string, action: "allow" | "deny" }, got ${JSON.stringify(amendment)}.`,
      );
    }
    this.amendment = Object.freeze({ host: amendment.host, action: amendment.action });
  }

  toJSON(): CommandExecutionApprovalDecision {
    return { applyNetworkPolicyAmendment: { network_policy_amendment: { ...this.amendment } } };
  }
}

/**
 * What an approval handler (or a stream-mode caller) answers. The wire forms of the schema
 * (`{ acceptWithExecpolicyAmendment: … }`, `{ applyNetworkPolicyAmendment: … }`) are accepted too.
 */
export type ApprovalDecision =
  | SimpleApprovalDecision
  | CommandApprovalWithExecpolicyAmendment
  | CommandApprovalWithNetworkPolicyAmendment
  | CommandExecutionApprovalDecision;

/**
 * A decision in its JSON form, as listed in `request.allowedDecisions` and `ApprovalRequestJSON`:
 * one of the four plain strings, or the schema's object form of an amendment.
 */
export type AllowedDecision = CommandExecutionApprovalDecision;

/**
 * True when `value` is something `respondApproval` can take as a decision: one of the four plain
 * strings, an amendment class, or the schema's object form (e.g. a body posted from a page).
 * Whether a given request accepts it is still checked when answering.
 *
 * @example
 * ```ts
 * const { key, decision } = JSON.parse(body);
 * if (typeof key === "string" && isApprovalDecision(decision)) client.respondApproval(key, decision);
 * ```
 */
export function isApprovalDecision(value: unknown): value is ApprovalDecision {
  return decisionVariant(value) !== undefined;
}

/** The decision's variant name, as the schema spells it; `undefined` when it is not a decision. */
export function decisionVariant(decision: unknown): string | undefined {
  if (typeof decision === "string") return SIMPLE_DECISIONS.has(decision) ? decision : undefined;
  if (decision instanceof CommandApprovalWithExecpolicyAmendment) return "acceptWithExecpolicyAmendment";
  if (decision instanceof CommandApprovalWithNetworkPolicyAmendment) return "applyNetworkPolicyAmendment";
  if (typeof decision !== "object" || decision === null || Array.isArray(decision)) return undefined;
  const keys = Object.keys(decision);
  if (keys.length !== 1) return undefined;
  const [name] = keys as [string];
  const body = (decision as Record<string, unknown>)[name];
  if (name === "acceptWithExecpolicyAmendment") {
    const prefix = (body as { execpolicy_amendment?: unknown } | null)?.execpolicy_amendment;
    return Array.isArray(prefix) && prefix.length > 0 && prefix.every((p) => typeof p === "string")
      ? name
      : undefined;
  }
  if (name === "applyNetworkPolicyAmendment") {
    const a = (body as { network_policy_amendment?: Partial<NetworkPolicyAmendment> } | null)
      ?.network_policy_amendment;
    return typeof a?.host === "string" && (a.action === "allow" || a.action === "deny") ? name : undefined;
  }
  return undefined;
}

/** Describes a decision for error messages. */
export function describeDecision(decision: unknown): string {
  if (decision instanceof CommandApprovalWithExecpolicyAmendment)
    return `CommandApprovalWithExecpolicyAmendment(${JSON.stringify(decision.prefix)})`;
  if (decision instanceof CommandApprovalWithNetworkPolicyAmendment)
    return `CommandApprovalWithNetworkPolicyAmendment(${JSON.stringify(decision.amendment)})`;
  try {
    return JSON.stringify(decision) ?? String(decision);
  } catch {
    return String(decision);
  }
}

/** The decision as sent on the wire for a command approval. */
export function commandDecisionToWire(decision: ApprovalDecision): CommandExecutionApprovalDecision {
  if (
    decision instanceof CommandApprovalWithExecpolicyAmendment ||
    decision instanceof CommandApprovalWithNetworkPolicyAmendment
  )
    return decision.toJSON();
  return decision as CommandExecutionApprovalDecision;
}

/** The decision as sent on the wire for a file-change approval (only the simple ones exist). */
export function fileChangeDecisionToWire(decision: ApprovalDecision): FileChangeApprovalDecision {
  return decision as FileChangeApprovalDecision;
}
