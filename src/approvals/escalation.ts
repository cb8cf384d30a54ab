// Whether accepting a command approval lets the command leave the sandbox, read from what the
// server sends. codex 0.169 does not say it in so many words; docs/approvals.md has the table of
// what its tests observed, and why some shapes of request cannot be told apart.
import type { CommandExecutionRequestApprovalParams } from "../protocol/generated/v2/CommandExecutionRequestApprovalParams.js";

/**
 * `true` when accepting runs the command outside the sandbox, `false` when it stays inside, `null`
 * when the request does not say.
 *
 * Only one shape is certain on codex 0.169: a command request that carries both the agent's
 * `reason` and a `proposedExecpolicyAmendment`. That is the agent asking to leave the sandbox
 * (`sandbox_permissions: "require_escalated"` with its justification), and the server then runs
 * the accepted command unsandboxed, under `on-request`, `untrusted` and `granular` alike.
 *
 * Every other shape stays `null`, because the same params were seen with both outcomes:
 * - a command a `prompt` rule matched (a reason, no amendment): accepted, it stayed sandboxed
 *   when the agent had not asked to escalate, and ran outside when it had;
 * - an `untrusted` command without a reason: the server runs it sandboxed, then may run it again
 *   outside the sandbox without asking, when it judges the sandbox blocked it (seen both ways);
 * - `additionalPermissions`, `networkApprovalContext`, and the `humanCommand` / `writeStdin` kinds,
 *   which the SDK's tests could not produce offline.
 * No request shape was found whose accepted command always stays sandboxed, so `false` is never
 * returned for codex 0.169; it is kept for servers that say so.
 */
export function commandEscalation(params: CommandExecutionRequestApprovalParams): boolean | null {
  if ((params.kind ?? "command") !== "command") return null;
  if (params.additionalPermissions != null || params.networkApprovalContext != null) return null;
  const amendment = params.proposedExecpolicyAmendment;
  const reason = params.reason;
  if (Array.isArray(amendment) && amendment.length > 0 && typeof reason === "string" && reason !== "")
    return true;
  return null;
}
