import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CodexAbortError,
  CodexOverflowError,
  CodexOverloadedError,
  CodexProtocolError,
  CodexTimeoutError,
  CodexTransportError,
} from "../../src/errors/index.js";
import { RpcConnection } from "../../src/rpc/connection.js";
import { createFakeServer } from "../support/fake-server.js";

async function setup(options: ConstructorParameters<typeof RpcConnection>[1] = {}) {
  const { clientTransport, server } = createFakeServer();
  const connection = new RpcConnection(clientTransport, options);
  const errors: Error[] = [];
  connection.onError((e) => errors.push(e));
  await connection.start();
  return { connection, server, errors };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("RpcConnection", () => {
  it("correlates responses to requests by id, in any order", async () => {
    const { connection, server } = await setup();
    const a = connection.request("a", { n: 1 });
    const b = connection.request("b", undefined);
    const ra = await server.next((m) => m.method === "a");
    const rb = await server.next((m) => m.method === "b");
    assert.equal("params" in rb, false, "undefined params are left out of the request");
    assert.equal("jsonrpc" in ra, false);
    await server.send({ id: rb.id, result: "B" });
    await server.send({ id: ra.id, result: "A" });
    assert.deepEqual(await Promise.all([a, b]), ["A", "B"]);
  });

  it("accepts messages with and without jsonrpc: 2.0", async () => {
    const { connection, server } = await setup();
    const seen: unknown[] = [];
    connection.onNotification("x", (p) => seen.push(p));
    await server.send({ method: "x", params: 1 });
    await server.send({ jsonrpc: "2.0", method: "x", params: 2 });
    await tick();
    assert.deepEqual(seen, [1, 2]);
  });

  it("answers an unknown server request with -32601 and never leaves it unanswered", async () => {
    const { server } = await setup();
    await server.send({ id: 0, method: "no/such/method", params: {} });
    const reply = await server.next((m) => m.id === 0 && !("method" in m));
    assert.equal((reply.error as { code: number }).code, -32601);
    assert.match((reply.error as { message: string }).message, /no\/such\/method/);
  });

  it("keeps server request ids apart from the client's own ids", async () => {
    const { connection, server } = await setup();
    connection.onRequest("ask", (params) => ({ echoed: params }));
    const pending = connection.request("mine", {});
    const mine = await server.next((m) => m.method === "mine");
    // The server uses the very same id for its own request.
    await server.send({ id: mine.id, method: "ask", params: "q" });
    const reply = await server.next((m) => m.id === mine.id && !("method" in m));
    assert.deepEqual(reply.result, { echoed: "q" });
    await server.send({ id: mine.id, result: "mine-result" });
    assert.equal(await pending, "mine-result");
  });

  it("reports malformed lines to onError and goes on", async () => {
    const { connection, server, errors } = await setup();
    const seen: unknown[] = [];
    connection.onNotification("ok", (p) => seen.push(p));
    await server.sendRaw("{not json");
    await server.sendRaw(JSON.stringify({ foo: 1 }));
    await server.sendRaw(JSON.stringify([1, 2]));
    await server.sendRaw(JSON.stringify({ id: 999, result: null }));
    await server.send({ method: "ok", params: "still alive" });
    await tick();
    assert.deepEqual(seen, ["still alive"]);
    assert.equal(errors.length, 4);
    assert.match(errors[0]!.message, /not JSON/);
    assert.match(errors[1]!.message, /no method and no id/);
    assert.match(errors[2]!.message, /array/);
    assert.match(errors[3]!.message, /unknown request id 999/);
    const r = connection.request("after", {});
    const m = await server.next((x) => x.method === "after");
    await server.send({ id: m.id, result: 7 });
    assert.equal(await r, 7);
  });

  it("delivers the server's `error` notification to on('error') like any other", async () => {
    const { connection, server, errors } = await setup();
    const got: unknown[] = [];
    connection.onNotification("error", (p) => got.push(p));
    await server.send({ method: "error", params: { message: "model failed" } });
    await tick();
    assert.deepEqual(got, [{ message: "model failed" }]);
    assert.equal(errors.length, 0);
  });

  it("rejects with CodexProtocolError carrying code and data", async () => {
    const { connection, server } = await setup();
    const p = connection.request("bad", {});
    const m = await server.next((x) => x.method === "bad");
    await server.send({
      id: m.id,
      error: { code: -32600, message: "Invalid request", data: { field: "x" } },
    });
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof CodexProtocolError);
      assert.equal(e.code, -32600);
      assert.deepEqual(e.data, { field: "x" });
      assert.equal(e.method, "bad");
      assert.match(e.message, /Invalid request/);
      return true;
    });
  });

  it("times out a request and forgets it", async () => {
    const { connection } = await setup();
    const started = Date.now();
    await assert.rejects(connection.request("slow", {}, { timeoutMs: 50 }), (e: unknown) => {
      assert.ok(e instanceof CodexTimeoutError);
      assert.equal(e.timeoutMs, 50);
      return true;
    });
    assert.ok(Date.now() - started < 1000);
    assert.equal(connection.pendingCount, 0);
  });

  it("aborts a request through its AbortSignal", async () => {
    const { connection } = await setup();
    const controller = new AbortController();
    const p = connection.request("slow", {}, { signal: controller.signal });
    controller.abort(new Error("user gave up"));
    await assert.rejects(p, CodexAbortError);
    assert.equal(connection.pendingCount, 0);
    await assert.rejects(connection.request("x", {}, { signal: controller.signal }), CodexAbortError);
  });

  it("close() rejects every pending request with CodexTransportError and ends iterators", async () => {
    const { connection } = await setup();
    const iterator = connection.notifications();
    const pending = [connection.request("a", {}), connection.request("b", {})];
    const nextNotification = iterator.next();
    await connection.close();
    for (const p of pending) await assert.rejects(p, CodexTransportError);
    assert.deepEqual(await nextNotification, { value: undefined, done: true });
    assert.equal(connection.state, "closed");
    await connection.close(); // idempotent
    await assert.rejects(connection.request("c", {}), CodexTransportError);
  });

  it("a transport failure rejects pending requests with that error and ends iterators with it", async () => {
    const { connection, server } = await setup();
    const iterator = connection.notifications();
    const p = connection.request("a", {});
    const closed = new Promise((resolve) => connection.onClose(resolve));
    server.transport.fail(new CodexTransportError("wire cut"));
    await assert.rejects(p, /wire cut/);
    await assert.rejects(iterator.next(), /wire cut/);
    assert.match(String(((await closed) as Error).message), /wire cut/);
  });

  it("retries -32001 with back-off, then succeeds", async () => {
    const { connection, server } = await setup({ overloadRetry: { initialDelayMs: 5, maxDelayMs: 20 } });
    const p = connection.request("busy", { q: 1 });
    for (let i = 0; i < 2; i++) {
      const m = await server.next((x) => x.method === "busy");
      await server.send({ id: m.id, error: { code: -32001, message: "Server overloaded; retry later" } });
    }
    const m = await server.next((x) => x.method === "busy");
    assert.deepEqual(m.params, { q: 1 });
    await server.send({ id: m.id, result: "finally" });
    assert.equal(await p, "finally");
    assert.equal(server.received.filter((x) => x.method === "busy").length, 3);
  });

  it("surfaces a typed CodexOverloadedError when retries run out", async () => {
    const { connection, server } = await setup({ overloadRetry: { maxRetries: 2, initialDelayMs: 1 } });
    const p = connection.request("busy", {});
    for (let i = 0; i < 3; i++) {
      const m = await server.next((x) => x.method === "busy");
      await server.send({ id: m.id, error: { code: -32001, message: "Server overloaded; retry later" } });
    }
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof CodexOverloadedError);
      assert.equal(e.code, -32001);
      assert.equal(e.attempts, 3);
      return true;
    });
  });

  it("does not retry -32001 when retries are disabled", async () => {
    const { connection, server } = await setup({ overloadRetry: false });
    const p = connection.request("busy", {});
    const m = await server.next((x) => x.method === "busy");
    await server.send({ id: m.id, error: { code: -32001, message: "overloaded" } });
    await assert.rejects(p, CodexOverloadedError);
    assert.equal(server.received.filter((x) => x.method === "busy").length, 1);
  });

  it("replies -32603 when a handler throws, and reports it", async () => {
    const { connection, server, errors } = await setup();
    connection.onRequest("boom", () => {
      throw new Error("handler bug");
    });
    connection.onRequest("async-boom", async () => {
      throw new Error("async bug");
    });
    connection.onRequest("typed", () => {
      throw new CodexProtocolError("bad params", { code: -32602 });
    });
    await server.send({ id: 0, method: "boom", params: {} });
    await server.send({ id: 1, method: "async-boom", params: {} });
    await server.send({ id: 2, method: "typed", params: {} });
    const r0 = await server.next((m) => m.id === 0);
    const r1 = await server.next((m) => m.id === 1);
    const r2 = await server.next((m) => m.id === 2);
    assert.equal((r0.error as { code: number }).code, -32603);
    assert.equal((r1.error as { code: number }).code, -32603);
    assert.equal((r2.error as { code: number }).code, -32602);
    assert.equal(errors.length, 2);
  });

  it("a handler context whose signal is first read after the connection closed gives an aborted signal", async () => {
    const { connection, server } = await setup();
    let context: { signal: AbortSignal } | undefined;
    connection.onRequest("wait", (_p, ctx) => {
      context = ctx;
      return new Promise(() => {});
    });
    await server.send({ id: 6, method: "wait", params: {} });
    await tick();
    await connection.close();
    assert.equal(context?.signal.aborted, true);
    assert.ok(context?.signal.reason instanceof Error);
  });

  it("aborts in-flight server request handlers when the connection closes", async () => {
    const { connection, server } = await setup();
    let signal: AbortSignal | undefined;
    connection.onRequest("wait", (_p, ctx) => {
      signal = ctx.signal;
      return new Promise(() => {});
    });
    await server.send({ id: 5, method: "wait", params: {} });
    await tick();
    assert.equal(signal?.aborted, false);
    await connection.close();
    assert.equal(signal?.aborted, true);
  });

  it("notification listeners unsubscribe, and a throwing listener does not stop the others", async () => {
    const { connection, server, errors } = await setup();
    const got: string[] = [];
    const off = connection.onNotification("n", () => got.push("a"));
    connection.onNotification("n", () => {
      throw new Error("listener bug");
    });
    connection.onNotification("n", () => got.push("c"));
    await server.send({ method: "n" });
    await tick();
    off();
    await server.send({ method: "n" });
    await tick();
    assert.deepEqual(got, ["a", "c", "c"]);
    assert.equal(errors.length, 2);
  });

  it("notifications() is bounded: a slow consumer gets CodexOverflowError after the buffered items", async () => {
    const { connection, server } = await setup();
    const iterator = connection.notifications({ bufferSize: 3 });
    for (let i = 0; i < 5; i++) await server.send({ method: "n", params: i });
    await tick();
    const got: unknown[] = [];
    await assert.rejects(
      (async () => {
        for await (const n of iterator) got.push(n.params);
      })(),
      CodexOverflowError,
    );
    assert.deepEqual(got, [0, 1, 2]);
  });

  it("breaking out of notifications() unsubscribes", async () => {
    const { connection, server } = await setup();
    const iterator = connection.notifications({ bufferSize: 2 });
    await server.send({ method: "n", params: 1 });
    for await (const n of iterator) {
      assert.equal(n.params, 1);
      break;
    }
    // With the consumer gone, far more than bufferSize notifications must not fail anything.
    for (let i = 0; i < 10; i++) await server.send({ method: "n", params: i });
    await tick();
    assert.deepEqual(await iterator.next(), { value: undefined, done: true });
  });

  it("rejects requests before start() with a clear error", async () => {
    const { clientTransport } = createFakeServer();
    const connection = new RpcConnection(clientTransport);
    await assert.rejects(connection.request("x", {}), /not started/);
  });
});
