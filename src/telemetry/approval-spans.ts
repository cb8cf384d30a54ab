// The attributes of a `codex.approval {kind}` span, from the record of how the request ended.
import type { Attributes } from "@opentelemetry/api";
import type { ApprovalSettledRecord } from "../approvals/requests.js";

/** The attributes, and the decision's name (`accept`, `decline`, `acceptWithExecpolicyAmendment`…). */
export function approvalAttributes(
  record: ApprovalSettledRecord,
  captureContent: boolean,
): { attributes: Attributes; decision: string } {
  const request = record.request;
  const decision = decisionName(record.decision);
  const attributes: Attributes = {
    "codex.approval.key": record.key,
    "codex.approval.kind": request.type,
    "codex.approval.decision": decision,
    "codex.approval.outcome": record.outcome,
    "gen_ai.conversation.id": request.threadId,
    "codex.turn.id": request.turnId,
    "gen_ai.tool.call.id": request.itemId,
  };
  if (record.decidedBy) attributes["codex.approval.decided_by"] = record.decidedBy;
  if (record.by !== undefined) attributes["codex.approval.by"] = record.by;
  if (record.rule !== undefined) attributes["codex.approval.rule"] = record.rule;
  if (record.error) attributes["error.type"] = record.error.name;
  if (captureContent) {
    if (request.reason) attributes["codex.approval.reason"] = request.reason;
    if (request.type === "commandExecution" && request.command)
      attributes["gen_ai.tool.call.arguments"] = request.command;
  }
  return { attributes, decision };
}

function decisionName(decision: ApprovalSettledRecord["decision"]): string {
  if (decision === undefined) return "none";
  if (typeof decision === "string") return decision;
  const json: unknown = "toJSON" in decision ? decision.toJSON() : decision;
  if (typeof json === "string") return json;
  return json && typeof json === "object" ? (Object.keys(json)[0] ?? "unknown") : "unknown";
}
