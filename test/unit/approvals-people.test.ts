// Approvals put in front of people, over an in-memory server: keys, JSON, settled outcomes and
// their order, allowed decisions, hold, filters and routing. (Against the real server:
// test/e2e/approvals-people.test.ts.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CommandApprovalWithExecpolicyAmendment, isApprovalDecision } from "../../src/approvals/decisions.js";
import { unifiedDiff } from "../../src/approvals/diff.js";
import {
  CommandApprovalRequest,
  type ApprovalRequest,
  type ApprovalSettledRecord,
} from "../../src/approvals/requests.js";
import { ApprovalRoutes, ThreadApprovalRoutes } from "../../src/approvals/routes.js";
import { approvalRules } from "../../src/approvals/rules.js";
import { CodexApprovalNotPendingError, CodexError, CodexProtocolError } from "../../src/errors/index.js";
import { startedClient, type FakeServer } from "../support/fake-server.js";

const params = (over: Record<string, unknown> = {}) => ({
  kind: "command",
  threadId: "A",
  turnId: "U",
  itemId: "call_1",
  startedAtMs: 1,
  environmentId: "local",
  reason: "need it",
  command: "echo hi",
  cwd: "/work",
  commandActions: [],
  availableDecisions: ["accept", "cancel"],
  ...over,
});
const ask = (server: FakeServer, id: number, over: Record<string, unknown> = {}) =>
  server.send({ id, method: "item/commandExecution/requestApproval", params: params(over) });
const replyTo = (server: FakeServer, id: number) => server.next((m) => m.id === id && !("method" in m));
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function setup(options: Parameters<typeof startedClient>[0] = {}) {
  const started = await startedClient(options);
  const settled: ApprovalSettledRecord[] = [];
  started.client.onApprovalSettled((r) => settled.push(r));
  const seen: ApprovalRequest[] = [];
  const watch = started.client.approvalRequests({ observe: true });
  void (async () => {
    for await (const r of watch) seen.push(r);
  })();
  return { ...started, settled, seen };
}

describe("approval keys and answers by key", () => {
  it("keys are unique per client; getApproval and respondApproval take them; by reaches the records", async () => {
    const { client, server, settled, seen } = await setup();
    client.setApprovalHandler("hold");
    await ask(server, 0);
    await ask(server, 1, { itemId: "call_2" });
    await tick();
    const [a, b] = seen as [ApprovalRequest, ApprovalRequest];
    assert.notEqual(a.key, b.key);
    assert.match(a.key, /^[0-9a-f]{8}\.\d+$/);
    assert.equal(client.getApproval(a.key), a);
    const decided: unknown[] = [];
    client.onApprovalDecided((r) => decided.push([r.decision, r.decidedBy, r.by]));
    client.respondApproval(a.key, "accept", { by: "dana" });
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "accept" });
    client.declineApproval(b.key);
    assert.deepEqual((await replyTo(server, 1)).result, { decision: "decline" });
    assert.equal(client.getApproval(a.key), undefined);
    assert.deepEqual(decided, [
      ["accept", "hold", "dana"],
      ["decline", "hold", undefined],
    ]);
    assert.deepEqual(
      settled.map((r) => [r.key, r.outcome, r.by]),
      [
        [a.key, "answered", "dana"],
        [b.key, "answered", undefined],
      ],
    );
    await client.close();
  });

  it("a stale or unknown key throws CodexApprovalNotPendingError with the outcome (still a CodexProtocolError)", async () => {
    const { client, server, seen } = await setup();
    client.setApprovalHandler("hold");
    await ask(server, 0);
    await tick();
    const req = seen[0] as ApprovalRequest;
    client.approveApproval(req, { forSession: true });
    for (const target of [req, req.key]) {
      assert.throws(
        () => client.cancelApproval(target),
        (e: unknown) =>
          e instanceof CodexApprovalNotPendingError &&
          e instanceof CodexProtocolError &&
          e instanceof CodexError &&
          e.name === "CodexApprovalNotPendingError" &&
          e.key === req.key &&
          e.outcome === "answered" &&
          /no longer pending/.test(e.message),
      );
    }
    assert.throws(
      () => client.respondApproval("nope.1", "accept"),
      (e: unknown) =>
        e instanceof CodexApprovalNotPendingError && e.outcome === undefined && e.key === "nope.1",
    );
    await client.close();
  });

  it("`by` must be a string", async () => {
    const { client, server, seen } = await setup();
    client.setApprovalHandler("hold");
    await ask(server, 0);
    await tick();
    assert.throws(
      () => client.respondApproval(seen[0] as ApprovalRequest, "accept", { by: 7 as unknown as string }),
      TypeError,
    );
    assert.equal((seen[0] as ApprovalRequest).pending, true);
    await client.close();
  });
});

