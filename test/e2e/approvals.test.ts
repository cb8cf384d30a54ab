// Approvals against the real app-server and a scripted model: what ran and what was written is
// checked on disk, not only in the messages.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, before, beforeEach, describe, it } from "node:test";
import { useRealServer } from "../support/real-server.js";
import { CommandApprovalWithExecpolicyAmendment } from "../../src/approvals/decisions.js";
import {
  CommandApprovalRequest,
  FileChangeApprovalRequest,
  type ApprovalDecisionRecord,
  type ApprovalRequest,
} from "../../src/approvals/requests.js";
import { approvalRules } from "../../src/approvals/rules.js";
import { CodexProtocolError } from "../../src/errors/index.js";
import type { ThreadItem } from "../../src/protocol/generated/v2/ThreadItem.js";
import { model, startTestClient } from "../../src/testing/index.js";

const addFile = (file: string, line = "hi") =>
  `*** Begin Patch\n*** Add File: ${file}\n+${line}\n*** End Patch\n`;
const escalate = { escalate: { justification: "needs to write a file" } };

function itemOf(items: ThreadItem[], type: ThreadItem["type"]): ThreadItem & { status?: string } {
  const found = items.find((i) => i.type === type);
  assert.ok(found, `no ${type} item in ${JSON.stringify(items.map((i) => i.type))}`);
  return found as ThreadItem & { status?: string };
}

