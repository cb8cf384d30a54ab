// Approvals put in front of people, against the real app-server and a scripted model:
// keys, JSON, routing per conversation with two conversations at once, hold mode, timeouts per
// thread and per turn, settled outcomes, allowed decisions, unified diffs, stale answers. What ran
// and what was written is checked on disk; what was answered, on the wire (the model's next request).
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, before, beforeEach, describe, it } from "node:test";
import { useRealServer } from "../support/real-server.js";
import { isApprovalDecision } from "../../src/approvals/decisions.js";
import type {
  ApprovalDecisionRecord,
  ApprovalRequest,
  ApprovalSettledRecord,
} from "../../src/approvals/requests.js";
import { CodexApprovalNotPendingError, CodexProtocolError } from "../../src/errors/index.js";
import { model } from "../../src/testing/index.js";

const escalate = { escalate: { justification: "needs to write a file" } };
const addFile = (file: string, line = "hi") =>
  `*** Begin Patch\n*** Add File: ${file}\n+${line}\n*** End Patch\n`;

/** The next request an observing iterator sees. */
async function nextRequest(iterator: AsyncIterableIterator<ApprovalRequest>): Promise<ApprovalRequest> {
  const r = await iterator.next();
  assert.equal(r.done, false);
  return r.value as ApprovalRequest;
}

