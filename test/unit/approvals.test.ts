import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import {
  CommandApprovalWithExecpolicyAmendment,
  CommandApprovalWithNetworkPolicyAmendment,
  type ApprovalDecision,
} from "../../src/approvals/decisions.js";
import {
  CommandApprovalRequest,
  FileChangeApprovalRequest,
  type ApprovalDecisionRecord,
  type ApprovalRequest,
} from "../../src/approvals/requests.js";
import { CodexError, CodexOverflowError, CodexProtocolError } from "../../src/errors/index.js";
import { createFakeServer, startedClient, type FakeServer } from "../support/fake-server.js";

const T = "thread-1";
const U = "turn-1";

function commandParams(over: Record<string, unknown> = {}) {
  return {
    kind: "command",
    threadId: T,
    turnId: U,
    itemId: "call_1",
    startedAtMs: 1,
    environmentId: "local",
    reason: "need it",
    command: "/bin/bash -lc 'echo hi > out.txt'",
    cwd: "/work",
    commandActions: [{ type: "unknown", command: "echo hi > out.txt" }],
    proposedExecpolicyAmendment: ["/bin/bash", "-lc", "echo hi > out.txt"],
    availableDecisions: [
      "accept",
      { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["/bin/bash", "-lc", "echo hi > out.txt"] } },
      "cancel",
    ],
    ...over,
  };
}

const fileParams = (over: Record<string, unknown> = {}) => ({
  threadId: T,
  turnId: U,
  itemId: "call_2",
  startedAtMs: 1,
  reason: null,
  grantRoot: null,
  ...over,
});

async function setup(options: Parameters<typeof startedClient>[0] = {}) {
  const started = await startedClient(options);
  const records: ApprovalDecisionRecord[] = [];
  started.client.onApprovalDecided((r) => records.push(r));
  return { ...started, records };
}

const askCommand = (server: FakeServer, id: number, over: Record<string, unknown> = {}) =>
  server.send({ id, method: "item/commandExecution/requestApproval", params: commandParams(over) });
const askFile = (server: FakeServer, id: number, over: Record<string, unknown> = {}) =>
  server.send({ id, method: "item/fileChange/requestApproval", params: fileParams(over) });
const replyTo = (server: FakeServer, id: number) => server.next((m) => m.id === id && !("method" in m));

const abortedSignal = (signal: AbortSignal) =>
  signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener("abort", resolve));

/** Resolves once the client has sent its reply to a later, auto-declined request: a barrier. */
async function barrier(server: FakeServer, id: number) {
  await askCommand(server, id, { threadId: "other-thread" });
  await replyTo(server, id);
}

