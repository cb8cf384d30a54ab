import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CodexClient } from "../../src/client/client.js";
import {
  CodexOverflowError,
  CodexProtocolError,
  CodexTimeoutError,
  CodexTransportError,
  CodexTurnInactiveError,
} from "../../src/errors/index.js";
import { connectedClient, type FakeServer } from "../support/fake-server.js";

// Turns on a thread id this client has not loaded resume it first: those resumes are answered
// here, so the tests below script the turn traffic only.
const connected = (options: ConstructorParameters<typeof CodexClient>[1] = {}) =>
  connectedClient(options, {
    "thread/resume": (params) => ({ thread: { id: params?.threadId, turns: [] } }),
  });

const turnCompleted = (threadId: string, turnId: string, status = "completed") => ({
  method: "turn/completed",
  params: { threadId, turn: { id: turnId, items: [], status, error: null } },
});
const agentItem = (threadId: string, turnId: string, id: string, text: string) => ({
  method: "item/completed",
  params: { threadId, turnId, item: { type: "agentMessage", id, text }, completedAtMs: 0 },
});

async function answerTurnStart(server: FakeServer, turnId: string, before: unknown[] = []) {
  const req = await server.next((m) => m.method === "turn/start");
  for (const n of before) await server.send(n);
  await server.send({
    id: req.id,
    result: { turn: { id: turnId, items: [], status: "inProgress", error: null } },
  });
  return req;
}

