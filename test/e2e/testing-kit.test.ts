// The testing kit on the real app-server: the agent's own test runs are not swallowed by ours, a
// policy config.toml cannot hold goes per thread, and "restart the app" is one call.
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { model, startTestClient } from "../../src/testing/index.js";
import "../support/deprecation-guard.js";

describe("the testing kit on the real app-server", () => {
  it("inside node --test, the agent's own `node --test` of a failing file really runs and fails", async () => {
    assert.ok(process.env.NODE_TEST_CONTEXT, "precondition: this file runs under node --test");
    await using t = await startTestClient({ sandbox: "workspace-write", approvalPolicy: "never" });
    writeFileSync(
      path.join(t.workspace, "fails.test.mjs"),
      'import { test } from "node:test";\ntest("agent-side failure", () => { throw new Error("boom"); });\n',
    );
    t.modelServer.enqueue(
      model.exec(
        'node --test fails.test.mjs > result.txt 2>&1; echo "$?" > code.txt; env | sed "s/=.*//" > env-names.txt',
      ),
      model.say("ran"),
    );
    const result = await t.client.chatOnce("run the tests", {
      threadConfig: { cwd: t.workspace, sandbox: "workspace-write", approvalPolicy: "never" },
    });
    assert.equal(result.finalText, "ran");
    const read = (name: string) => readFileSync(path.join(t.workspace, name), "utf8");
    assert.equal(read("code.txt").trim(), "1", "the failing test file fails");
    // Under the agent's sandbox node names the failing file rather than the test inside it.
    assert.match(read("result.txt"), /not ok 1 - .*fails\.test\.mjs/);
    assert.match(read("result.txt"), /^# fail 1$/m);
    const names = read("env-names.txt").split("\n");
    assert.ok(names.includes("CODEX_HOME"), "the file lists the command's environment");
    assert.ok(!names.includes("NODE_TEST_CONTEXT"));
  });

  it('approvalPolicy "untrusted" goes per thread: the kit home starts, and a plain command is asked about', async () => {
    await using t = await startTestClient({
      script: [model.exec("touch made.txt"), model.say("made")],
    });
    const asked: string[] = [];
    t.client.setApprovalHandler((request) => {
      asked.push(request.type);
      return "accept";
    });
    const thread = await t.client.startThread({ cwd: t.workspace, approvalPolicy: "untrusted" });
    const result = await thread.chatOnce("make a file");
    assert.equal(result.finalText, "made");
    // Whether the accepted command then runs inside the sandbox is the approvals' business; here
    // it is enough that the thread took the policy config.toml cannot hold.
    assert.deepEqual(asked, ["commandExecution"], "asked without asking to leave the sandbox");
  });

  it("restarts the app on the same home and model server, resumes the thread, and cleans up only its own", async () => {
    const first = await startTestClient({ script: [model.say("noted")] });
    try {
      const thread = await first.client.startThread({ cwd: first.workspace });
      await thread.chatOnce("my colour is blue");
      await first.client.close(); // the app stops; its home and model server stay

      const second = await startTestClient({ home: first.home, script: [model.say("blue")] });
      try {
        assert.equal(second.modelServer, first.modelServer);
        assert.equal(second.workspace, first.workspace);
        const resumed = await second.client.resumeThread(thread.threadId);
        assert.equal((await resumed.chatOnce("what is my colour?")).finalText, "blue");
        const last = second.modelServer.modelRequests.at(-1);
        assert.deepEqual(
          last?.userMessages,
          ["my colour is blue", "what is my colour?"],
          "the new app-server sent the model the earlier turn too",
        );
      } finally {
        await second.dispose();
      }
      assert.ok(existsSync(first.home.codexHome), "the second client left the home it was given");

      // The model server still runs too: a third start on the same home needs it for its config.
      await using third = await startTestClient({ home: first.home });
      const { data } = await third.client.listThreads({});
      assert.ok(data.some((t) => t.id === thread.threadId));
    } finally {
      await first.dispose();
    }
    assert.ok(!existsSync(first.home.codexHome), "the first client removed what it created");
  });
});
