// What happens when `turn/interrupt` fails: a background interrupt (on abort) that fails while the
// turn runs reaches onError; the server's "no active turn to interrupt" is the only answer that
// cancel() reads as "the turn had ended", and any other refusal is thrown.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CodexClient } from "../../src/client/client.js";
import { CodexError, CodexOverloadedError, CodexProtocolError } from "../../src/errors/index.js";
import { connectedClient, type FakeServer } from "../support/fake-server.js";

/** A client on a fake server that answers `initialize` and `thread/resume`, with its errors collected. */
async function connected(): Promise<{ client: CodexClient; server: FakeServer; errors: Error[] }> {
  const { client, server } = await connectedClient({ overloadRetry: false });
  const errors: Error[] = [];
  client.onError((e) => errors.push(e));
  return { client, server, errors };
}

async function answerResumeAndStart(server: FakeServer, turnId: string): Promise<void> {
  const resume = await server.next((m) => m.method === "thread/resume");
  const threadId = (resume.params as { threadId: string }).threadId;
  await server.send({ id: resume.id, result: { thread: { id: threadId, turns: [] } } });
  const start = await server.next((m) => m.method === "turn/start");
  await server.send({
    id: start.id,
    result: { turn: { id: turnId, items: [], status: "inProgress", error: null } },
  });
}

const turnCompleted = (threadId: string, turnId: string, status: string) => ({
  method: "turn/completed",
  params: { threadId, turn: { id: turnId, items: [], status, error: null } },
});