describe("approvals against the real app-server (on-request, read-only sandbox)", () => {
  const rs = useRealServer({ home: { approvalPolicy: "on-request", sandbox: "read-only" } });
  let ws: string;
  const records: ApprovalDecisionRecord[] = [];
  const errors: Error[] = [];

  before(() => {
    ws = rs.home.workspace;
    rs.client.onApprovalDecided((r) => records.push(r));
    rs.client.onError((e) => errors.push(e));
  });
  beforeEach(() => {
    records.length = 0;
    errors.length = 0;
  });
  afterEach(() => {
    rs.client.setApprovalHandler(null);
    assert.deepEqual(rs.client.pendingApprovals(), []);
  });

  describe("callback mode", () => {
    it("accept: the command runs and its output file exists", async () => {
      rs.modelServer.enqueue(model.exec("echo accepted > accept.txt", escalate), model.say("wrote it"));
      const seen: ApprovalRequest[] = [];
      rs.client.setApprovalHandler((req) => {
        seen.push(req);
        return "accept";
      });
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("write accept.txt");
      assert.equal(result.finalText, "wrote it");
      assert.equal(readFileSync(path.join(ws, "accept.txt"), "utf8").trim(), "accepted");
      const req = seen[0];
      assert.ok(req instanceof CommandApprovalRequest);
      assert.equal(req.kind, "command");
      assert.equal(req.threadId, thread.threadId);
      assert.equal(req.turnId, result.turnId);
      assert.equal(req.reason, "needs to write a file");
      assert.match(req.command ?? "", /echo accepted > accept\.txt/);
      assert.equal(req.cwd, ws);
      assert.ok(req.availableDecisions?.includes("accept"));
      assert.equal(req.pending, false);
      assert.equal(itemOf(result.items, "commandExecution").status, "completed");
      assert.equal(records[0]?.decidedBy, "handler");
    });

    it("decline: no file, the item completes declined, and the turn goes on to its final message", async () => {
      rs.modelServer.enqueue(model.exec("echo no > declined.txt", escalate), model.say("fine, I will not"));
      rs.client.setApprovalHandler(() => "decline");
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("write declined.txt");
      assert.equal(result.status, "completed");
      assert.equal(result.finalText, "fine, I will not");
      assert.equal(existsSync(path.join(ws, "declined.txt")), false);
      assert.equal(itemOf(result.items, "commandExecution").status, "declined");
      assert.equal(rs.modelServer.modelRequests.length, 2, "the model was told and asked again");
    });

    it("cancel: the turn ends without running the command", async () => {
      rs.modelServer.enqueue(model.exec("echo no > cancelled.txt", escalate));
      rs.client.setApprovalHandler(() => "cancel");
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("write cancelled.txt");
      assert.notEqual(result.finalText, "mock model: script exhausted");
      assert.equal(existsSync(path.join(ws, "cancelled.txt")), false);
      assert.equal(rs.modelServer.modelRequests.length, 1, "the model was not called again");
      assert.equal(result.status, "interrupted");
    });

    it("acceptForSession: the same command later in the session is not asked again", async () => {
      const cmd = "echo again >> session.txt";
      rs.modelServer.enqueue(model.exec(cmd, escalate), model.exec(cmd, escalate), model.say("twice"));
      let asked = 0;
      rs.client.setApprovalHandler(() => {
        asked++;
        return "acceptForSession";
      });
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("append twice");
      assert.equal(result.finalText, "twice");
      assert.equal(asked, 1);
      assert.equal(readFileSync(path.join(ws, "session.txt"), "utf8"), "again\nagain\n");
    });

    it("a handler that throws: decline is sent, nothing runs, the error is reported", async () => {
      rs.modelServer.enqueue(model.exec("echo x > thrown.txt", escalate), model.say("carried on"));
      rs.client.setApprovalHandler(() => {
        throw new Error("handler bug");
      });
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("write thrown.txt");
      assert.equal(result.finalText, "carried on");
      assert.equal(existsSync(path.join(ws, "thrown.txt")), false);
      assert.equal(itemOf(result.items, "commandExecution").status, "declined");
      assert.ok(errors.some((e) => (e.cause as Error | undefined)?.message === "handler bug"));
    });

    it("no handler and no consumer: auto-decline, and the turn completes", async () => {
      rs.modelServer.enqueue(model.exec("echo x > auto.txt", escalate), model.say("auto-declined"));
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("write auto.txt");
      assert.equal(result.status, "completed");
      assert.equal(result.finalText, "auto-declined");
      assert.equal(existsSync(path.join(ws, "auto.txt")), false);
      assert.deepEqual(
        records.map((r) => [r.decidedBy, r.decision]),
        [["auto", "decline"]],
      );
    });

    it("approvalRules: an allowed prefix runs, anything else is declined", async () => {
      rs.modelServer.enqueue(
        model.exec("touch ruled.txt", escalate),
        model.exec("echo x > unruled.txt", escalate),
        model.say("ruled"),
      );
      rs.client.setApprovalHandler(approvalRules({ allowCommands: [["touch"]] }));
      const thread = await rs.client.startThread({ cwd: ws });
      await thread.chatOnce("two commands");
      assert.equal(existsSync(path.join(ws, "ruled.txt")), true);
      assert.equal(existsSync(path.join(ws, "unruled.txt")), false);
      assert.deepEqual(
        records.map((r) => [r.decidedBy, r.decision]),
        [
          ["rules", "accept"],
          ["rules", "decline"],
        ],
      );
    });
  });

  describe("file changes (apply_patch)", () => {
    it("accept: the file is written, and the request carried the diff", async () => {
      const file = path.join(ws, "patched.txt");
      rs.modelServer.enqueue(model.applyPatch(addFile(file, "patched line")), model.say("patched"));
      const seen: ApprovalRequest[] = [];
      rs.client.setApprovalHandler((req) => {
        seen.push(req);
        return "accept";
      });
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("add patched.txt");
      assert.equal(result.finalText, "patched");
      assert.equal(readFileSync(file, "utf8"), "patched line\n");
      const req = seen[0];
      assert.ok(req instanceof FileChangeApprovalRequest);
      assert.equal(req.changes.length, 1);
      assert.equal(req.changes[0]?.path, file);
      assert.equal(req.changes[0]?.kind.type, "add");
      assert.match(req.changes[0]?.diff ?? "", /patched line/);
    });

    it("decline: the file is absent and the item completes declined", async () => {
      const file = path.join(ws, "refused.txt");
      rs.modelServer.enqueue(model.applyPatch(addFile(file)), model.say("not patched"));
      rs.client.setApprovalHandler(() => "decline");
      const thread = await rs.client.startThread({ cwd: ws });
      const result = await thread.chatOnce("add refused.txt");
      assert.equal(result.finalText, "not patched");
      assert.equal(existsSync(file), false);
      assert.equal(itemOf(result.items, "fileChange").status, "declined");
    });
  });

  describe("stream mode", () => {
    it("the reference example: approve commands for the session, decline file changes", async () => {
      const file = path.join(ws, "stream-patch.txt");
      rs.modelServer.enqueue(
        model.exec("echo streamed > stream.txt", escalate),
        model.applyPatch(addFile(file)),
        model.say("stream done"),
      );
      const thread = await rs.client.startThread({
        approvalPolicy: "on-request",
        sandbox: "read-only",
        cwd: ws,
      });
      const stop = new AbortController();
      const handled: string[] = [];
      const approver = (async () => {
        for await (const req of rs.client.approvalRequests({ signal: stop.signal })) {
          handled.push(req.type);
          if (req.type === "commandExecution") rs.client.approveApproval(req, { forSession: true });
          else rs.client.declineApproval(req);
        }
      })();
      const result = await thread.chatOnce("stream it");
      stop.abort();
      await approver;
      assert.equal(result.finalText, "stream done");
      assert.deepEqual(handled, ["commandExecution", "fileChange"]);
      assert.equal(readFileSync(path.join(ws, "stream.txt"), "utf8").trim(), "streamed");
      assert.equal(existsSync(file), false);
      assert.deepEqual(
        records.map((r) => [r.decidedBy, r.decision]),
        [
          ["stream", "acceptForSession"],
          ["stream", "decline"],
        ],
      );
    });

    it("answering twice is refused: approval request is no longer pending", async () => {
      rs.modelServer.enqueue(model.exec("echo once > twice.txt", escalate), model.say("answered"));
      const thread = await rs.client.startThread({ cwd: ws });
      const iterator = rs.client.approvalRequests();
      const turn = thread.chatOnce("write twice.txt");
      const { value: req } = await iterator.next();
      assert.ok(req);
      rs.client.approveApproval(req);
      assert.throws(
        () => rs.client.declineApproval(req),
        (e: unknown) => e instanceof CodexProtocolError && /no longer pending/.test(e.message),
      );
      await iterator.return?.();
      assert.equal((await turn).finalText, "answered");
      assert.equal(existsSync(path.join(ws, "twice.txt")), true);
    });
  });

  describe("policies", () => {
    it("a turn sandboxPolicy with writableRoots: a patch inside the root applies unasked, one outside asks", async () => {
      const root = path.join(path.dirname(ws), "writable-root");
      const elsewhere = path.join(path.dirname(ws), "elsewhere");
      mkdirSync(root, { recursive: true });
      mkdirSync(elsewhere, { recursive: true });
      const inside = path.join(root, "inside.txt");
      const outside = path.join(elsewhere, "outside.txt");
      rs.modelServer.enqueue(
        model.applyPatch(addFile(inside)),
        model.applyPatch(addFile(outside)),
        model.say("two patches"),
      );
      const asked: string[] = [];
      rs.client.setApprovalHandler((req) => {
        asked.push(...(req as FileChangeApprovalRequest).changes.map((c) => c.path));
        return "decline";
      });
      const thread = await rs.client.startThread({ cwd: ws });
      await thread.chatOnce("patch twice", {
        turnOverrides: {
          sandboxPolicy: { type: "workspaceWrite", networkAccess: false, writableRoots: [root] },
          approvalPolicy: "on-request",
        },
      });
      assert.equal(readFileSync(inside, "utf8"), "hi\n");
      assert.equal(existsSync(outside), false);
      assert.deepEqual(asked, [outside]);
    });

    it('ThreadConfig { approvalPolicy: "on-request", sandbox: "workspace-write" }: writing in the workspace is not asked', async () => {
      rs.modelServer.enqueue(model.exec("echo free > free.txt"), model.say("free"));
      let asked = 0;
      rs.client.setApprovalHandler(() => {
        asked++;
        return "decline";
      });
      const thread = await rs.client.startThread({
        approvalPolicy: "on-request",
        sandbox: "workspace-write",
        cwd: ws,
      });
      await thread.chatOnce("write free.txt");
      assert.equal(asked, 0);
      assert.equal(readFileSync(path.join(ws, "free.txt"), "utf8").trim(), "free");
    });
  });
});

