// What `escalated` says for each shape of command approval the server sends. The shapes are the
// ones codex 0.169 sent in test/e2e/approvals-sandbox.test.ts, which also checks the disk.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commandEscalation } from "../../src/approvals/escalation.js";
import { CommandApprovalRequest, FileChangeApprovalRequest } from "../../src/approvals/requests.js";
import type { CommandExecutionRequestApprovalParams } from "../../src/protocol/generated/v2/CommandExecutionRequestApprovalParams.js";

const base: CommandExecutionRequestApprovalParams = {
  kind: "command",
  threadId: "T",
  turnId: "U",
  itemId: "call_1",
  startedAtMs: 1,
  environmentId: "local",
  command: "/bin/bash -lc 'touch ../outside.txt'",
  cwd: "/w",
  commandActions: [{ type: "unknown", command: "touch ../outside.txt" }],
};
const amendment = ["touch", "../outside.txt"];
const offers = (prefix: string[]) => [
  "accept" as const,
  { acceptWithExecpolicyAmendment: { execpolicy_amendment: prefix } },
  "cancel" as const,
];
const params = (over: Partial<CommandExecutionRequestApprovalParams>) => ({ ...base, ...over });
const signal = new AbortController().signal;

describe("commandEscalation", () => {
  it("an escalation (the agent's reason and a proposed amendment) is true", () => {
    const p = params({
      reason: "needs outside",
      proposedExecpolicyAmendment: amendment,
      availableDecisions: offers(amendment),
    });
    assert.equal(commandEscalation(p), true);
  });

  it("an untrusted command without a reason is null: the server may still re-run it outside", () => {
    const p = params({ proposedExecpolicyAmendment: amendment, availableDecisions: offers(amendment) });
    assert.equal(commandEscalation(p), null);
  });

  it("a prompt rule's request (a reason, no amendment) is null: both outcomes were seen", () => {
    const p = params({
      reason: "`/bin/bash -lc 'touch ../outside.txt'` requires approval by policy",
      availableDecisions: ["accept", "cancel"],
    });
    assert.equal(commandEscalation(p), null);
  });

  it("an empty reason or an empty amendment does not count", () => {
    assert.equal(commandEscalation(params({ reason: "", proposedExecpolicyAmendment: amendment })), null);
    assert.equal(commandEscalation(params({ reason: "why", proposedExecpolicyAmendment: [] })), null);
    assert.equal(commandEscalation(params({ reason: "why", proposedExecpolicyAmendment: null })), null);
  });

  it("extra permissions, a network prompt and non-command kinds are null", () => {
    const escalation = { reason: "why", proposedExecpolicyAmendment: amendment };
    const cases: Partial<CommandExecutionRequestApprovalParams>[] = [
      { ...escalation, additionalPermissions: { network: { enabled: true }, fileSystem: null } },
      { ...escalation, networkApprovalContext: { host: "example.com", protocol: "https" } },
      { ...escalation, kind: "humanCommand" },
      { ...escalation, kind: "writeStdin" },
    ];
    for (const over of cases) assert.equal(commandEscalation(params(over)), null, JSON.stringify(over));
  });
});

describe("escalated on the request objects", () => {
  it("a command request carries it, in the object and in toJSON()", () => {
    const yes = new CommandApprovalRequest(
      0,
      params({ reason: "needs outside", proposedExecpolicyAmendment: amendment }),
      signal,
    );
    assert.equal(yes.escalated, true);
    assert.equal(yes.toJSON().escalated, true);
    assert.equal(JSON.parse(JSON.stringify(yes)).escalated, true);
    const unknown = new CommandApprovalRequest(1, params({ proposedExecpolicyAmendment: amendment }), signal);
    assert.equal(unknown.escalated, null);
    assert.equal(unknown.toJSON().escalated, null);
  });

  it("a file change's JSON has escalated: null", () => {
    const fc = new FileChangeApprovalRequest(
      2,
      { threadId: "T", turnId: "U", itemId: "p", startedAtMs: 1, reason: null, grantRoot: null },
      [],
      signal,
    );
    assert.equal(fc.toJSON().escalated, null);
  });
});
