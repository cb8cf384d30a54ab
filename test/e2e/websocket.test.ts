import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexAuthenticationError } from "../../src/errors/index.js";
import {
  createTestCodexHome,
  MockModelServer,
  startListeningAppServer,
  type ListeningAppServer,
  type TestCodexHome,
} from "../../src/testing/index.js";
import "../support/deprecation-guard.js";

describe("real app-server over WebSocket with a capability token", () => {
  const token = "tok-" + Math.random().toString(36).slice(2) + "-secret";
  let modelServer: MockModelServer;
  let home: TestCodexHome;
  let server: ListeningAppServer;
  let url: string;

  before(async () => {
    modelServer = await MockModelServer.start();
    home = createTestCodexHome({ modelServer });
    server = await startListeningAppServer({ home, transport: "websocket", token });
    url = server.url as string;
  });
  after(async () => {
    await server?.stop();
    await modelServer?.close();
    home?.dispose();
  });

  it("initializes with the right token and runs a request", async () => {
    await using client = CodexClient.connectWebSocket({ url, token });
    const info = await client.initialize();
    assert.equal(info.platformFamily, "unix");
    const { thread } = await client.request("thread/start", { cwd: home.workspace });
    assert.equal(typeof thread.id, "string");
  });

  it("reads url and token from CODEX_APP_SERVER_WS_URL / CODEX_APP_SERVER_TOKEN", async () => {
    const saved = { u: process.env.CODEX_APP_SERVER_WS_URL, t: process.env.CODEX_APP_SERVER_TOKEN };
    process.env.CODEX_APP_SERVER_WS_URL = url;
    process.env.CODEX_APP_SERVER_TOKEN = token;
    try {
      await using client = CodexClient.connectWebSocket();
      assert.equal((await client.initialize()).platformFamily, "unix");
    } finally {
      if (saved.u === undefined) delete process.env.CODEX_APP_SERVER_WS_URL;
      else process.env.CODEX_APP_SERVER_WS_URL = saved.u;
      if (saved.t === undefined) delete process.env.CODEX_APP_SERVER_TOKEN;
      else process.env.CODEX_APP_SERVER_TOKEN = saved.t;
    }
  });

  for (const [label, badToken] of [
    ["a wrong token", "wrong-token-value"],
    ["no token", undefined],
  ] as const) {
    it(`${label} gets a clear authentication error that never prints the token`, async () => {
      const client = CodexClient.connectWebSocket({ url, token: badToken });
      await assert.rejects(client.initialize(), (e: unknown) => {
        assert.ok(e instanceof CodexAuthenticationError, String(e));
        assert.equal(e.status, 401);
        assert.match(e.message, /HTTP 401/);
        assert.match(e.message, /token/);
        assert.doesNotMatch(e.message + String(e.stack), new RegExp(token));
        if (badToken) assert.doesNotMatch(e.message, new RegExp(badToken));
        return true;
      });
      await client.close();
    });
  }
});
