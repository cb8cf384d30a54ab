import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CodexClient, defaultControlSocketPath, type ReconnectInfo } from "../../src/index.js";
import {
  createTestCodexHome,
  MockModelServer,
  model,
  startListeningAppServer,
  type ListeningAppServer,
  type TestCodexHome,
} from "../../src/testing/index.js";
import "../support/deprecation-guard.js";

describe("real app-server over a Unix socket", () => {
  let modelServer: MockModelServer;
  let home: TestCodexHome;
  let server: ListeningAppServer | undefined;

  before(async () => {
    modelServer = await MockModelServer.start();
    home = createTestCodexHome({ modelServer });
  });
  after(async () => {
    await server?.stop();
    await modelServer.close();
    home.dispose();
  });

  it("connects to an explicit socket path (WebSocket over the socket) and initializes", async () => {
    const socketPath = path.join(home.codexHome, "sdk-test.sock");
    server = await startListeningAppServer({ home, transport: "unix", socketPath });
    await using client = CodexClient.connectUnix({ socketPath });
    const info = await client.initialize();
    assert.equal(info.codexHome, home.codexHome);
    await server.stop();
    server = undefined;
  });

  it("defaults to $CODEX_HOME/app-server-control/app-server-control.sock", async () => {
    const expected = defaultControlSocketPath(home.env);
    assert.equal(expected, path.join(home.codexHome, "app-server-control", "app-server-control.sock"));
    server = await startListeningAppServer({ home, transport: "unix", socketPath: null });
    assert.equal(server.socketPath, expected);
    const saved = process.env.CODEX_HOME;
    process.env.CODEX_HOME = home.codexHome;
    try {
      await using client = CodexClient.connectUnix();
      assert.equal((await client.initialize()).codexHome, home.codexHome);
    } finally {
      if (saved === undefined) delete process.env.CODEX_HOME;
      else process.env.CODEX_HOME = saved;
      await server.stop();
      server = undefined;
    }
  });

  it("reconnects to a server restarted on the same socket", async () => {
    const socketPath = path.join(home.codexHome, "restart.sock");
    server = await startListeningAppServer({ home, transport: "unix", socketPath });
    await using client = CodexClient.connectUnix({
      socketPath,
      reconnect: { maxAttempts: 50, backoffMs: 100 },
    });
    const thread = await client.startThread({ cwd: home.workspace });
    // A thread reaches the disk with its first turn; before that, a restarted server cannot resume it.
    modelServer.enqueue(model.say("persisted"));
    await thread.chatOnce("a turn, so the thread is on disk");
    const reconnected = new Promise((resolve) => client.onReconnected(resolve));
    await server.stop();
    server = await startListeningAppServer({ home, transport: "unix", socketPath });
    const info = (await reconnected) as ReconnectInfo;
    assert.deepEqual(info.failedThreads, []);
    // The thread was idle: it is resumed by its next turn, not by the reconnect.
    assert.deepEqual(info.resumedThreads, []);
    assert.deepEqual(info.deferredThreads, [thread.threadId]);
    const { thread: read } = await client.readThread(thread.threadId);
    assert.equal(read.id, thread.threadId);
    modelServer.enqueue(model.say("after the restart"));
    assert.equal((await thread.chatOnce("again")).finalText, "after the restart");
    await server.stop();
    server = undefined;
  });
});
