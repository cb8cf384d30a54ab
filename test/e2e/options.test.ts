// Options against the real app-server: relative writable roots reach it absolute (a relative one
// used to fail the whole turn with -32600), and the schema's own fields pass the SDK's checks.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { before, beforeEach, describe, it } from "node:test";
import type { FileChangeApprovalRequest } from "../../src/approvals/requests.js";
import { model } from "../../src/testing/index.js";
import { useRealServer } from "../support/real-server.js";

const addFile = (file: string, line: string) =>
  `*** Begin Patch\n*** Add File: ${file}\n+${line}\n*** End Patch\n`;

describe("relative paths and checked options on the real app-server (on-request, read-only)", () => {
  const rs = useRealServer({ home: { approvalPolicy: "on-request", sandbox: "read-only" } });
  let ws: string;
  let sibling: string;
  const asked: string[] = [];

  before(() => {
    ws = rs.home.workspace;
    sibling = path.join(path.dirname(ws), "sibling");
    mkdirSync(sibling, { recursive: true });
    rs.client.setApprovalHandler((req) => {
      asked.push(...(req as FileChangeApprovalRequest).changes.map((c) => c.path));
      return "decline";
    });
  });
  beforeEach(() => {
    asked.length = 0;
  });

  it('writableRoots: ["../sibling"] is resolved against the thread cwd: the turn runs and a patch there applies unasked', async () => {
    const file = path.join(sibling, "from-relative-root.txt");
    rs.modelServer.enqueue(model.applyPatch(addFile(file, "relative root")), model.say("patched"));
    const thread = await rs.client.startThread({ cwd: ws });
    const result = await thread.chatOnce("patch the sibling folder", {
      turnOverrides: { sandboxPolicy: { type: "workspaceWrite", writableRoots: ["../sibling"] } },
    });
    assert.equal(result.status, "completed");
    assert.equal(result.finalText, "patched");
    assert.deepEqual(asked, []);
    assert.equal(readFileSync(file, "utf8"), "relative root\n");
    const change = result.items.find((i) => i.type === "fileChange") as { status?: string } | undefined;
    assert.equal(change?.status, "completed");
  });

  it("the same patch without the root is asked about, and declined it is not written", async () => {
    const file = path.join(sibling, "without-root.txt");
    rs.modelServer.enqueue(model.applyPatch(addFile(file, "no root")), model.say("declined"));
    const thread = await rs.client.startThread({ cwd: ws });
    await thread.chatOnce("patch the sibling folder", {
      turnOverrides: { sandboxPolicy: { type: "workspaceWrite", writableRoots: [] } },
    });
    assert.deepEqual(asked, [file]);
    assert.equal(existsSync(file), false);
  });

  it("settings from setThreadDefaults resolve against the thread's cwd too, for the next turn", async () => {
    const file = path.join(sibling, "from-defaults.txt");
    rs.modelServer.enqueue(model.applyPatch(addFile(file, "defaults")), model.say("patched"));
    const thread = await rs.client.startThread({ cwd: ws });
    await thread.updateDefaults({ sandboxPolicy: { type: "workspaceWrite", writableRoots: ["../sibling"] } });
    const result = await thread.chatOnce("patch the sibling folder");
    assert.equal(result.status, "completed");
    assert.deepEqual(asked, []);
    assert.equal(readFileSync(file, "utf8"), "defaults\n");
  });

  it("a misspelt option is refused before anything is sent; schema fields the SDK never names pass", async () => {
    const modelRequests = rs.modelServer.requests.length;
    await assert.rejects(rs.client.startThread({ workingDirectory: ws } as never), {
      name: "TypeError",
      message: "unknown option `workingDirectory` in startThread(config); did you mean `cwd`?",
    });
    // fields of the pinned schema, forwarded as they are: the server takes them
    rs.modelServer.enqueue(model.say("fine"));
    const thread = await rs.client.startThread({
      cwd: ws,
      approvalsReviewer: "user",
      serviceName: "options-e2e",
      config: { model_reasoning_summary: "none" },
    });
    const result = await thread.chatOnce("hi", { turnOverrides: { summary: "none", effort: "low" } });
    assert.equal(result.finalText, "fine");
    assert.equal(rs.modelServer.requests.length, modelRequests + 1);
  });
});