describe("turn/interrupt failures", () => {
  it("an abort whose turn/interrupt fails reaches onError, naming the turn, with the server's error as cause", async () => {
    const { client, server, errors } = await connected();
    const abort = new AbortController();
    const streamP = client.streamTurn("T", "go", { signal: abort.signal });
    await answerResumeAndStart(server, "U");
    await streamP;
    abort.abort();
    const interrupt = await server.next((m) => m.method === "turn/interrupt");
    const reported = new Promise<Error>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("nothing reached onError within 5 s")), 5_000);
      client.onError((error) => {
        clearTimeout(timer);
        resolve(error);
      });
    });
    await server.send({ id: interrupt.id, error: { code: -32603, message: "interrupt broke" } });
    const error = await reported;
    assert.ok(error instanceof CodexError);
    assert.match(error.message, /Turn U on thread T: turn\/interrupt failed/);
    assert.match(error.message, /interrupt broke/);
    assert.ok(error.cause instanceof CodexProtocolError);
    assert.equal(error.cause.code, -32603);
    assert.deepEqual(errors, [error]);
    await client.close();
  });

  it("a reader that stops and then closes the client: the interrupt the close cuts off is not reported", async () => {
    const { client, server, errors } = await connected();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      const streamP = client.streamTurn("T", "go");
      await answerResumeAndStart(server, "U");
      const stream = await streamP;
      await server.send({
        method: "item/agentMessage/delta",
        params: { threadId: "T", turnId: "U", itemId: "m", delta: "x" },
      });
      for await (const _ of stream) break; // the reader stops: the turn is interrupted in the background
      await server.next((m) => m.method === "turn/interrupt"); // sent, and never answered
      await client.close();
      await new Promise((r) => setImmediate(r)); // the cut-off interrupt's rejection has been handled
      assert.deepEqual(errors, [], "closing the client is not an interrupt failure to act on");
      assert.deepEqual(
        warnings.filter((w) => (w as { code?: string }).code === "CODEX_TURN_INTERRUPT_FAILED"),
        [],
      );
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("the model-retry bound's interrupt, when it fails, reaches onError (it is not swallowed)", async () => {
    const { client, server, errors } = await connected();
    const streamP = client.streamTurn("T", "go", { modelRetryTimeoutMs: 50 });
    await answerResumeAndStart(server, "U");
    const stream = await streamP;
    const reported = new Promise<Error>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("nothing reached onError within 5 s")), 5_000);
      client.onError((error) => {
        clearTimeout(timer);
        resolve(error);
      });
    });
    await server.send({
      method: "error",
      params: { threadId: "T", turnId: "U", willRetry: true, error: { message: "Reconnecting... 1/5" } },
    });
    const interrupt = await server.next((m) => m.method === "turn/interrupt");
    await assert.rejects(stream.done(), /modelRetryTimeoutMs/);
    await server.send({ id: interrupt.id, error: { code: -32603, message: "interrupt broke" } });
    const error = await reported;
    assert.match(error.message, /Turn U on thread T: turn\/interrupt failed/);
    assert.match(error.message, /interrupt broke/);
    assert.deepEqual(errors, [error]);
    await client.close();
  });

  it("an abort answered with 'no active turn to interrupt' is not reported: the turn had ended", async () => {
    const { client, server, errors } = await connected();
    const abort = new AbortController();
    const streamP = client.streamTurn("T", "go", { signal: abort.signal });
    await answerResumeAndStart(server, "U");
    const stream = await streamP;
    abort.abort();
    const interrupt = await server.next((m) => m.method === "turn/interrupt");
    await server.send({ id: interrupt.id, error: { code: -32600, message: "no active turn to interrupt" } });
    // A request after the refusal: its answer arrives after the refusal was handled.
    const after = client.requestUntyped("fake/ping", {});
    const ping = await server.next((m) => m.method === "fake/ping");
    await server.send({ id: ping.id, result: {} });
    await after;
    await server.send(turnCompleted("T", "U", "interrupted"));
    assert.equal((await stream.done()).status, "interrupted");
    assert.deepEqual(errors, []);
    await client.close();
  });

  it("cancel() of a tracked turn that ended on the server first: the refusal is not thrown, the turn's end is read", async () => {
    const { client, server, errors } = await connected();
    const streamP = client.streamTurn("T", "go");
    await answerResumeAndStart(server, "U");
    const stream = await streamP;
    const cancelled = client.cancel(stream.continuation(), { timeoutMs: 5_000 });
    const interrupt = await server.next((m) => m.method === "turn/interrupt");
    await server.send({ id: interrupt.id, error: { code: -32600, message: "no active turn to interrupt" } });
    await server.send(turnCompleted("T", "U", "completed"));
    const result = await cancelled;
    assert.equal(result.status, "completed");
    assert.equal(result.wasInterrupted, false);
    assert.deepEqual(errors, []);
    await client.close();
  });

  const untracked = { threadId: "T", turnId: "U", cursor: 0, mode: "stream" as const };
  // The history look-up cancel() makes (thread/turns/list, newest first).
  const readAnswer = (status: string) => ({
    data: [{ id: "U", items: [], status, error: null }],
    nextCursor: null,
    backwardsCursor: null,
  });

  it("cancel() of an untracked turn: 'no active turn to interrupt' means it had ended (wasCompleted)", async () => {
    const { client, server } = await connected();
    const cancelled = client.cancel(untracked, { timeoutMs: 5_000 });
    const resume = await server.next((m) => m.method === "turn/interrupt");
    await server.send({ id: resume.id, error: { code: -32600, message: "no active turn to interrupt" } });
    const read = await server.next((m) => m.method === "thread/turns/list");
    await server.send({ id: read.id, result: readAnswer("completed") });
    const result = await cancelled;
    assert.equal(result.wasCompleted, true);
    assert.equal(result.status, "completed");
    await client.close();
  });

  it("cancel() of an untracked turn: an overloaded server is thrown, not read as 'not running'", async () => {
    const { client, server } = await connected();
    const cancelled = client.cancel(untracked, { timeoutMs: 5_000 });
    const interrupt = await server.next((m) => m.method === "turn/interrupt");
    await server.send({
      id: interrupt.id,
      error: { code: -32001, message: "Server overloaded; retry later." },
    });
    await assert.rejects(cancelled, CodexOverloadedError);
    assert.equal(server.received.filter((m) => m.method === "thread/turns/list").length, 0);
    await client.close();
  });

  it("cancel() of an untracked turn: another -32600 refusal is thrown too", async () => {
    const { client, server } = await connected();
    const cancelled = client.cancel(untracked, { timeoutMs: 5_000 });
    const interrupt = await server.next((m) => m.method === "turn/interrupt");
    await server.send({ id: interrupt.id, error: { code: -32600, message: "something else entirely" } });
    await assert.rejects(
      cancelled,
      (e: unknown) => e instanceof CodexProtocolError && /something else/.test(e.message),
    );
    await client.close();
  });
});