describe("approvals: callback mode", () => {
  it("with no handler and no consumer, every request is declined at once", async () => {
    const { client, server, records } = await setup();
    await askCommand(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    await askFile(server, 1);
    assert.deepEqual((await replyTo(server, 1)).result, { decision: "decline" });
    assert.deepEqual(
      records.map((r) => [r.request.type, r.decidedBy, r.decision]),
      [
        ["commandExecution", "auto", "decline"],
        ["fileChange", "auto", "decline"],
      ],
    );
    await client.close();
  });

  it("a handler's decision is sent, with the request typed as a class and the audit record filled", async () => {
    const { client, server, records } = await setup();
    const seen: ApprovalRequest[] = [];
    client.setApprovalHandler(async (req) => {
      seen.push(req);
      assert.equal(req.pending, true);
      return "acceptForSession" as const;
    });
    await askCommand(server, 7);
    assert.deepEqual((await replyTo(server, 7)).result, { decision: "acceptForSession" });
    const req = seen[0];
    assert.ok(req instanceof CommandApprovalRequest);
    assert.equal(req.type, "commandExecution");
    assert.equal(req.kind, "command");
    assert.equal(req.requestId, 7);
    assert.equal(req.reason, "need it");
    assert.deepEqual(req.proposedExecpolicyAmendment, ["/bin/bash", "-lc", "echo hi > out.txt"]);
    assert.equal(req.pending, false, "answered requests stop being pending");
    assert.equal(req.signal.aborted, true);
    assert.equal(records[0]?.decidedBy, "handler");
    assert.ok((records[0]?.latencyMs ?? -1) >= 0);
    await client.close();
  });

  it("an execpolicy amendment goes on the wire in the schema's shape", async () => {
    const { client, server } = await setup();
    client.setApprovalHandler(() => new CommandApprovalWithExecpolicyAmendment(["echo"]));
    await askCommand(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, {
      decision: { acceptWithExecpolicyAmendment: { execpolicy_amendment: ["echo"] } },
    });
    await client.close();
  });

  it("a handler that throws gets decline sent, and the error is reported", async () => {
    const { client, server, errors, records } = await setup();
    client.setApprovalHandler(() => {
      throw new Error("boom");
    });
    await askCommand(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? "", /handler threw; the request was declined/);
    assert.equal((errors[0]?.cause as Error).message, "boom");
    assert.equal(records[0]?.decidedBy, "handler");
    assert.equal(records[0]?.error, errors[0]);
    await client.close();
  });

  it("an invalid decision from the handler is declined and reported (amendment for a file change)", async () => {
    const { client, server, errors } = await setup();
    client.setApprovalHandler(() => new CommandApprovalWithExecpolicyAmendment(["rm"]));
    await askFile(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    assert.ok(errors[0] instanceof TypeError);
    assert.match(errors[0].message, /CommandApprovalWithExecpolicyAmendment\(\["rm"\]\).*file change/);
    await client.close();
  });

  it("a decision outside availableDecisions is declined and reported", async () => {
    const { client, server, errors } = await setup();
    client.setApprovalHandler(
      () => new CommandApprovalWithNetworkPolicyAmendment({ host: "example.com", action: "allow" }),
    );
    await askCommand(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    assert.match(errors[0]?.message ?? "", /not among the decisions the server offers/);
    await client.close();
  });

  it("a handler slower than approvalTimeoutMs gets decline, and its late answer is dropped", async () => {
    const { client, server, records } = await setup({ approvalTimeoutMs: 50 });
    let late!: (d: "accept") => void;
    client.setApprovalHandler(() => new Promise<ApprovalDecision>((resolve) => (late = resolve)));
    await askCommand(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    assert.equal(records[0]?.decidedBy, "timeout");
    late("accept");
    await barrier(server, 1);
    assert.equal(server.received.filter((m) => m.id === 0).length, 1, "exactly one reply");
    await client.close();
  });

  it("approvalTimeoutMs must be positive", () => {
    const { clientTransport } = createFakeServer();
    assert.throws(() => new CodexClient(clientTransport, { approvalTimeoutMs: 0 }), RangeError);
  });
});

describe("approvals: stream mode", () => {
  it("requests wait for a manual answer; a second answer is refused as no longer pending", async () => {
    const { client, server, records } = await setup();
    const iterator = client.approvalRequests();
    await askCommand(server, 0);
    const { value: req } = await iterator.next();
    assert.ok(req instanceof CommandApprovalRequest);
    assert.deepEqual(client.pendingApprovals(), [req]);
    client.approveApproval(req, { forSession: true });
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "acceptForSession" });
    assert.throws(
      () => client.declineApproval(req),
      (e: unknown) =>
        e instanceof CodexProtocolError && /approval request is no longer pending/.test(e.message),
    );
    assert.equal(records[0]?.decidedBy, "stream");
    assert.deepEqual(client.pendingApprovals(), []);
    await iterator.return?.();
    await client.close();
  });

  it("a decision invalid for the request type throws TypeError naming both, and the request stays pending", async () => {
    const { client, server } = await setup();
    const iterator = client.approvalRequests();
    await askFile(server, 0);
    const { value: req } = await iterator.next();
    assert.ok(req instanceof FileChangeApprovalRequest);
    assert.throws(
      () => client.approveApproval(req, { execpolicyAmendment: ["uv", "run"] }),
      (e: unknown) =>
        e instanceof TypeError && /fileChange/.test(e.message) && /\["uv","run"\]/.test(e.message),
    );
    assert.equal(req.pending, true);
    client.cancelApproval(req);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "cancel" });
    await iterator.return?.();
    await client.close();
  });

  it("decline is always allowed, and acceptForSession wherever accept is offered", async () => {
    const { client, server } = await setup();
    const iterator = client.approvalRequests();
    await askCommand(server, 0);
    await askCommand(server, 1, { itemId: "call_9" });
    const a = (await iterator.next()).value as ApprovalRequest;
    const b = (await iterator.next()).value as ApprovalRequest;
    client.declineApproval(a);
    client.approveApproval(b, { forSession: true });
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    assert.deepEqual((await replyTo(server, 1)).result, { decision: "acceptForSession" });
    await askCommand(server, 2, { availableDecisions: ["cancel"] });
    const c = (await iterator.next()).value as ApprovalRequest;
    assert.throws(() => client.approveApproval(c), /"accept" is not among the decisions the server offers/);
    client.declineApproval(c);
    await replyTo(server, 2);
    await iterator.return?.();
    await client.close();
  });

  it("with a handler set the stream only observes, and answering from it is refused", async () => {
    const { client, server } = await setup();
    let release!: () => void;
    client.setApprovalHandler(
      () => new Promise<ApprovalDecision>((resolve) => (release = () => resolve("accept"))),
    );
    const iterator = client.approvalRequests();
    await askCommand(server, 0);
    const { value: req } = await iterator.next();
    assert.throws(() => client.approveApproval(req as ApprovalRequest), /answered by its approval handler/);
    release();
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "accept" });
    await iterator.return?.();
    await client.close();
  });

  it("breaking out of the last consumer declines what waited for it", async () => {
    const { client, server, records } = await setup();
    const seen: ApprovalRequest[] = [];
    const loop = (async () => {
      for await (const req of client.approvalRequests()) {
        seen.push(req);
        break;
      }
    })();
    await askCommand(server, 0);
    await loop;
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    assert.equal(records[0]?.decidedBy, "auto");
    assert.equal(seen[0]?.pending, false);
    await client.close();
  });

  it("a waiting stream-mode request is declined after approvalTimeoutMs", async () => {
    const { client, server, records } = await setup({ approvalTimeoutMs: 40 });
    const iterator = client.approvalRequests();
    await askCommand(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "decline" });
    assert.equal(records[0]?.decidedBy, "timeout");
    await iterator.return?.();
    await client.close();
  });

  it("an aborted signal ends the iterator", async () => {
    const { client } = await setup();
    const controller = new AbortController();
    const iterator = client.approvalRequests({ signal: controller.signal });
    const next = iterator.next();
    controller.abort();
    assert.deepEqual(await next, { value: undefined, done: true });
    await client.close();
  });
});

