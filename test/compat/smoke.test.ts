// The end-to-end smoke suite `npm run compat` runs against several codex releases. The binary
// comes from CODEX_APP_SERVER_CMD (the compat script sets it); nothing here names a version.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { createTestCodexHome, MockModelServer, model, type TestCodexHome } from "../../src/testing/index.js";

describe(`smoke against ${process.env.CODEX_APP_SERVER_CMD ?? "the pinned codex"}`, () => {
  let modelServer: MockModelServer;
  let home: TestCodexHome;
  let client: CodexClient;

  before(async () => {
    modelServer = await MockModelServer.start();
    home = createTestCodexHome({ modelServer });
    client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
  });
  after(async () => {
    await client.close();
    await modelServer.close();
    home.dispose();
  });

  it("initialize reports a server version", async () => {
    await client.initialize();
    assert.match(client.serverVersion ?? "", /^\d+\.\d+\.\d+/);
  });

  it("chatOnce streams a reply", async () => {
    modelServer.enqueue(model.say("hello there", { deltas: 3 }));
    const thread = await client.startThread({ cwd: home.workspace });
    assert.equal((await thread.chatOnce("hi")).finalText, "hello there");
  });

  it("a command approval: accept runs it", async () => {
    modelServer.enqueue(
      model.exec("echo ok > ok.txt", { escalate: { justification: "write" } }),
      model.say("done"),
    );
    client.setApprovalHandler(() => "accept");
    const thread = await client.startThread({
      cwd: home.workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    await thread.chatOnce("write ok.txt");
    client.setApprovalHandler(null);
    assert.equal(readFileSync(path.join(home.workspace, "ok.txt"), "utf8").trim(), "ok");
  });

  it("a file-change approval: decline leaves no file", async () => {
    const file = path.join(home.workspace, "no.txt");
    modelServer.enqueue(
      model.applyPatch(`*** Begin Patch\n*** Add File: ${file}\n+x\n*** End Patch\n`),
      model.say("ok"),
    );
    client.setApprovalHandler(() => "decline");
    const thread = await client.startThread({
      cwd: home.workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    await thread.chatOnce("add no.txt");
    client.setApprovalHandler(null);
    assert.equal(existsSync(file), false);
  });

  it("interrupt ends a running turn", async () => {
    modelServer.enqueue(model.say("slow", { delayBeforeCompletedMs: 10_000 }));
    const thread = await client.startThread({ cwd: home.workspace });
    const requestsBefore = modelServer.modelRequests.length;
    const turn = await thread.streamTurn("go");
    await modelServer.waitForModelRequests(requestsBefore + 1);
    const result = await turn.interrupt();
    assert.equal(result.status, "interrupted");
  });
});
