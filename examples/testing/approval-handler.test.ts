// A user's test of their approval handler, written with the testing kit and node:test.
// Run: node --import tsx --test examples/testing/approval-handler.test.ts
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { approvalRules } from "codex-app-server-sdk";
import { model, startTestClient } from "codex-app-server-sdk/testing";

// The handler under test: the one your application installs.
const myHandler = approvalRules({ allowCommands: [["touch"]], fallback: "decline" });

test("my handler lets `touch` run and declines anything else", async () => {
  await using t = await startTestClient({
    script: [
      model.exec("touch allowed.txt", { escalate: { justification: "create a file" } }),
      model.exec("rm -rf data", { escalate: { justification: "clean up" } }),
      model.say("done"),
    ],
  });
  t.client.setApprovalHandler(myHandler);
  const decisions: string[] = [];
  t.client.onApprovalDecided((r) => decisions.push(`${r.decision} by ${r.decidedBy}`));

  const result = await t.client.chatOnce("create a file, then clean up", {
    threadConfig: { cwd: t.workspace },
  });

  assert.equal(result.finalText, "done");
  assert.deepEqual(decisions, ["accept by rules", "decline by rules"]);
  assert.ok(existsSync(path.join(t.workspace, "allowed.txt")));
});
