// What accepting a command approval does to the sandbox, on the real app-server: for each approval
// policy and sandbox, whether the handler is asked, what `escalated` says, and whether the accepted
// `touch ../<name>.txt` wrote next to the workspace (outside the sandbox), checked on disk.
// docs/approvals.md's table quotes these tests.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CommandApprovalRequest, type ApprovalRequest } from "../../src/approvals/requests.js";
import type { ApprovalPolicy, SandboxMode, SandboxPolicy } from "../../src/conversation/config.js";
import type { ThreadItem } from "../../src/protocol/generated/v2/ThreadItem.js";
import { model, startTestClient, type TestClient } from "../../src/testing/index.js";
import "../support/deprecation-guard.js";

const granular = (sandboxApproval: boolean): ApprovalPolicy => ({
  granular: {
    sandbox_approval: sandboxApproval,
    rules: true,
    skill_approval: true,
    request_permissions: true,
    mcp_elicitations: true,
  },
});

interface Outcome {
  asked: CommandApprovalRequest[];
  /** The file the command tried to create next to the workspace exists. */
  outside: boolean;
  item: (ThreadItem & { type: "commandExecution" }) | undefined;
}

describe("what accepting a command does to the sandbox (codex 0.169)", () => {
  let t: TestClient;
  let root: string;
  let n = 0;

  before(async () => {
    // Granular policies need the experimental API; the rest behave the same with it.
    t = await startTestClient({ experimentalApi: true });
    root = path.dirname(t.workspace);
    // A `prompt` rule for one command line: it asks even where nothing else would.
    mkdirSync(path.join(t.home.codexHome, "rules"));
    writeFileSync(
      path.join(t.home.codexHome, "rules", "default.rules"),
      'prefix_rule(pattern=["touch", "../ruled.txt"], decision="prompt")\n',
    );
  });
  after(() => t?.dispose());

  /** Runs `touch ../<file>` (or `command`) in a new thread, accepting whatever is asked. */
  async function run(
    approvalPolicy: ApprovalPolicy,
    sandbox: SandboxMode,
    options: {
      escalate?: boolean;
      /** Ask to escalate without giving a justification. */
      escalateSilently?: boolean;
      file?: string;
      turnOverrides?: { approvalPolicy?: ApprovalPolicy; sandboxPolicy?: SandboxPolicy };
    } = {},
  ): Promise<Outcome> {
    const file = options.file ?? `outside-${++n}.txt`;
    const target = path.join(root, file);
    rmSync(target, { force: true });
    t.modelServer.reset();
    const command = `touch ../${file}`;
    t.modelServer.enqueue(
      options.escalateSilently
        ? model.functionCall("exec_command", { cmd: command, sandbox_permissions: "require_escalated" })
        : model.exec(
            command,
            options.escalate ? { escalate: { justification: "needs to write outside" } } : {},
          ),
      model.say("done"),
    );
    const asked: ApprovalRequest[] = [];
    const thread = await t.client.startThread({ cwd: t.workspace, approvalPolicy, sandbox });
    thread.setApprovalHandler((req) => {
      asked.push(req);
      return "accept";
    });
    const result = await thread.chatOnce("touch it", {
      signal: AbortSignal.timeout(60_000),
      ...(options.turnOverrides ? { turnOverrides: options.turnOverrides } : {}),
    });
    assert.equal(result.status, "completed");
    assert.equal(t.modelServer.remaining, 0, "the model was called again after the command");
    for (const req of asked) assert.ok(req instanceof CommandApprovalRequest);
    const item = result.items.find((i) => i.type === "commandExecution") as Outcome["item"];
    const outside = existsSync(target);
    return { asked: asked as CommandApprovalRequest[], outside, item };
  }

  for (const sandbox of ["read-only", "workspace-write"] as const) {
    describe(`sandbox ${sandbox}`, () => {
      it("on-request, an escalation: asked, escalated true, and accepted it writes outside", async () => {
        const o = await run("on-request", sandbox, { escalate: true });
        assert.equal(o.asked.length, 1);
        assert.equal(o.asked[0]?.escalated, true);
        assert.equal(o.asked[0]?.reason, "needs to write outside");
        assert.equal(o.outside, true);
      });

      it("on-request, an escalation without a justification: no reason, but the SDK knows the policy: true", async () => {
        const o = await run("on-request", sandbox, { escalateSilently: true });
        assert.equal(o.asked.length, 1);
        assert.equal(o.asked[0]?.reason, null);
        assert.equal(o.asked[0]?.escalated, true);
        assert.equal(o.outside, true);
      });

      it("on-request, no escalation: not asked, and the sandbox blocks the write", async () => {
        const o = await run("on-request", sandbox);
        assert.equal(o.asked.length, 0);
        assert.equal(o.outside, false);
        assert.notEqual(o.item?.exitCode, 0);
      });

      it("on-request, a prompt rule: asked with escalated null; accepted, it stays sandboxed", async () => {
        const o = await run("on-request", sandbox, { file: "ruled.txt" });
        assert.equal(o.asked.length, 1);
        assert.match(o.asked[0]?.reason ?? "", /requires approval by policy/);
        assert.equal(o.asked[0]?.proposedExecpolicyAmendment, null);
        assert.equal(o.asked[0]?.escalated, null);
        assert.equal(o.outside, false);
      });

      it("on-request, a prompt rule and an escalation: the same request, but accepted it writes outside", async () => {
        const o = await run("on-request", sandbox, { file: "ruled.txt", escalate: true });
        assert.equal(o.asked.length, 1);
        assert.match(o.asked[0]?.reason ?? "", /requires approval by policy/);
        assert.equal(o.asked[0]?.proposedExecpolicyAmendment, null);
        assert.equal(o.asked[0]?.escalated, null, "the SDK cannot tell this one from the one above");
        assert.equal(o.outside, true);
      });

      it("untrusted, an escalation: asked, escalated true, and accepted it writes outside", async () => {
        const o = await run("untrusted", sandbox, { escalate: true });
        assert.equal(o.asked.length, 1);
        assert.equal(o.asked[0]?.escalated, true);
        assert.equal(o.outside, true);
      });

      it("untrusted, no escalation: asked with no reason and escalated null; the disk matches the exit code", async () => {
        // The server runs it sandboxed, and may run it again outside the sandbox without asking
        // when it judges the sandbox blocked it: both happened on this machine, run to run.
        const o = await run("untrusted", sandbox);
        assert.equal(o.asked.length, 1);
        assert.equal(o.asked[0]?.reason, null);
        assert.ok(o.asked[0]?.proposedExecpolicyAmendment);
        assert.equal(o.asked[0]?.escalated, null);
        assert.equal(o.outside, o.item?.exitCode === 0);
      });

      it("never: nothing is asked, an escalation is refused and nothing is written outside", async () => {
        const escalated = await run("never", sandbox, { escalate: true });
        assert.equal(escalated.asked.length, 0);
        assert.equal(escalated.outside, false);
        const plain = await run("never", sandbox);
        assert.equal(plain.asked.length, 0);
        assert.equal(plain.outside, false);
      });

      it("granular with sandbox_approval: an escalation is asked (true) and writes outside", async () => {
        const o = await run(granular(true), sandbox, { escalate: true });
        assert.equal(o.asked.length, 1);
        assert.equal(o.asked[0]?.escalated, true);
        assert.equal(o.outside, true);
      });

      it("granular with sandbox_approval, no escalation: runs sandboxed; a retry prompt, if any, is true and writes outside", async () => {
        // The server runs it sandboxed unasked. When it judges the sandbox blocked it (run to run,
        // it did or did not here), it asks again to retry without the sandbox.
        const o = await run(granular(true), sandbox);
        assert.ok(o.asked.length <= 1);
        if (o.asked.length === 1) {
          assert.equal(o.asked[0]?.reason, "command failed; retry without sandbox?");
          assert.equal(o.asked[0]?.escalated, true);
          assert.equal(o.outside, true);
        } else {
          assert.equal(o.outside, false);
          assert.notEqual(o.item?.exitCode, 0);
        }
      });

      it("granular without sandbox_approval: an escalation is refused unasked, nothing written", async () => {
        const o = await run(granular(false), sandbox, { escalate: true });
        assert.equal(o.asked.length, 0);
        assert.equal(o.outside, false);
        const output = t.modelServer.modelRequests.at(-1)?.toolOutputs[0]?.output ?? "";
        assert.match(output, /cannot ask for escalated permissions/);
      });
    });
  }

  describe("sandbox danger-full-access", () => {
    it("on-request: an escalation is not even asked, and the command writes outside", async () => {
      const o = await run("on-request", "danger-full-access", { escalate: true });
      assert.equal(o.asked.length, 0);
      assert.equal(o.outside, true);
    });

    it("untrusted: asked, escalated true (there is no sandbox), and accepted it writes outside", async () => {
      const o = await run("untrusted", "danger-full-access");
      assert.equal(o.asked.length, 1);
      assert.equal(o.asked[0]?.escalated, true);
      assert.equal(o.outside, true);
      assert.equal(o.item?.exitCode, 0);
    });

    it("set by a turn's overrides on a read-only thread: the SDK follows them (true), and it writes outside", async () => {
      const o = await run("on-request", "read-only", {
        turnOverrides: { approvalPolicy: "untrusted", sandboxPolicy: { type: "dangerFullAccess" } },
      });
      assert.equal(o.asked.length, 1);
      assert.equal(o.asked[0]?.escalated, true);
      assert.equal(o.outside, true);
    });
  });
});