describe("approvals for people against the real app-server", () => {
  const rs = useRealServer({ home: { approvalPolicy: "on-request", sandbox: "read-only" } });
  let ws: string;
  const settled: ApprovalSettledRecord[] = [];
  const decided: ApprovalDecisionRecord[] = [];

  before(() => {
    ws = rs.home.workspace;
    rs.client.onApprovalSettled((r) => settled.push(r));
    rs.client.onApprovalDecided((r) => decided.push(r));
  });
  beforeEach(() => {
    settled.length = 0;
    decided.length = 0;
  });
  afterEach(() => {
    rs.client.setApprovalHandler(null);
    assert.deepEqual(rs.client.pendingApprovals(), []);
  });

  it("two conversations at once: a thread handler answers one, a person answers the other by key", async () => {
    const a = await rs.client.startThread({ cwd: ws });
    const b = await rs.client.startThread({ cwd: ws });
    rs.modelServer.enqueueForThread(a.threadId, model.exec("echo a > a.txt", escalate), model.say("a done"));
    rs.modelServer.enqueueForThread(b.threadId, model.exec("echo b > b.txt", escalate), model.say("b done"));
    rs.client.setApprovalHandler(() => "decline"); // the client's: neither thread may reach it
    a.setApprovalHandler(() => "accept");
    b.setApprovalHandler("hold");
    const watchB = rs.client.approvalRequests({ threadId: b.threadId, observe: true });
    const turns = Promise.all([a.chatOnce("write a.txt"), b.chatOnce("write b.txt")]);
    const held = await nextRequest(watchB);
    assert.equal(held.threadId, b.threadId);
    assert.deepEqual(rs.client.pendingApprovals({ threadId: b.threadId }), [held]);
    assert.deepEqual(rs.client.pendingApprovals({ threadId: a.threadId }), []);
    assert.equal(rs.client.getApproval(held.key), held);

    // What a page receives: exactly the listed fields, nothing live.
    const json = JSON.parse(JSON.stringify(held)) as Record<string, unknown>;
    assert.deepEqual(json, held.toJSON());
    assert.deepEqual(Object.keys(json).sort(), [
      "allowedDecisions",
      "changes",
      "command",
      "commandActions",
      "cwd",
      "escalated",
      "expiresAtMs",
      "itemId",
      "key",
      "kind",
      "reason",
      "startedAtMs",
      "threadId",
      "turnId",
      "type",
    ]);
    assert.equal(json.type, "commandExecution");
    assert.equal(json.kind, "command");
    assert.equal(json.reason, "needs to write a file");
    assert.equal(json.cwd, ws);
    assert.equal(json.expiresAtMs, null, "no timeout applies");
    assert.equal(json.escalated, true, "an escalation with its justification leaves the sandbox");
    assert.match(String(json.command), /echo b > b\.txt/);
    // 0.169 offers ["accept", {acceptWithExecpolicyAmendment}, "cancel"]; the SDK adds what it honours.
    const allowed = held.allowedDecisions;
    assert.ok(allowed.includes("accept") && allowed.includes("acceptForSession"));
    assert.ok(allowed.includes("decline") && allowed.includes("cancel"));
    assert.ok(allowed.every((d) => isApprovalDecision(d)));

    // The browser posts the key and a decision read back from JSON.
    const posted = JSON.parse(JSON.stringify({ key: held.key, decision: "accept" })) as {
      key: string;
      decision: unknown;
    };
    assert.ok(isApprovalDecision(posted.decision));
    rs.client.respondApproval(posted.key, posted.decision, { by: "alice" });
    const [ra, rb] = await turns;
    await watchB.return?.();
    assert.equal(ra.finalText, "a done");
    assert.equal(rb.finalText, "b done");
    assert.equal(readFileSync(path.join(ws, "a.txt"), "utf8").trim(), "a");
    assert.equal(readFileSync(path.join(ws, "b.txt"), "utf8").trim(), "b");

    const bySettled = new Map(settled.map((r) => [r.request.threadId, r]));
    assert.equal(settled.length, 2);
    assert.equal(bySettled.get(a.threadId)?.decidedBy, "handler");
    assert.deepEqual(
      (({ outcome, decision, decidedBy, by, key }) => ({ outcome, decision, decidedBy, by, key }))(
        bySettled.get(b.threadId) as ApprovalSettledRecord,
      ),
      { outcome: "answered", decision: "accept", decidedBy: "hold", by: "alice", key: held.key },
    );
    assert.equal(decided.find((r) => r.request === held)?.by, "alice", "by reaches the audit record");
    assert.notEqual(settled[0]?.key, settled[1]?.key);
    a.setApprovalHandler(null);
    b.setApprovalHandler(null);
  });

  it("a turn's approvalHandler comes before the thread's; a TurnStream yields its own requests in order", async () => {
    const thread = await rs.client.startThread({ cwd: ws });
    const other = await rs.client.startThread({ cwd: ws });
    thread.setApprovalHandler(() => "accept");
    other.setApprovalHandler(() => "accept");
    rs.modelServer.enqueueForThread(
      thread.threadId,
      model.exec("echo t > turn.txt", escalate),
      model.say("declined by the turn"),
    );
    rs.modelServer.enqueueForThread(
      other.threadId,
      model.exec("echo o > other.txt", escalate),
      model.say("other done"),
    );
    const turn = await thread.streamTurn("write turn.txt", { approvalHandler: "hold" });
    const otherTurn = other.chatOnce("write other.txt"); // at the same time, on its thread's handler
    const methods: string[] = [];
    for await (const event of turn) {
      methods.push(event.method);
      if (event.method === "approval/requested") {
        assert.equal(event.params.turnId, turn.turnId);
        assert.equal(event.params.pending, true, "held: yielding it did not answer it");
        rs.client.declineApproval(event.params.key, { by: "bob" });
      }
    }
    assert.equal(await turn.finalText(), "declined by the turn");
    assert.equal((await otherTurn).finalText, "other done");
    assert.equal(existsSync(path.join(ws, "turn.txt")), false);
    assert.ok(existsSync(path.join(ws, "other.txt")), "the other thread's handler accepted");
    assert.equal(methods.filter((m) => m === "approval/requested").length, 1, "only its own request");
    const at = methods.indexOf("approval/requested");
    const started = methods.indexOf("item/started", methods.indexOf("item/started") + 1);
    assert.ok(at > 0 && at < methods.lastIndexOf("item/completed"), methods.join(" "));
    assert.ok(started < at, "the command item starts before its approval is asked");
    assert.deepEqual(
      settled
        .filter((r) => r.request.threadId === thread.threadId)
        .map((r) => [r.outcome, r.decision, r.decidedBy, r.by]),
      [["answered", "decline", "hold", "bob"]],
    );
    // On the wire: the model of this thread was told the result of exactly one tool call.
    const told = rs.modelServer.modelRequests.filter((r) => r.threadId === thread.threadId).at(-1);
    assert.equal(told?.toolOutputs.length, 1);
    other.setApprovalHandler(null);
    thread.setApprovalHandler(null);
  });

  it("chat() is unaffected: its steps hold no approval events", async () => {
    const thread = await rs.client.startThread({ cwd: ws });
    rs.modelServer.enqueueForThread(
      thread.threadId,
      model.exec("echo c > chat.txt", escalate),
      model.say("chatted"),
    );
    const steps: string[] = [];
    for await (const step of thread.chat("write chat.txt", { approvalHandler: () => "accept" }))
      steps.push(step.stepType);
    assert.ok(steps.length >= 2 && steps.every((s) => typeof s === "string"), steps.join(","));
    assert.ok(existsSync(path.join(ws, "chat.txt")));
  });

  it("timeouts per turn and per thread: expiresAtMs is set, the timeout declines, nothing runs", async () => {
    const thread = await rs.client.startThread({ cwd: ws });
    thread.setApprovalHandler("hold");
    thread.setApprovalTimeout(5_000);
    rs.modelServer.enqueueForThread(
      thread.threadId,
      model.exec("echo x > late.txt", escalate),
      model.say("timed out"),
    );
    const watch = rs.client.approvalRequests({ threadId: thread.threadId, observe: true });
    const result = thread.chatOnce("write late.txt", { approvalTimeoutMs: 300 });
    const req = await nextRequest(watch);
    await watch.return?.();
    assert.ok(req.expiresAtMs !== null);
    const window = req.expiresAtMs - Date.now();
    assert.ok(window > 0 && window <= 300, `the turn's 300 ms applies, not the thread's 5 s (${window})`);
    assert.equal((await result).finalText, "timed out");
    assert.equal(existsSync(path.join(ws, "late.txt")), false);
    assert.deepEqual(
      settled.map((r) => [r.outcome, r.decision, r.decidedBy]),
      [["timeout", "decline", "timeout"]],
    );
    assert.equal(req.signal.reason?.outcome, "timeout");

    // Without the turn's option, the thread's timeout applies.
    thread.setApprovalTimeout(250);
    rs.modelServer.enqueueForThread(
      thread.threadId,
      model.exec("echo y > late2.txt", escalate),
      model.say("again"),
    );
    const seen: ApprovalRequest[] = [];
    using _off = rs.client.onApprovalSettled((r) => seen.push(r.request));
    await thread.chatOnce("write late2.txt");
    assert.equal(existsSync(path.join(ws, "late2.txt")), false);
    const second = seen[0] as ApprovalRequest;
    assert.ok(second.expiresAtMs !== null && second.expiresAtMs - second.startedAtMs <= 400);
    thread.setApprovalHandler(null);
    thread.setApprovalTimeout(null);
  });

  it("a held request whose turn is interrupted settles as turnEnded; answering it throws CodexApprovalNotPendingError", async () => {
    const thread = await rs.client.startThread({ cwd: ws });
    rs.modelServer.enqueueForThread(thread.threadId, model.exec("echo z > ended.txt", escalate));
    const turn = await thread.streamTurn("write ended.txt", { approvalHandler: "hold" });
    let key = "";
    const aborted: string[] = [];
    for await (const event of turn) {
      if (event.method !== "approval/requested") continue;
      key = event.params.key;
      event.params.signal.addEventListener("abort", () => {
        // Abort listeners run before the settled listeners: no record yet, but the outcome is there.
        aborted.push(`${event.params.signal.reason?.outcome}:${settled.length}`);
      });
      await rs.client.interruptTurn(thread.threadId, turn.turnId);
    }
    assert.equal(turn.status, "interrupted");
    assert.deepEqual(aborted, ["turnEnded:0"]);
    assert.deepEqual(
      settled.map((r) => [r.key, r.outcome, r.decision]),
      [[key, "turnEnded", undefined]],
    );
    assert.equal(rs.client.getApproval(key), undefined);
    assert.throws(
      () => rs.client.approveApproval(key, { by: "late" }),
      (e: unknown) =>
        e instanceof CodexApprovalNotPendingError &&
        e instanceof CodexProtocolError &&
        e.key === key &&
        e.outcome === "turnEnded",
    );
    assert.equal(existsSync(path.join(ws, "ended.txt")), false);
  });

  it("serverRequest/resolved comes after the answer, and after turn/completed on an interrupt: each request settles once, nothing is reported", async () => {
    // What 0.169 does: it confirms a request it no longer waits for, but only after the client's
    // answer (or after the turn ended), so the "resolved" outcome never wins the race here.
    const order: string[] = [];
    const errors: Error[] = [];
    const offResolved = rs.client.on("serverRequest/resolved", (p) => order.push(`resolved ${p.requestId}`));
    const offTurn = rs.client.on("turn/completed", () => order.push("turn/completed"));
    const offErrors = rs.client.onError((e) => errors.push(e));
    const offSettled = rs.client.onApprovalSettled((r) =>
      order.push(`settled ${r.request.requestId} ${r.outcome}`),
    );
    try {
      const thread = await rs.client.startThread({ cwd: ws });
      rs.modelServer.enqueueForThread(
        thread.threadId,
        model.exec("echo r > resolved.txt", escalate),
        model.say("ok"),
      );
      const answered = await thread.streamTurn("write resolved.txt", { approvalHandler: "hold" });
      let first: ApprovalRequest | undefined;
      for await (const event of answered) {
        if (event.method !== "approval/requested") continue;
        first = event.params;
        rs.client.respondApproval(first.key, "accept");
      }
      rs.modelServer.enqueueForThread(thread.threadId, model.exec("echo s > stopped.txt", escalate));
      const stopped = await thread.streamTurn("write stopped.txt", { approvalHandler: "hold" });
      let second: ApprovalRequest | undefined;
      for await (const event of stopped) {
        if (event.method !== "approval/requested") continue;
        second = event.params;
        await rs.client.interruptTurn(thread.threadId, stopped.turnId);
      }
      assert.ok(first && second);
      // The second confirmation may trail turn/completed: wait for it (bounded by the test timeout).
      while (!order.includes(`resolved ${second.requestId}`)) await new Promise((r) => setTimeout(r, 10));
      const a = first.requestId;
      const b = second.requestId;
      const at = (entry: string) => {
        assert.equal(order.filter((o) => o === entry).length, 1, `${entry} once in ${order.join(", ")}`);
        return order.indexOf(entry);
      };
      assert.ok(at(`settled ${a} answered`) < at(`resolved ${a}`), order.join(", "));
      assert.ok(at(`settled ${b} turnEnded`) < at(`resolved ${b}`), order.join(", "));
      assert.ok(order.lastIndexOf("turn/completed") < at(`resolved ${b}`), order.join(", "));
      assert.equal(order.filter((o) => o.startsWith("settled ")).length, 2);
      assert.deepEqual(errors, []);
      assert.equal(existsSync(path.join(ws, "resolved.txt")), true);
      assert.equal(existsSync(path.join(ws, "stopped.txt")), false);
    } finally {
      offResolved();
      offTurn();
      offErrors();
      offSettled();
    }
  });

  it("a person deciding longer than inactivityTimeoutMs does not make the turn inactive", async () => {
    const thread = await rs.client.startThread({ cwd: ws });
    thread.setApprovalHandler("hold");
    rs.modelServer.enqueueForThread(
      thread.threadId,
      model.exec("echo slow > person.txt", escalate),
      model.say("after a while"),
    );
    const watch = rs.client.approvalRequests({ threadId: thread.threadId, observe: true });
    const result = thread.chatOnce("write person.txt", { inactivityTimeoutMs: 300 });
    const req = await nextRequest(watch);
    await watch.return?.();
    await new Promise((resolve) => setTimeout(resolve, 900)); // three inactivity windows
    rs.client.approveApproval(req.key, { by: "slow person" });
    assert.equal((await result).finalText, "after a while");
    assert.ok(existsSync(path.join(ws, "person.txt")));
    thread.setApprovalHandler(null);
  });

  it("an observing loop never stalls a turn: with no handler the request is declined at once", async () => {
    const thread = await rs.client.startThread({ cwd: ws });
    rs.modelServer.enqueueForThread(
      thread.threadId,
      model.exec("echo o > observed.txt", escalate),
      model.say("went on"),
    );
    const logged: string[] = [];
    const stop = new AbortController();
    const logger = (async () => {
      for await (const req of rs.client.approvalRequests({ observe: true, signal: stop.signal }))
        logged.push(req.key);
    })();
    const result = await thread.chatOnce("write observed.txt");
    stop.abort();
    await logger;
    assert.equal(result.finalText, "went on");
    assert.equal(logged.length, 1);
    assert.deepEqual(
      settled.map((r) => [r.outcome, r.decidedBy]),
      [["answered", "auto"]],
    );
    assert.equal(existsSync(path.join(ws, "observed.txt")), false);
  });

  it("file changes: a unified diff for add, delete and update, the raw field as sent, and allowedDecisions", async () => {
    const thread = await rs.client.startThread({ cwd: ws });
    writeFileSync(path.join(ws, "upd.txt"), "one\ntwo\nthree\n");
    writeFileSync(path.join(ws, "del.txt"), "gone\n");
    const patch =
      `*** Begin Patch\n*** Add File: ${ws}/add.txt\n+hello\n+world\n*** Delete File: ${ws}/del.txt\n` +
      `*** Update File: ${ws}/upd.txt\n@@\n one\n-two\n+TWO\n three\n*** End Patch\n`;
    rs.modelServer.enqueueForThread(thread.threadId, model.applyPatch(patch), model.say("declined"));
    const seen: ApprovalRequest[] = [];
    const result = await thread.chatOnce("patch", {
      approvalHandler: (req) => {
        seen.push(req);
        return "decline";
      },
    });
    assert.equal(result.finalText, "declined");
    const req = seen[0];
    assert.ok(req?.type === "fileChange");
    assert.deepEqual(req.allowedDecisions, ["accept", "acceptForSession", "decline", "cancel"]);
    const byKind = Object.fromEntries(req.changes.map((c) => [c.kind.type, c]));
    // The server's own field, as 0.169 sends it.
    assert.equal(byKind.add?.diff, "hello\nworld\n");
    assert.equal(byKind.delete?.diff, "gone\n");
    assert.equal(byKind.update?.diff, "@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n");
    assert.equal(
      byKind.add?.unifiedDiff,
      `--- /dev/null\n+++ ${ws}/add.txt\n@@ -0,0 +1,2 @@\n+hello\n+world\n`,
    );
    assert.equal(byKind.delete?.unifiedDiff, `--- ${ws}/del.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n`);
    assert.equal(
      byKind.update?.unifiedDiff,
      `--- ${ws}/upd.txt\n+++ ${ws}/upd.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n`,
    );
    const json = req.toJSON();
    assert.equal(json.kind, null);
    assert.equal(json.command, null);
    assert.equal(json.escalated, null);
    assert.deepEqual(json.changes, req.changes);
    // Declined: nothing on disk changed.
    assert.equal(existsSync(path.join(ws, "add.txt")), false);
    assert.equal(readFileSync(path.join(ws, "del.txt"), "utf8"), "gone\n");
    assert.equal(readFileSync(path.join(ws, "upd.txt"), "utf8"), "one\ntwo\nthree\n");
  });

  it("the kit's respond(fn) answers two conversations from the request body alone", async () => {
    const [a, b] = await Promise.all([
      rs.client.startThread({ cwd: ws }),
      rs.client.startThread({ cwd: ws }),
    ]);
    rs.modelServer.respond((req) =>
      req.toolOutputs.length === 0
        ? model.applyPatch(addFile(path.join(ws, `${req.userText}.txt`)))
        : model.say(`${req.userText}: ${req.toolOutputs.length} result(s)`),
    );
    rs.client.setApprovalHandler((req) => (req.threadId === a.threadId ? "accept" : ("decline" as const)));
    const [ra, rb] = await Promise.all([a.chatOnce("kit-a"), b.chatOnce("kit-b")]);
    assert.equal(ra.finalText, "kit-a: 1 result(s)");
    assert.equal(rb.finalText, "kit-b: 1 result(s)");
    assert.ok(existsSync(path.join(ws, "kit-a.txt")));
    assert.equal(existsSync(path.join(ws, "kit-b.txt")), false);
    const threads = new Set(rs.modelServer.modelRequests.map((r) => r.threadId));
    assert.deepEqual(threads, new Set([a.threadId, b.threadId]));
  });
});