describe("approvals: the request stops being pending", () => {
  it("serverRequest/resolved aborts the signal and no reply is sent", async () => {
    const { client, server } = await setup();
    const iterator = client.approvalRequests();
    await askCommand(server, 0);
    const { value: req } = await iterator.next();
    await server.send({ method: "serverRequest/resolved", params: { threadId: T, requestId: 0 } });
    await abortedSignal((req as ApprovalRequest).signal);
    assert.deepEqual(client.pendingApprovals(), []);
    assert.throws(() => client.approveApproval(req as ApprovalRequest), /no longer pending/);
    await iterator.return?.();
    await barrier(server, 1);
    assert.equal(server.received.filter((m) => m.id === 0).length, 0, "no reply to a resolved request");
    await client.close();
  });

  it("the end of its turn aborts it, and requests of other turns stay pending", async () => {
    const { client, server } = await setup();
    const iterator = client.approvalRequests();
    await askCommand(server, 0);
    await askCommand(server, 1, { turnId: "turn-2", itemId: "x" });
    const a = (await iterator.next()).value as ApprovalRequest;
    const b = (await iterator.next()).value as ApprovalRequest;
    await server.send({
      method: "turn/completed",
      params: { threadId: T, turn: { id: U, items: [], status: "interrupted", error: null } },
    });
    await abortedSignal(a.signal);
    assert.equal(b.pending, true);
    assert.deepEqual(client.pendingApprovals(), [b]);
    client.declineApproval(b);
    await replyTo(server, 1);
    await iterator.return?.();
    await client.close();
  });

  it("close() aborts pending requests and ends the iterators", async () => {
    const { client, server } = await setup();
    const iterator = client.approvalRequests();
    await askCommand(server, 0);
    const { value: req } = await iterator.next();
    await client.close();
    assert.equal((req as ApprovalRequest).pending, false);
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
    const late = client.approvalRequests();
    assert.deepEqual(await late.next(), { value: undefined, done: true });
  });

  it("a file-change request carries the changes announced by its item/started", async () => {
    const { client, server } = await setup();
    const seen: ApprovalRequest[] = [];
    client.setApprovalHandler((req) => {
      seen.push(req);
      return "decline";
    });
    const changes = [{ path: "/w/hello.txt", kind: { type: "add" }, diff: "hi\n" }];
    await server.send({
      method: "item/started",
      params: {
        threadId: T,
        turnId: U,
        startedAtMs: 1,
        item: { type: "fileChange", id: "call_2", changes, status: "inProgress" },
      },
    });
    await askFile(server, 0);
    await replyTo(server, 0);
    const req = seen[0];
    assert.ok(req instanceof FileChangeApprovalRequest);
    assert.equal(req.type, "fileChange");
    assert.deepEqual(
      req.changes.map(({ unifiedDiff: _diff, ...raw }) => raw),
      changes,
      "the server's fields stay as sent",
    );
    assert.equal(req.changes[0]?.unifiedDiff, "--- /dev/null\n+++ /w/hello.txt\n@@ -0,0 +1 @@\n+hi\n");
    await client.close();
  });

  it("a raw handleRequest handler replaces the SDK's approval handling", async () => {
    const { client, server } = await setup();
    client.setApprovalHandler(() => "accept");
    const off = client.handleRequest("item/commandExecution/requestApproval", () => ({ decision: "cancel" }));
    await askCommand(server, 0);
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "cancel" });
    off();
    await askCommand(server, 1);
    assert.deepEqual((await replyTo(server, 1)).result, { decision: "accept" });
    await client.close();
  });

  it("an onApprovalDecided listener that throws is reported and does not stop the reply", async () => {
    const { client, server, errors } = await setup();
    client.onApprovalDecided(() => {
      throw new Error("listener bug");
    });
    await askCommand(server, 0);
    await replyTo(server, 0);
    assert.ok(errors.some((e) => e instanceof CodexError && /onApprovalDecided/.test(e.message)));
    await client.close();
  });
});

