import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { WebSocketServer } from "ws";
import { CodexTransportError } from "../../src/errors/index.js";
import { WebSocketTransport } from "../../src/transport/websocket.js";

describe("WebSocketTransport against a local ws server", () => {
  it("sends the bearer token and extra headers, no Origin; one JSON message per frame", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => wss.once("listening", r));
    const port = (wss.address() as AddressInfo).port;
    let headers: IncomingHttpHeaders = {};
    const frames: string[] = [];
    wss.on("connection", (socket, req) => {
      headers = req.headers;
      socket.on("message", (d) => {
        frames.push(String(d));
        socket.send(JSON.stringify({ id: 1, result: "pong" }));
        socket.send("not json");
      });
    });
    const transport = new WebSocketTransport({
      url: `ws://127.0.0.1:${port}`,
      token: "abc",
      headers: { "X-Test": "1" },
    });
    const got: unknown[] = [];
    const errors: Error[] = [];
    transport.onmessage = (m) => got.push(m);
    transport.onerror = (e) => errors.push(e);
    await transport.start();
    await transport.send({ id: 1, method: "ping" });
    while (got.length < 1 || errors.length < 1) await new Promise((r) => setTimeout(r, 5));
    assert.equal(headers.authorization, "Bearer abc");
    assert.equal(headers["x-test"], "1");
    assert.equal(headers.origin, undefined);
    assert.deepEqual(frames, ['{"id":1,"method":"ping"}']);
    assert.deepEqual(got, [{ id: 1, result: "pong" }]);
    assert.match(errors[0]!.message, /not JSON/);
    await transport.close();
    await assert.rejects(transport.send({}), CodexTransportError);
    await new Promise((r) => wss.close(r));
  });

  it("reports an unexpected server-side close through onclose with an error", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => wss.once("listening", r));
    const port = (wss.address() as AddressInfo).port;
    wss.on("connection", (socket) => setTimeout(() => socket.close(1011, "going away"), 10));
    const transport = new WebSocketTransport({ url: `ws://127.0.0.1:${port}` });
    const closed = new Promise<Error | undefined>((resolve) => (transport.onclose = resolve));
    await transport.start();
    const error = await closed;
    assert.ok(error instanceof CodexTransportError);
    assert.match(error.message, /1011/);
    await new Promise((r) => wss.close(r));
  });
  it("close() while start() is still loading ws: start rejects and no connection is ever opened", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => wss.once("listening", r));
    const port = (wss.address() as AddressInfo).port;
    let connections = 0;
    wss.on("connection", () => connections++);
    const transport = new WebSocketTransport({ url: `ws://127.0.0.1:${port}` });
    try {
      const started = transport.start();
      await transport.close();
      await assert.rejects(
        started,
        (e) => e instanceof CodexTransportError && /closed before/.test(e.message),
      );
      await new Promise((r) => setTimeout(r, 100)); // a quiet period: no connection may open in it
      assert.equal(connections, 0);
    } finally {
      for (const client of wss.clients) client.terminate();
      await new Promise((r) => wss.close(r));
    }
  });
});
