// Whether accepting a command approval lets the command leave the sandbox, read from what the
// server sends and what the SDK saw of the thread's settings. codex 0.169 does not say it in so
// many words; docs/approvals.md has the table of what its tests observed, and why some shapes of
// request cannot be told apart.
import type { CommandExecutionRequestApprovalParams } from "../protocol/generated/v2/CommandExecutionRequestApprovalParams.js";
import type { ThreadSandboxContext } from "./thread-sandbox.js";

/**
 * `true` when accepting runs the command outside the sandbox, `false` when it stays inside, `null`
 * when neither the request nor the thread's known settings say.
 *
 * `true`, each checked on codex 0.169:
 * - the request carries both a `reason` and a `proposedExecpolicyAmendment`: the agent asked to
 *   leave the sandbox (`sandbox_permissions: "require_escalated"`) and said why, or the server asks
 *   to retry a sandbox-blocked command without the sandbox ("command failed; retry without
 *   sandbox?"); the accepted command then runs unsandboxed, under `on-request`, `untrusted` and
 *   `granular`;
 * - the thread's sandbox is `dangerFullAccess`: there is no sandbox;
 * - the thread's policy is `on-request` or `granular` and the request proposes an amendment: with a
 *   sandbox, those policies only ask with an amendment when the agent asks to escalate.
 *
 * Every other shape stays `null`, because the same request was seen with both outcomes:
 * - a command a `prompt` rule matched (a reason, no amendment): accepted, it stayed sandboxed
 *   when the agent had not asked to escalate, and ran outside when it had;
 * - an `untrusted` command without a reason: the server runs it sandboxed, then may run it again
 *   outside the sandbox without asking, when it judges the sandbox blocked it (seen both ways);
 * - `additionalPermissions`, `networkApprovalContext`, and the `humanCommand` / `writeStdin` kinds,
 *   which the SDK's tests could not produce offline.
 * No request was found whose accepted command always stays sandboxed, so `false` is not returned
 * for codex 0.169.
 */
export function commandEscalation(
  params: CommandExecutionRequestApprovalParams,
  thread?: ThreadSandboxContext,
): boolean | null {
  if ((params.kind ?? "command") !== "command") return null;
  if (params.additionalPermissions != null || params.networkApprovalContext != null) return null;
  const amendment = params.proposedExecpolicyAmendment;
  const proposes = Array.isArray(amendment) && amendment.length > 0;
  if (proposes && typeof params.reason === "string" && params.reason !== "") return true;
  if (thread?.sandbox?.type === "dangerFullAccess") return true;
  const policy = thread?.approvalPolicy;
  const asksOnlyToEscalate =
    policy === "on-request" || (typeof policy === "object" && policy !== null && "granular" in policy);
  if (proposes && asksOnlyToEscalate && thread?.sandbox !== undefined) return true;
  return null;
}
