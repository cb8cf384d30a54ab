// The end-to-end smoke suite `npm run compat` runs against several codex releases. The binary
// comes from CODEX_APP_SERVER_CMD (the compat script sets it); nothing here names a version.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { collect, useRealServer } from "../support/real-server.js";
import { model } from "../../src/testing/index.js";

describe(`smoke against ${process.env.CODEX_APP_SERVER_CMD ?? "the pinned codex"}`, () => {
  const rs = useRealServer({ client: "suite", checkScriptUsed: false });

  it("initialize reports a server version", async () => {
    await rs.client.initialize();
    assert.match(rs.client.serverVersion ?? "", /^\d+\.\d+\.\d+/);
  });

  it("chatOnce streams a reply", async () => {
    rs.modelServer.enqueue(model.say("hello there", { deltas: 3 }));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    assert.equal((await thread.chatOnce("hi")).finalText, "hello there");
  });

  it("a command approval: accept runs it", async () => {
    rs.modelServer.enqueue(
      model.exec("echo ok > ok.txt", { escalate: { justification: "write" } }),
      model.say("done"),
    );
    rs.client.setApprovalHandler(() => "accept");
    const thread = await rs.client.startThread({
      cwd: rs.home.workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    await thread.chatOnce("write ok.txt");
    rs.client.setApprovalHandler(null);
    assert.equal(readFileSync(path.join(rs.home.workspace, "ok.txt"), "utf8").trim(), "ok");
  });

  it("a file-change approval: decline leaves no file", async () => {
    const file = path.join(rs.home.workspace, "no.txt");
    rs.modelServer.enqueue(
      model.applyPatch(`*** Begin Patch\n*** Add File: ${file}\n+x\n*** End Patch\n`),
      model.say("ok"),
    );
    rs.client.setApprovalHandler(() => "decline");
    const thread = await rs.client.startThread({
      cwd: rs.home.workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    await thread.chatOnce("add no.txt");
    rs.client.setApprovalHandler(null);
    assert.equal(existsSync(file), false);
  });

  it("history pages through thread/turns/list and thread/items/list (and no call is deprecated)", async () => {
    rs.modelServer.enqueue(model.say("first"), model.say("second"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    await thread.chatOnce("one");
    await thread.chatOnce("two");
    const turns = await collect(thread.turns({ pageSize: 1 }));
    assert.equal(turns.length, 2);
    const items = await collect(thread.items(turns[1]!.id));
    assert.ok(items.some((e) => e.item.type === "agentMessage" && e.item.text === "second"));
  });

  it("interrupt ends a running turn", async () => {
    rs.modelServer.enqueue(model.say("slow", { delayBeforeCompletedMs: 10_000 }));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const requestsBefore = rs.modelServer.modelRequests.length;
    const turn = await thread.streamTurn("go");
    await rs.modelServer.waitForModelRequests(requestsBefore + 1);
    const result = await turn.interrupt();
    assert.equal(result.status, "interrupted");
  });
});
