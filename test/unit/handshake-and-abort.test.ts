// A failed handshake does not poison the client, and an already-aborted signal sends nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import {
  CodexAbortError,
  CodexProtocolError,
  CodexTimeoutError,
  CodexTransportError,
} from "../../src/errors/index.js";
import { createFakeServer, INITIALIZE_RESULT } from "../support/fake-server.js";

describe("handshake retries", () => {
  it("after a handshake timeout, the next call takes the late reply to the same initialize", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport, { requestTimeoutMs: 50 });
    const started = Date.now();
    await assert.rejects(
      client.initialize(),
      (e: unknown) => e instanceof CodexTimeoutError && e.timeoutMs === 50,
    );
    assert.ok(Date.now() - started < 1000);
    const init = await server.next((m) => m.method === "initialize");
    const retry = client.listThreads();
    await server.send({ id: init.id, result: INITIALIZE_RESULT });
    const list = await server.next((m) => m.method === "thread/list");
    await server.send({ id: list.id, result: { data: [], nextCursor: null } });
    await retry;
    assert.equal(client.serverVersion, "0.169.0");
    assert.equal(
      server.received.filter((m) => m.method === "initialize").length,
      1,
      "one initialize on the wire",
    );
    assert.equal(server.received.filter((m) => m.method === "initialized").length, 1);
    await client.close();
  });

  it("a refused initialize is sent again by the next call", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    const first = client.initialize();
    const a = await server.next((m) => m.method === "initialize");
    await server.send({ id: a.id, error: { code: -32603, message: "not ready" } });
    await assert.rejects(first, CodexProtocolError);
    const second = client.initialize();
    const b = await server.next((m) => m.method === "initialize");
    assert.notEqual(b.id, a.id);
    await server.send({ id: b.id, result: INITIALIZE_RESULT });
    assert.equal((await second).userAgent, INITIALIZE_RESULT.userAgent);
    await client.close();
  });

  it("once closed, the handshake fails with CodexTransportError", async () => {
    const { clientTransport } = createFakeServer();
    const client = new CodexClient(clientTransport);
    await client.close();
    await assert.rejects(client.initialize(), CodexTransportError);
    await assert.rejects(client.initialize(), CodexTransportError);
  });
});

describe("an already-aborted signal", () => {
  it("sends neither thread/start nor turn/start, for chatOnce, chat and streamTurn", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    const signal = AbortSignal.abort();
    await assert.rejects(client.chatOnce("hi", { signal }), CodexAbortError);
    await assert.rejects(client.chatOnce("hi", { threadId: "T", signal }), CodexAbortError);
    await assert.rejects(client.streamTurn("T", "hi", { signal }), CodexAbortError);
    await assert.rejects(
      (async () => {
        for await (const _ of client.chat("hi", { signal })) assert.fail("no step expected");
      })(),
      CodexAbortError,
    );
    await new Promise((r) => setImmediate(r));
    const sent = server.received.map((m) => m.method);
    assert.ok(
      !sent.includes("thread/start") && !sent.includes("turn/start") && !sent.includes("turn/interrupt"),
      `sent: ${sent.join(", ")}`,
    );
    await client.close();
  });
});