describe("approval timeouts and permission requests against the real app-server", () => {
  it('an execpolicy amendment ["echo"]: a later echo is not asked (and with plain accept it is)', async () => {
    // Its own CODEX_HOME: the amendment outlives the turn. Plain echoes: a prefix rule covers a
    // simple command, not one with a redirection.
    await using t = await startTestClient();
    const asked: string[] = [];
    const echoTwice = async (tag: string) => {
      t.modelServer.enqueue(
        model.exec(`echo ${tag}-a`, escalate),
        model.exec(`echo ${tag}-b`, escalate),
        model.say(`${tag} done`),
      );
      const result = await t.client.chatOnce(`echo ${tag}`, { threadConfig: { cwd: t.workspace } });
      assert.equal(result.finalText, `${tag} done`);
      return result.items.filter((i) => i.type === "commandExecution").map((c) => c.status);
    };
    t.client.setApprovalHandler((req) => {
      asked.push((req as CommandApprovalRequest).command ?? "");
      return "accept";
    });
    assert.deepEqual(await echoTwice("control"), ["completed", "completed"]);
    assert.equal(asked.length, 2, "without an amendment both escalations are asked");
    asked.length = 0;
    t.client.setApprovalHandler((req) => {
      asked.push((req as CommandApprovalRequest).command ?? "");
      return new CommandApprovalWithExecpolicyAmendment(["echo"]);
    });
    assert.deepEqual(await echoTwice("amended"), ["completed", "completed"]);
    assert.equal(asked.length, 1, `asked for: ${asked.join(" | ")}`);
    assert.match(asked[0] ?? "", /echo amended-a/);
    assert.match(JSON.stringify(t.modelServer.modelRequests.at(-1)?.body), /amended-b/);
  });

  it("a handler slower than approvalTimeoutMs: decline is sent and nothing runs", async () => {
    await using t = await startTestClient({ approvalTimeoutMs: 300 });
    t.modelServer.enqueue(model.exec("echo late > late.txt", escalate), model.say("timed out"));
    const records: ApprovalDecisionRecord[] = [];
    t.client.onApprovalDecided((r) => records.push(r));
    t.client.setApprovalHandler(
      (req) => new Promise((resolve) => req.signal.addEventListener("abort", () => resolve("accept"))),
    );
    const result = await t.client.chatOnce("write late.txt", { threadConfig: { cwd: t.workspace } });
    assert.equal(result.finalText, "timed out");
    assert.equal(existsSync(path.join(t.workspace, "late.txt")), false);
    assert.deepEqual(
      records.map((r) => [r.decidedBy, r.decision]),
      [["timeout", "decline"]],
    );
  });

  it("item/permissions/requestApproval: the default grants nothing; a handler's grant reaches the model", async () => {
    await using t = await startTestClient({ features: { request_permissions_tool: true } });
    const ask = () =>
      model.functionCall("request_permissions", {
        permissions: { network: { enabled: true } },
        reason: "need net",
      });
    const toolOutput = () => {
      const body = t.modelServer.modelRequests.at(-1)?.body as { input: { type: string; output?: string }[] };
      return body.input.filter((i) => i.type === "function_call_output").at(-1)?.output ?? "";
    };
    t.modelServer.enqueue(ask(), model.say("no grant"));
    await t.client.chatOnce("ask for network", { threadConfig: { cwd: t.workspace } });
    assert.deepEqual(JSON.parse(toolOutput()).permissions, { network: null, file_system: null });

    const asked: unknown[] = [];
    t.client.setPermissionsHandler((params) => {
      asked.push(params.permissions);
      return { permissions: { network: { enabled: true } }, scope: "turn" };
    });
    t.modelServer.enqueue(ask(), model.say("granted"));
    await t.client.chatOnce("ask again", { threadConfig: { cwd: t.workspace } });
    assert.deepEqual(asked, [{ network: { enabled: true }, fileSystem: null }]);
    assert.deepEqual(JSON.parse(toolOutput()).permissions.network, { enabled: true });
  });
});