describe("approvals: bounded waiting", () => {
  it("past maxPendingServerRequests a request gets its safe default at once and the overflow is reported", async () => {
    const { client, server, errors } = await setup({ maxPendingServerRequests: 3 });
    client.setApprovalHandler("hold");
    for (let id = 0; id < 3; id++) await askCommand(server, id, { itemId: `held-${id}` });
    while (client.pendingApprovals().length < 3) await new Promise((r) => setImmediate(r));
    // The fourth and fifth: declined at once (nothing is granted), reported, never held.
    await askCommand(server, 3, { itemId: "over-3" });
    await askFile(server, 4, { itemId: "over-4" });
    assert.deepEqual((await replyTo(server, 3)).result, { decision: "decline" });
    assert.deepEqual((await replyTo(server, 4)).result, { decision: "decline" });
    assert.equal(client.pendingApprovals().length, 3);
    const overflows = errors.filter((e) => e instanceof CodexOverflowError);
    assert.equal(overflows.length, 2);
    assert.equal((overflows[0] as CodexOverflowError).capacity, 3);
    assert.match(overflows[0]?.message ?? "", /maxPendingServerRequests/);
    // A hook's safe default is used whoever handles it; a method with none gets -32603.
    client.handleRequest("item/tool/requestUserInput", () => new Promise(() => {}));
    await server.send({
      id: 5,
      method: "item/tool/requestUserInput",
      params: {
        threadId: T,
        turnId: U,
        itemId: "ui",
        isBlocking: true,
        autoResolutionMs: null,
        questions: [],
      },
    });
    assert.deepEqual((await replyTo(server, 5)).result, { answers: {} });
    client.handleRequest("x/custom" as never, (() => new Promise(() => {})) as never);
    await server.send({ id: 7, method: "x/custom", params: {} });
    assert.equal(((await replyTo(server, 7)).error as { code: number }).code, -32603);
    // Answering one held request makes room again.
    client.respondApproval(client.pendingApprovals()[0]!.key, "accept");
    assert.deepEqual((await replyTo(server, 0)).result, { decision: "accept" });
    await askCommand(server, 6, { itemId: "held-6" });
    while (client.pendingApprovals().length < 3) await new Promise((r) => setImmediate(r));
    assert.equal(server.received.filter((m) => m.id === 6 && !("method" in m)).length, 0);
    await client.close();
  });

  it("at the cap: bad params get -32602 (no crash), a tool call is told the client is busy, and nobody listening gets a warning", async () => {
    // No onError listener (startedClient adds one): the overflow must still be heard.
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport, { maxPendingServerRequests: 1 });
    await client.start();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      client.setApprovalHandler("hold");
      client.registerTool("echo", () => "ok");
      await askCommand(server, 0);
      while (client.pendingApprovals().length < 1) await new Promise((r) => setImmediate(r));
      await server.send({ id: 1, method: "item/tool/call" }); // no params at all
      assert.equal(((await replyTo(server, 1)).error as { code: number }).code, -32602);
      await server.send({
        id: 2,
        method: "item/tool/call",
        params: { threadId: T, turnId: U, callId: "c", namespace: null, tool: "echo", arguments: {} },
      });
      const busy = (await replyTo(server, 2)).result as {
        success: boolean;
        contentItems: { text: string }[];
      };
      assert.equal(busy.success, false);
      assert.match(busy.contentItems[0]?.text ?? "", /busy/);
      await new Promise((r) => setImmediate(r));
      const overflow = warnings.filter(
        (w) => (w as { code?: string }).code === "CODEX_SDK_SERVER_REQUESTS_OVERFLOW",
      );
      assert.equal(overflow.length, 1); // once per kind, with no onError listener
    } finally {
      process.off("warning", onWarning);
      await client.close();
    }
  });

  it("a request the server resolves stops counting, and its raw handler's signal aborts", async () => {
    const { client, server, errors } = await setup({ maxPendingServerRequests: 1 });
    let signal: AbortSignal | undefined;
    client.handleRequest(
      "x/custom" as never,
      ((_p: unknown, ctx: { signal: AbortSignal }) => {
        signal = ctx.signal;
        return new Promise(() => {});
      }) as never,
    );
    await server.send({ id: 0, method: "x/custom", params: {} });
    while (!signal) await new Promise((r) => setImmediate(r));
    await server.send({ method: "serverRequest/resolved", params: { threadId: T, requestId: 0 } });
    assert.equal(signal.aborted, true);
    client.setApprovalHandler(() => "accept");
    await askCommand(server, 1);
    assert.deepEqual((await replyTo(server, 1)).result, { decision: "accept" });
    assert.deepEqual(
      errors.filter((e) => e instanceof CodexOverflowError),
      [],
    );
    assert.equal(server.received.filter((m) => m.id === 0 && !("method" in m)).length, 0);
    await client.close();
  });

  it("maxPendingServerRequests must be a positive integer", () => {
    const { clientTransport } = createFakeServer();
    assert.throws(() => new CodexClient(clientTransport, { maxPendingServerRequests: 0 }), RangeError);
  });
});