describe("settled outcomes", () => {
  it("abort listeners run first, then onApprovalSettled, exactly once per request, for every outcome", async () => {
    const { client, server, settled, seen } = await setup({ approvalTimeoutMs: 300 });
    client.setApprovalHandler("hold");
    const order: string[] = [];
    client.onApprovalSettled((r) => order.push(`settled:${r.outcome}:${r.request.pending}`));
    const listen = () => {
      for (const r of seen.slice(order.length / 2)) {
        r.signal.addEventListener("abort", () =>
          order.push(`abort:${r.signal.reason?.outcome}:${client.getApproval(r.key) === undefined}`),
        );
      }
    };
    await ask(server, 0); // answered
    await ask(server, 1, { turnId: "V" }); // resolved
    await ask(server, 2, { turnId: "W" }); // turnEnded
    await tick();
    listen();
    assert.ok(seen.every((r) => r.expiresAtMs !== null && r.expiresAtMs > Date.now() - 5));
    client.respondApproval((seen[0] as ApprovalRequest).key, "decline");
    await server.send({ method: "serverRequest/resolved", params: { threadId: "A", requestId: 1 } });
    await server.send({
      method: "turn/completed",
      params: { threadId: "A", turn: { id: "W", items: [], status: "interrupted", error: null } },
    });
    await ask(server, 3, { turnId: "X" }); // timeout
    await tick();
    listen();
    await replyTo(server, 3);
    await ask(server, 4, { turnId: "Y" }); // closed
    await tick();
    await client.close();
    assert.deepEqual(
      settled.map((r) => r.outcome),
      ["answered", "resolved", "turnEnded", "timeout", "closed"],
    );
    assert.deepEqual(order.slice(0, 8), [
      "abort:answered:true",
      "settled:answered:false",
      "abort:resolved:true",
      "settled:resolved:false",
      "abort:turnEnded:true",
      "settled:turnEnded:false",
      "abort:timeout:true",
      "settled:timeout:false",
    ]);
    assert.deepEqual(
      settled.map((r) => [r.decision, r.decidedBy]),
      [
        ["decline", "hold"],
        [undefined, undefined],
        [undefined, undefined],
        ["decline", "timeout"],
        [undefined, undefined],
      ],
    );
  });
});

describe("allowed decisions, JSON and the decision guard", () => {
  const request = (availableDecisions: unknown) =>
    new CommandApprovalRequest(
      0,
      params({ availableDecisions }) as ConstructorParameters<typeof CommandApprovalRequest>[1],
      new AbortController().signal,
      { key: "k.1", expiresAtMs: 99 },
    );
  const amendment = { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["echo"] } };

  it("normalises what the server lists: decline always, acceptForSession after accept, no duplicates", () => {
    assert.deepEqual(request(null).allowedDecisions, ["accept", "acceptForSession", "decline", "cancel"]);
    assert.deepEqual(request(["accept", amendment, "cancel"]).allowedDecisions, [
      "accept",
      "acceptForSession",
      amendment,
      "decline",
      "cancel",
    ]);
    assert.deepEqual(request(["decline"]).allowedDecisions, ["decline"]);
    assert.deepEqual(request(["accept", "acceptForSession", "decline"]).allowedDecisions, [
      "accept",
      "acceptForSession",
      "decline",
    ]);
    for (const d of request(["accept", amendment, "cancel"]).allowedDecisions)
      assert.equal(request(["accept", amendment, "cancel"]).invalidReason(d), undefined);
  });

  it("toJSON has exactly the documented fields and JSON.stringify gives it", () => {
    const r = request(["accept", "cancel"]);
    const json = r.toJSON();
    assert.deepEqual(JSON.parse(JSON.stringify(r)), json);
    assert.deepEqual(json, {
      key: "k.1",
      type: "commandExecution",
      kind: "command",
      threadId: "A",
      turnId: "U",
      itemId: "call_1",
      reason: "need it",
      command: "echo hi",
      cwd: "/work",
      commandActions: [],
      escalated: null,
      changes: [],
      allowedDecisions: ["accept", "acceptForSession", "decline", "cancel"],
      startedAtMs: 1,
      expiresAtMs: 99,
    });
  });

  it("isApprovalDecision accepts decisions in any form and nothing else", () => {
    for (const d of ["accept", "acceptForSession", "decline", "cancel", amendment])
      assert.equal(isApprovalDecision(d), true, JSON.stringify(d));
    assert.equal(isApprovalDecision(new CommandApprovalWithExecpolicyAmendment(["ls"])), true);
    for (const d of [
      "hold",
      "yes",
      "",
      {},
      null,
      undefined,
      1,
      ["accept"],
      { acceptWithExecpolicyAmendment: {} },
    ])
      assert.equal(isApprovalDecision(d), false, JSON.stringify(d));
  });
});