describe("turn routing (in-memory server)", () => {
  it("events that arrive before the turn/start response are delivered, and other turns' events are not", async () => {
    const { client, server } = await connected();
    const result = client.chatOnce("hi", { threadId: "T1" });
    const req = await answerTurnStart(server, "U1", [
      agentItem("T1", "U1", "m1", "early bird"),
      agentItem("T1", "OTHER", "m2", "not mine"),
      agentItem("T2", "U1", "m3", "other thread"),
    ]);
    assert.deepEqual((req.params as { input: unknown }).input, [
      { type: "text", text: "hi", text_elements: [] },
    ]);
    await server.send(turnCompleted("T1", "U1"));
    const r = await result;
    assert.equal(r.finalText, "early bird");
    assert.deepEqual(
      r.items.map((i) => ("id" in i ? i.id : "")),
      ["m1"],
    );
    await client.close();
  });

  it("a stream consumer that falls behind gets CodexOverflowError, not silent loss", async () => {
    const { client, server } = await connected({ turnBufferSize: 4 });
    const streamP = client.streamTurn("T", "go");
    await answerTurnStart(server, "U");
    const stream = await streamP;
    for (let i = 0; i < 10; i++) {
      await server.send({
        method: "item/agentMessage/delta",
        params: { threadId: "T", turnId: "U", itemId: "m", delta: "x" },
      });
    }
    // Each `await server.send` returns once the client has taken the message: all 10 are in.
    let read = 0;
    await assert.rejects(
      (async () => {
        for await (const _ of stream) read++;
      })(),
      CodexOverflowError,
    );
    assert.equal(read, 4);
    await client.close();
  });

  it("closing the client ends a running turn's stream with CodexTransportError", async () => {
    const { client, server } = await connected();
    const p = client.chatOnce("hi", { threadId: "T" });
    await answerTurnStart(server, "U");
    await new Promise((r) => setImmediate(r)); // the client has bound the turn
    await client.close();
    await assert.rejects(p, CodexTransportError);
  });

  it("a turn/start answered with the id of a turn being read is refused, and takes nothing from that turn", async () => {
    const { client, server } = await connected();
    const firstP = client.streamTurn("T", "one", { approvalHandler: () => "accept" });
    await answerTurnStart(server, "U");
    const first = await firstP;
    const secondP = client.streamTurn("T", "two", { approvalHandler: () => "decline" });
    await answerTurnStart(server, "U"); // a server that reuses a running turn's id
    await assert.rejects(secondP, /Turn U on thread T already has a reader/);
    // The first turn's approvals still go to its own handler.
    await server.send({
      id: 900,
      method: "item/commandExecution/requestApproval",
      params: { threadId: "T", turnId: "U", itemId: "c", startedAtMs: 1, command: "true", cwd: "/w" },
    });
    const reply = await server.next((m) => m.id === 900 && !("method" in m));
    assert.deepEqual((reply as { result?: unknown }).result, { decision: "accept" });
    await server.send(turnCompleted("T", "U"));
    assert.equal((await first.done()).status, "completed");
    await client.close();
  });

  it("a failed turn rejects chatOnce with CodexTurnFailedError carrying codexErrorInfo", async () => {
    const { client, server } = await connected();
    const p = client.chatOnce("hi", { threadId: "T" });
    await answerTurnStart(server, "U");
    await server.send({
      method: "turn/completed",
      params: {
        threadId: "T",
        turn: {
          id: "U",
          items: [],
          status: "failed",
          error: { message: "boom", codexErrorInfo: "internalServerError", additionalDetails: null },
        },
      },
    });
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof Error && e.name === "CodexTurnFailedError");
      assert.match(e.message, /boom/);
      assert.equal((e as unknown as { codexErrorInfo: unknown }).codexErrorInfo, "internalServerError");
      return true;
    });
    await client.close();
  });

  it("finalText falls back to the thread's history (thread/turns/list) when no agentMessage item arrived live", async () => {
    const { client, server } = await connected();
    const p = client.chatOnce("hi", { threadId: "T" });
    await answerTurnStart(server, "U");
    await server.send(turnCompleted("T", "U"));
    const read = await server.next((m) => m.method === "thread/turns/list");
    assert.deepEqual(read.params, { threadId: "T", sortDirection: "desc", itemsView: "full", limit: 10 });
    await server.send({
      id: read.id,
      result: {
        data: [{ id: "U", items: [{ type: "agentMessage", id: "m9", text: "from read" }] }],
        nextCursor: null,
        backwardsCursor: null,
      },
    });
    const r = await p;
    assert.equal(r.finalText, "from read");
    assert.equal(r.completionSource, "history");
    assert.equal(r.assistantItemId, "m9");
    await client.close();
  });

  it("more early events than the pending-start buffer holds fail the turn instead of vanishing", async () => {
    const { client, server } = await connected();
    const result = client.chatOnce("hi", { threadId: "T" });
    const early = Array.from({ length: 10_001 }, (_, i) => agentItem("T", "U", `m${i}`, "x"));
    await answerTurnStart(server, "U", early);
    await assert.rejects(result, CodexOverflowError);
    await client.close();
  });

  it("another turn's events overflowing the pending-start buffer do not fail the new turn", async () => {
    const { client, server } = await connected();
    const streamP = client.streamTurn("T", "hi");
    // The tail of a turn the user just left, arriving while turn/start is in flight.
    const old = Array.from({ length: 10_001 }, (_, i) => agentItem("T", "OLD", `o${i}`, "x"));
    await answerTurnStart(server, "U", old);
    const stream = await streamP;
    await server.send(agentItem("T", "U", "m1", "mine"));
    await server.send(turnCompleted("T", "U"));
    const methods: string[] = [];
    for await (const event of stream) methods.push(event.method);
    assert.deepEqual(methods, ["item/completed", "turn/completed"]);
    await client.close();
  });

  it("a resumed continuation waits a fresh inactivity window instead of failing at once", async () => {
    const { client, server } = await connected({ inactivityTimeoutMs: 60 });
    const first = client.chatOnce("hi", { threadId: "T" });
    await answerTurnStart(server, "U");
    const inactive = await first.then(
      () => assert.fail("expected an inactivity timeout"),
      (e: unknown) => e as CodexTurnInactiveError,
    );
    assert.ok(inactive instanceof CodexTurnInactiveError);
    await new Promise((resolve) => setTimeout(resolve, 100)); // longer than the window, before resuming
    const resumed = client.chatOnce(undefined, { continuation: inactive.continuation });
    await new Promise((resolve) => setTimeout(resolve, 30)); // a quiet period inside the resumed reader's new window
    await server.send(agentItem("T", "U", "m1", "late"));
    await server.send(turnCompleted("T", "U"));
    assert.equal((await resumed).finalText, "late");
    await client.close();
  });

  it("continuations cannot be combined with input or thread options", async () => {
    const { client } = await connected();
    const continuation = { threadId: "T", turnId: "U", cursor: 0, mode: "once" as const };
    await assert.rejects(client.chatOnce("x", { continuation }), /cannot be combined with input/);
    await assert.rejects(client.chatOnce(undefined, { continuation, threadId: "T" }), /threadId/);
    await assert.rejects(client.chatOnce(undefined, { continuation }), /not tracked/);
    await assert.rejects(client.chatOnce(undefined, {}), /needs input/);
    await client.close();
  });
  it("chat() sends turn/start only on the first next(), and next() calls made at once get the steps in order", async () => {
    const { client, server } = await connected();
    const steps = client.chat("hi", { threadId: "T" });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(server.received.filter((m) => m.method === "turn/start").length, 0);
    const first = steps.next();
    await answerTurnStart(server, "U");
    await server.send(agentItem("T", "U", "m0", "zero"));
    assert.equal((await first).value?.text, "zero");
    const reads = [steps.next(), steps.next(), steps.next()]; // all waiting on an empty buffer
    await server.send(agentItem("T", "U", "m1", "one"));
    await server.send(agentItem("T", "U", "m2", "two"));
    await server.send(turnCompleted("T", "U"));
    const results = await Promise.all(reads);
    assert.deepEqual(
      results.map((r) => (r.done ? "done" : r.value.text)),
      ["one", "two", "done"],
    );
    await client.close();
  });

  it("interleaved events of two running turns each reach their own stream", async () => {
    const { client, server } = await connected();
    const delta = (threadId: string, turnId: string, text: string) => ({
      method: "item/agentMessage/delta",
      params: { threadId, turnId, itemId: "a", delta: text },
    });
    const first = client.streamTurn("T1", "one");
    await answerTurnStart(server, "U1");
    const second = client.streamTurn("T2", "two");
    await answerTurnStart(server, "U2");
    const [s1, s2] = await Promise.all([first, second]);
    for (let i = 0; i < 3; i++) {
      await server.send(delta("T1", "U1", `a${i}`));
      await server.send(delta("T2", "U2", `b${i}`));
      await server.send(delta("T2", "U1", "wrong thread"));
    }
    await server.send(turnCompleted("T1", "U1"));
    await server.send(turnCompleted("T2", "U2"));
    const read = async (stream: AsyncIterable<{ method: string; params: unknown }>) => {
      const out: string[] = [];
      for await (const e of stream)
        if (e.method === "item/agentMessage/delta") out.push((e.params as { delta: string }).delta);
      return out;
    };
    assert.deepEqual(await read(s1), ["a0", "a1", "a2"]);
    assert.deepEqual(await read(s2), ["b0", "b1", "b2"]);
    await client.close();
  });
});

