import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import {
  CodexExperimentalApiError,
  CodexMethodNotFoundError,
  CodexTransportError,
} from "../../src/errors/index.js";
import { createFakeServer, INITIALIZE_RESULT, type FakeServer } from "../support/fake-server.js";
import type { ClientRequestMethod } from "../../src/protocol/index.js";

async function answerInitialize(server: FakeServer) {
  const init = await server.next((m) => m.method === "initialize");
  await server.send({
    id: init.id,
    result: INITIALIZE_RESULT,
  });
  return init;
}

describe("CodexClient over the in-memory pair", () => {
  it("initializes lazily with default clientInfo and capabilities, then sends initialized", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport, { experimentalApi: true });
    const listing = client.request("model/list", {});
    const init = await answerInitialize(server);
    const params = init.params as {
      clientInfo: { name: string; version: string };
      capabilities: Record<string, unknown>;
    };
    assert.equal(params.clientInfo.name, "codex-app-server-sdk");
    assert.match(params.clientInfo.version, /^\d+\.\d+\.\d+/);
    assert.equal(params.capabilities.experimentalApi, true);
    await server.next((m) => m.method === "initialized" && !("id" in m));
    const req = await server.next((m) => m.method === "model/list");
    await server.send({ id: req.id, result: { data: [], nextCursor: null } });
    assert.deepEqual(await listing, { data: [], nextCursor: null });
    assert.equal(server.received.filter((m) => m.method === "initialize").length, 1);
    await client.close();
  });

  it("initialize() is done once, and explicit params override the defaults", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    const a = client.initialize({ clientInfo: { name: "my-ide", title: null, version: "9.9.9" } });
    const b = client.initialize();
    const init = await answerInitialize(server);
    assert.deepEqual((init.params as { clientInfo: unknown }).clientInfo, {
      name: "my-ide",
      title: null,
      version: "9.9.9",
    });
    assert.equal(await a, await b);
    assert.equal(client.serverInfo?.userAgent, INITIALIZE_RESULT.userAgent);
    await client.close();
  });

  it("typed handleRequest answers server requests; close() is idempotent and works with await using", async () => {
    const { clientTransport, server } = createFakeServer();
    {
      await using client = new CodexClient(clientTransport);
      await client.start();
      client.handleRequest("item/tool/call", (params) => ({
        contentItems: [{ type: "inputText", text: `no tool ${params.tool}` }],
        success: false,
      }));
      await server.send({
        id: 0,
        method: "item/tool/call",
        params: { threadId: "t", turnId: "u", callId: "c", tool: "x", arguments: {} },
      });
      const reply = await server.next((m) => m.id === 0);
      assert.deepEqual(reply.result, {
        contentItems: [{ type: "inputText", text: "no tool x" }],
        success: false,
      });
    }
    // after the block, the client is closed
    await assert.rejects(server.send({ method: "x" }), CodexTransportError);
  });

  it("a -32601 reply becomes CodexMethodNotFoundError with the server version from initialize", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    const pending = client.requestUntyped("future/method", {});
    const init = await server.next((m) => m.method === "initialize");
    await server.send({
      id: init.id,
      result: {
        userAgent: "my-app/0.170.1 (Linux)",
        codexHome: "/x",
        platformFamily: "unix",
        platformOs: "linux",
      },
    });
    const req = await server.next((m) => m.method === "future/method");
    await server.send({ id: req.id, error: { code: -32601, message: "Method not found" } });
    await assert.rejects(pending, (e: unknown) => {
      assert.ok(e instanceof CodexMethodNotFoundError);
      assert.equal(e.serverVersion, "0.170.1");
      assert.equal(e.method, "future/method");
      return true;
    });
    await client.close();
  });

  it("experimental methods and fields are refused before anything is sent, unless the client opted in", async () => {
    const { clientTransport, server } = createFakeServer();
    const client = new CodexClient(clientTransport);
    await assert.rejects(
      client.request("thread/settings/update", { threadId: "t" }),
      (e: unknown) => e instanceof CodexExperimentalApiError && e.method === "thread/settings/update",
    );
    await assert.rejects(
      client.startThread({ dynamicTools: [] }),
      (e: unknown) => e instanceof CodexExperimentalApiError && /experimentalApi: true/.test(e.message),
    );
    assert.equal(server.received.length, 0, "nothing reached the server");
    await client.close();

    const optedIn = createFakeServer();
    const experimental = new CodexClient(optedIn.clientTransport, { experimentalApi: true });
    const pending = experimental.startThread({ dynamicTools: [] });
    const init = await optedIn.server.next((m) => m.method === "initialize");
    await optedIn.server.send({
      id: init.id,
      result: INITIALIZE_RESULT,
    });
    const start = await optedIn.server.next((m) => m.method === "thread/start");
    assert.deepEqual((start.params as { dynamicTools: unknown }).dynamicTools, []);
    await optedIn.server.send({ id: start.id, result: { thread: { id: "thr" } } });
    assert.equal((await pending).threadId, "thr");
    await experimental.close();
  });
});

describe("request() params, at the type level (checked by npm run typecheck)", () => {
  it("may be left out only when every method of the union allows it", () => {
    const calls = (c: CodexClient, wide: ClientRequestMethod, pair: "thread/start" | "account/logout") => {
      // @ts-expect-error a union holding a method that needs params needs params
      void c.request(wide);
      // @ts-expect-error thread/start needs its params
      void c.request(pair);
      void c.request("account/rateLimits/read"); // its params are optional
      void c.request("account/logout"); // it takes none
      // @ts-expect-error remoteControl/enable takes params or null, not nothing
      void c.request("remoteControl/enable");
      void c.request("remoteControl/enable", null);
    };
    assert.equal(typeof calls, "function");
  });
});
