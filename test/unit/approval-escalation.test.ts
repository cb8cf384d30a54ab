// What `escalated` says for each shape of command approval the server sends. The shapes are the
// ones codex 0.169 sent in test/e2e/approvals-sandbox.test.ts, which also checks the disk.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { commandEscalation } from "../../src/approvals/escalation.js";
import { CommandApprovalRequest, FileChangeApprovalRequest } from "../../src/approvals/requests.js";
import { ThreadSandboxes } from "../../src/approvals/thread-sandbox.js";
import type { TypedRequester } from "../../src/rpc/typed-request.js";
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

  it("the server's retry prompt after a sandbox denial (granular) is true: accepted, the retry runs unsandboxed", () => {
    const p = params({
      reason: "command failed; retry without sandbox?",
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

describe("commandEscalation with the thread's settings", () => {
  const readOnly = { type: "readOnly", networkAccess: false } as const;
  const noReason = params({ proposedExecpolicyAmendment: amendment, availableDecisions: offers(amendment) });

  it("no sandbox (dangerFullAccess) is true, whatever the request", () => {
    const thread = { approvalPolicy: "untrusted" as const, sandbox: { type: "dangerFullAccess" as const } };
    assert.equal(commandEscalation(noReason, thread), true);
    assert.equal(commandEscalation(params({ reason: "by policy" }), thread), true);
  });

  it("on-request or granular with a sandbox: an amendment without a reason is an escalation", () => {
    assert.equal(commandEscalation(noReason, { approvalPolicy: "on-request", sandbox: readOnly }), true);
    const granular = {
      granular: {
        sandbox_approval: true,
        rules: true,
        skill_approval: true,
        request_permissions: true,
        mcp_elicitations: true,
      },
    };
    assert.equal(commandEscalation(noReason, { approvalPolicy: granular, sandbox: readOnly }), true);
  });

  it("untrusted, an unknown sandbox, or no amendment stays null", () => {
    assert.equal(commandEscalation(noReason, { approvalPolicy: "untrusted", sandbox: readOnly }), null);
    assert.equal(commandEscalation(noReason, { approvalPolicy: "on-request", sandbox: undefined }), null);
    const rule = params({ reason: "requires approval by policy" });
    assert.equal(commandEscalation(rule, { approvalPolicy: "on-request", sandbox: readOnly }), null);
  });
});

/** A connection stand-in: the notifications and disconnects a test fires by hand. */
function fakeConnection() {
  const listeners = new Map<string, (params: unknown) => void>();
  let disconnected = () => {};
  return {
    connection: {
      onNotification: (method: string, listener: (params: unknown) => void) => {
        listeners.set(method, listener);
        return Object.assign(() => {}, { [Symbol.dispose]: () => {} });
      },
      onDisconnect: (listener: () => void) => {
        disconnected = listener;
        return Object.assign(() => {}, { [Symbol.dispose]: () => {} });
      },
    },
    notify: (method: string, params: unknown) => listeners.get(method)?.(params),
    disconnect: () => disconnected(),
  };
}

describe("ThreadSandboxes: each thread's policy and sandbox as the SDK saw them", () => {
  const startReply = (id: string, approvalPolicy: unknown, sandbox: unknown) => ({
    thread: { id },
    approvalPolicy,
    sandbox,
  });

  it("follows thread/start, turn/start overrides, settings updates, closes and disconnects", async () => {
    const fake = fakeConnection();
    const sandboxes = new ThreadSandboxes(fake.connection as never);
    const replies: Record<string, unknown> = {
      "thread/start": startReply("A", "on-request", { type: "readOnly", networkAccess: false }),
      "turn/start": { turn: { id: "U" } },
    };
    const rpc = sandboxes.follow({
      request: async (method: string) => replies[method],
    } as unknown as TypedRequester);
    await rpc.request("thread/start", { cwd: "/w" });
    assert.deepEqual(sandboxes.get("A"), {
      approvalPolicy: "on-request",
      sandbox: { type: "readOnly", networkAccess: false },
    });
    // A turn's overrides stay for the thread's later turns.
    await rpc.request("turn/start", {
      threadId: "A",
      input: [],
      approvalPolicy: "untrusted",
      sandboxPolicy: { type: "dangerFullAccess" },
    });
    assert.deepEqual(sandboxes.get("A"), {
      approvalPolicy: "untrusted",
      sandbox: { type: "dangerFullAccess" },
    });
    // A permission profile makes the sandbox unknown; the policy stays.
    await rpc.request("turn/start", { threadId: "A", input: [], permissions: { type: "profile" } } as never);
    assert.deepEqual(sandboxes.get("A"), { approvalPolicy: "untrusted", sandbox: undefined });
    fake.notify("thread/settings/updated", {
      threadId: "A",
      threadSettings: { approvalPolicy: "never", sandboxPolicy: { type: "dangerFullAccess" } },
    });
    assert.deepEqual(sandboxes.get("A"), { approvalPolicy: "never", sandbox: { type: "dangerFullAccess" } });
    fake.notify("thread/closed", { threadId: "A" });
    assert.equal(sandboxes.get("A"), undefined);
    await rpc.request("thread/start", {});
    fake.disconnect();
    assert.equal(sandboxes.get("A"), undefined);
  });

  it("a failed request changes nothing, and a turn on an unknown thread is not guessed", async () => {
    const sandboxes = new ThreadSandboxes(fakeConnection().connection as never);
    const rpc = sandboxes.follow({
      request: async () => {
        throw new Error("refused");
      },
    } as unknown as TypedRequester);
    await assert.rejects(rpc.request("thread/start", {}), /refused/);
    sandboxes.sent("turn/start", { threadId: "B", approvalPolicy: "never" }, {});
    assert.equal(sandboxes.get("B"), undefined);
    sandboxes.sent("thread/start", {}, { thread: {} });
    sandboxes.sent("thread/start", {}, null);
  });

  it("remembers at most its limit of threads, forgetting the oldest", () => {
    const sandboxes = new ThreadSandboxes(fakeConnection().connection as never, 2);
    for (const id of ["A", "B", "C"]) sandboxes.sent("thread/resume", {}, startReply(id, "never", undefined));
    assert.equal(sandboxes.get("A"), undefined);
    assert.deepEqual(sandboxes.get("C"), { approvalPolicy: "never", sandbox: undefined });
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
    const onRequest = new CommandApprovalRequest(
      2,
      params({ proposedExecpolicyAmendment: amendment }),
      signal,
      {
        thread: { approvalPolicy: "on-request", sandbox: { type: "readOnly", networkAccess: false } },
      },
    );
    assert.equal(onRequest.escalated, true);
    assert.equal(onRequest.toJSON().escalated, true);
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