describe("toStep", () => {
  it("maps item types to step types, and an unknown type (even an Object.prototype name) to itself", async () => {
    const { toStep } = await import("../../src/turn/steps.js");
    const step = (type: string) =>
      toStep("t", "u", {
        type,
        id: "i",
        text: "x",
        summary: [],
        content: [],
        command: "ls",
        changes: [],
        server: "s",
        tool: "t",
      } as unknown as Parameters<typeof toStep>[2]).stepType;
    assert.deepEqual(
      ["agentMessage", "reasoning", "commandExecution", "mcpToolCall", "fileChange", "plan"].map(step),
      ["codex", "thinking", "exec", "tool", "file", "plan"],
    );
    assert.equal(step("constructor"), "constructor");
    assert.equal(step("toString"), "toString");
  });
});

describe("turns against a server that breaks the protocol", () => {
  it("chat(): an item it cannot read ends the loop with CodexProtocolError and interrupts and releases the turn", async () => {
    const { client, server } = await connected();
    const steps: string[] = [];
    const loop = (async () => {
      for await (const step of client.chat("go", { threadId: "T" })) steps.push(step.itemId);
    })();
    await answerTurnStart(server, "U", [
      agentItem("T", "U", "m1", "fine"),
      { method: "item/completed", params: { threadId: "T", turnId: "U", item: null, completedAtMs: 0 } },
    ]);
    await assert.rejects(
      loop,
      (e: unknown) => e instanceof CodexProtocolError && /without an item the SDK can read/.test(e.message),
    );
    assert.deepEqual(steps, ["m1"]);
    await server.next((m) => m.method === "turn/interrupt");
    // Released: cancel() no longer finds it tracked and asks the server again (a second
    // turn/interrupt, which this fake never answers), ending within its own timeoutMs.
    const started = performance.now();
    await assert.rejects(
      client.cancel({ threadId: "T", turnId: "U", cursor: 0, mode: "stream" }, { timeoutMs: 50 }),
      CodexTimeoutError,
    );
    assert.ok(performance.now() - started < 2_000);
    assert.equal(server.received.filter((m) => m.method === "turn/interrupt").length, 2);
    await client.close();
  });

  it("chat(): items whose list fields are missing still become steps (empty text), no TypeError", async () => {
    const { client, server } = await connected();
    const steps: { type: string; text: string }[] = [];
    const loop = (async () => {
      for await (const step of client.chat("go", { threadId: "T" }))
        steps.push({ type: step.stepType, text: step.text });
    })();
    await answerTurnStart(server, "U", [
      {
        method: "item/completed",
        params: { threadId: "T", turnId: "U", item: { type: "reasoning", id: "r" }, completedAtMs: 0 },
      },
      {
        method: "item/completed",
        params: { threadId: "T", turnId: "U", item: { type: "fileChange", id: "f" }, completedAtMs: 0 },
      },
      {
        method: "item/completed",
        params: { threadId: "T", turnId: "U", item: { type: "userMessage", id: "u" }, completedAtMs: 0 },
      },
    ]);
    await server.send(turnCompleted("T", "U"));
    await loop;
    assert.deepEqual(steps, [
      { type: "thinking", text: "" },
      { type: "file", text: "" },
      { type: "userMessage", text: "" },
    ]);
    await client.close();
  });

  it("a turn/start reply without a turn id is a CodexProtocolError, not a turn that never ends", async () => {
    const { client, server } = await connected();
    const result = client.chatOnce("go", { threadId: "T" });
    const req = await server.next((m) => m.method === "turn/start");
    await server.send({ id: req.id, result: { turn: { status: "inProgress" } } });
    await assert.rejects(
      result,
      (e: unknown) => e instanceof CodexProtocolError && /without a turn id/.test(e.message),
    );
    // The thread is usable again: the next turn is not refused as "already has a reader".
    const next = client.chatOnce("again", { threadId: "T" });
    await answerTurnStart(server, "U2", [agentItem("T", "U2", "m", "ok")]);
    await server.send(turnCompleted("T", "U2"));
    assert.equal((await next).finalText, "ok");
    await client.close();
  });

  it("a turn/completed without a turn fails the turn with CodexProtocolError instead of ending it as a success", async () => {
    const { client, server } = await connected();
    const result = client.chatOnce("go", { threadId: "T" });
    await answerTurnStart(server, "U");
    await server.send({ method: "turn/completed", params: { threadId: "T", turnId: "U", turn: null } });
    await assert.rejects(
      result,
      (e: unknown) => e instanceof CodexProtocolError && /outcome is unknown/.test(e.message),
    );
    await client.close();
  });
});

