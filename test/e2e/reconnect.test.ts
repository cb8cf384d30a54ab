// The WebSocket server goes away: without reconnect everything pending fails; with reconnect the
// client comes back to a restarted server (same CODEX_HOME), resumes its threads, and a running
// turn is reported, never lost.
import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { CodexClient, type ReconnectInfo } from "../../src/index.js";
import { CodexTransportError } from "../../src/errors/index.js";
import {
  createTestCodexHome,
  MockModelServer,
  model,
  startListeningAppServer,
  type ListeningAppServer,
  type TestCodexHome,
} from "../../src/testing/index.js";
import "../support/deprecation-guard.js";

describe("WebSocket server going away (real app-server)", () => {
  let modelServer: MockModelServer;
  let home: TestCodexHome;
  let server: ListeningAppServer;
  let port: number;

  before(async () => {
    modelServer = await MockModelServer.start();
    home = createTestCodexHome({ modelServer });
  });
  beforeEach(async () => {
    modelServer.reset();
    server = await startListeningAppServer({ home, ...(port ? { port } : {}) });
    port = Number(new URL(server.url as string).port);
  });
  afterEach(async () => {
    await server?.stop();
  });
  after(async () => {
    await modelServer.close();
    home.dispose();
  });

  it("without reconnect: the running turn and pending requests reject with a transport error", async () => {
    const client = CodexClient.connectWebSocket({ url: server.url });
    modelServer.enqueue(model.say("slow", { delayBeforeCompletedMs: 20_000 }));
    const thread = await client.startThread({ cwd: home.workspace });
    const turn = thread.chatOnce("go").then(
      () => undefined,
      (e: unknown) => e,
    );
    await modelServer.waitForModelRequests(1);
    await server.stop();
    assert.ok((await turn) instanceof CodexTransportError);
    await assert.rejects(client.listThreads(), CodexTransportError);
    await client.close();
  });

  it("with reconnect: re-initializes, resumes the thread, reports the interrupted turn, and takes the next one", async () => {
    const client = CodexClient.connectWebSocket({
      url: server.url,
      reconnect: { maxAttempts: 50, backoffMs: 100 },
    });
    const disconnects: string[] = [];
    client.onDisconnected((e) => disconnects.push(e.message));
    const reconnected = new Promise<ReconnectInfo>((resolve) => client.onReconnected(resolve));
    modelServer.enqueue(model.say("slow", { delayBeforeCompletedMs: 20_000 }));
    const thread = await client.startThread({ cwd: home.workspace });
    const turn = thread.chatOnce("go");
    await modelServer.waitForModelRequests(1);
    await server.stop();
    while (disconnects.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await assert.rejects(client.listThreads(), /reconnecting/);
    server = await startListeningAppServer({ home, port });
    const info = await reconnected;
    assert.deepEqual(info.resumedThreads, [thread.threadId]);
    const result = await turn;
    assert.equal(result.status, "interrupted", "the turn the dead server was running is reported, not lost");
    modelServer.enqueue(model.say("after the restart"));
    assert.equal((await thread.chatOnce("again")).finalText, "after the restart");
    await client.close();
  });

  it("with reconnect but no server coming back: gives up after maxAttempts and closes", async () => {
    const client = CodexClient.connectWebSocket({
      url: server.url,
      reconnect: { maxAttempts: 3, backoffMs: 50 },
    });
    await client.initialize();
    const closed = new Promise<CodexTransportError | undefined>((resolve) => client.onClose(resolve));
    await server.stop();
    const error = await closed;
    assert.ok(error instanceof CodexTransportError);
    assert.match(error.message, /Could not reconnect after 3 attempts/);
    await assert.rejects(client.listThreads(), CodexTransportError);
    await client.close();
  });
});