describe("unified diffs of file changes", () => {
  it("add, delete and update get headers and hunks; edge cases stay valid", () => {
    assert.equal(
      unifiedDiff({ path: "/w/a", kind: { type: "add" }, diff: "x" }),
      "--- /dev/null\n+++ /w/a\n@@ -0,0 +1 @@\n+x\n\\ No newline at end of file\n",
    );
    assert.equal(unifiedDiff({ path: "/w/e", kind: { type: "add" }, diff: "" }), "--- /dev/null\n+++ /w/e\n");
    assert.equal(
      unifiedDiff({ path: "/w/d", kind: { type: "delete" }, diff: "1\n2\n" }),
      "--- /w/d\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-1\n-2\n",
    );
    assert.equal(
      unifiedDiff({ path: "/w/o", kind: { type: "update", move_path: "/w/n" }, diff: "@@ -1 +1 @@\n-a\n+b" }),
      "--- /w/o\n+++ /w/n\n@@ -1 +1 @@\n-a\n+b\n",
    );
  });
});

describe("routing and hold", () => {
  it("a turn's route comes before the thread's, which comes before the client's; timeouts too", () => {
    const a = new ThreadApprovalRoutes("A");
    const routes = new ApprovalRoutes(1000, (threadId) => (threadId === "A" ? a : undefined));
    const client = () => "decline" as const;
    const thread = () => "accept" as const;
    routes.setClientHandler(client);
    assert.deepEqual(routes.resolve("A", "U"), { handler: client, timeoutMs: 1000 });
    a.setHandler(thread);
    a.setTimeout(500);
    assert.deepEqual(routes.resolve("A", "U"), { handler: thread, timeoutMs: 500 });
    assert.deepEqual(routes.resolve("B", "U"), { handler: client, timeoutMs: 1000 });
    const starting = a.startTurn({ handler: "hold", timeoutMs: 50 });
    assert.deepEqual(routes.resolve("A", "not known yet"), { handler: "hold", timeoutMs: 50 });
    starting.bind("U");
    assert.deepEqual(routes.resolve("A", "U"), { handler: "hold", timeoutMs: 50 });
    assert.deepEqual(routes.resolve("A", "V"), { handler: thread, timeoutMs: 500 });
    a.endTurn("U");
    assert.deepEqual(routes.resolve("A", "U"), { handler: thread, timeoutMs: 500 });
    a.setHandler(null);
    a.setTimeout(null);
    assert.deepEqual(routes.resolve("A", "U"), { handler: client, timeoutMs: 1000 });
    assert.equal(a.empty, true, "nothing is left set on the thread");
    assert.throws(() => a.setTimeout(0), RangeError);
    assert.throws(() => a.setHandler("later" as never), TypeError);
    assert.throws(() => a.startTurn({ timeoutMs: -1 }), RangeError);
  });

  it("a handler may return hold; answering a request its handler owns is refused", async () => {
    const { client, server, seen, settled } = await setup();
    client.setApprovalHandler((req) => (req.itemId === "call_1" ? "hold" : new Promise(() => {})));
    await ask(server, 0);
    await ask(server, 1, { itemId: "call_2" });
    await tick();
    const [held, owned] = seen as [ApprovalRequest, ApprovalRequest];
    assert.equal(held.pending, true);
    assert.throws(() => client.approveApproval(owned.key), /answered by its approval handler/);
    client.approveApproval(held.key);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "accept" });
    assert.equal(settled[0]?.decidedBy, "hold");
    await client.close();
  });

  it('approvalRules({ fallback: "hold" }): rules answer what they allow, a person the rest', async () => {
    const { client, server, seen, settled } = await setup();
    client.setApprovalHandler(approvalRules({ allowCommands: [["echo"]], fallback: "hold" }));
    await ask(server, 0, { command: "echo hi" });
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "accept" });
    await ask(server, 1, { command: "rm -rf build", itemId: "call_2" });
    await tick();
    const held = seen[1] as ApprovalRequest;
    assert.equal(held.pending, true);
    client.declineApproval(held.key, { by: "erin" });
    assert.deepEqual((await replyTo(server, 1)).result, { decision: "decline" });
    assert.deepEqual(
      settled.map((r) => [r.decision, r.decidedBy, r.by]),
      [
        ["accept", "rules", undefined],
        ["decline", "hold", "erin"],
      ],
    );
    await client.close();
  });

  it("an iterator of one thread holds only that thread's requests; an observing one holds none", async () => {
    const { client, server, seen } = await setup();
    const ofA = client.approvalRequests({ threadId: "A" });
    await ask(server, 0, { threadId: "B" });
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" }, "nobody holds B's");
    await ask(server, 1, { threadId: "A" });
    const mine = await ofA.next();
    assert.equal((mine.value as ApprovalRequest).threadId, "A");
    assert.deepEqual(
      client.pendingApprovals({ threadId: "A" }).map((r) => r.requestId),
      [1],
    );
    assert.deepEqual(client.pendingApprovals({ threadId: "B" }), []);
    await ofA.return?.();
    assert.deepEqual((await replyTo(server, 1)).result, { decision: "decline" }, "its reader left");
    assert.equal(seen.length, 2, "the observer saw both");
    await client.close();
  });
});