describe("chatOnce keeps a bounded number of items", () => {
  it("keepItems: the most recent items are kept, the others counted; a bad value is refused before anything is sent", async () => {
    const { client, server } = await connected();
    await assert.rejects(client.chatOnce("go", { threadId: "T", keepItems: -1 }), RangeError);
    assert.equal(server.received.filter((m) => m.method === "turn/start").length, 0);
    const result = client.chatOnce("go", { threadId: "T", keepItems: 3 });
    const items = Array.from({ length: 500 }, (_, i) => agentItem("T", "U", `m${i}`, `t${i}`));
    await answerTurnStart(server, "U", items);
    await server.send(turnCompleted("T", "U"));
    const r = await result;
    assert.deepEqual(
      r.items.map((i) => ("id" in i ? i.id : "")),
      ["m497", "m498", "m499"],
    );
    assert.equal(r.itemsDropped, 497);
    assert.equal(r.finalText, "t499");
    await client.close();
  });

  it("by default every item of an ordinary turn is kept and none is counted as dropped", async () => {
    const { client, server } = await connected();
    const result = client.chatOnce("go", { threadId: "T" });
    await answerTurnStart(server, "U", [agentItem("T", "U", "a", "1"), agentItem("T", "U", "b", "2")]);
    await server.send(turnCompleted("T", "U"));
    const r = await result;
    assert.equal(r.items.length, 2);
    assert.equal(r.itemsDropped, 0);
    await client.close();
  });
});
