import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import {
  CodexExperimentalApiError,
  CodexMethodNotFoundError,
  CodexTransportError,
} from "../../src/errors/index.js";
import type { ServerNotificationParams } from "../../src/protocol/index.js";
import { createTestCodexHome, MockModelServer, model, type TestCodexHome } from "../../src/testing/index.js";
import { expectedServerVersion } from "../support/real-server.js";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("real app-server over stdio", () => {
  let modelServer: MockModelServer;
  let home: TestCodexHome;
  before(async () => {
    modelServer = await MockModelServer.start();
    home = createTestCodexHome({ modelServer });
  });
  after(async () => {
    await modelServer.close();
    home.dispose();
  });

  it("initializes and reports the server's identity", async () => {
    await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    const info = await client.initialize();
    assert.equal(info.platformFamily, "unix");
    assert.equal(info.codexHome, home.codexHome);
    assert.match(info.userAgent, /codex-app-server-sdk/);
  });

  it("runs a raw thread/start + turn/start through request() to turn/completed", async () => {
    modelServer.enqueue(model.say("Hello from the scripted model", { deltas: 4 }));
    await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    const { thread } = await client.request("thread/start", { cwd: home.workspace });
    const deltas: string[] = [];
    client.on("item/agentMessage/delta", (p) => deltas.push(p.delta));
    const completed = new Promise<ServerNotificationParams<"turn/completed">>((resolve) => {
      const off = client.on("turn/completed", (p) => {
        off();
        resolve(p);
      });
    });
    const { turn } = await client.request("turn/start", {
      threadId: thread.id,
      input: [{ type: "text", text: "say hello", text_elements: [] }],
    });
    const done = await completed;
    assert.equal(done.threadId, thread.id);
    assert.equal(done.turn.id, turn.id);
    assert.equal(done.turn.status, "completed");
    assert.equal(deltas.join(""), "Hello from the scripted model");
    assert.equal(deltas.length, 4);
    // What the server sent the model: our prompt.
    const body = JSON.stringify(modelServer.modelRequests.at(-1)?.body);
    assert.match(body, /say hello/);
  });

  it("a method the server does not know is a CodexMethodNotFoundError naming it and the server's version", async () => {
    await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    await client.initialize();
    const version = expectedServerVersion();
    assert.equal(client.serverVersion, version);
    await assert.rejects(client.requestUntyped("no/such/method", {}), (e: unknown) => {
      assert.ok(e instanceof CodexMethodNotFoundError, String(e));
      assert.equal(e.method, "no/such/method");
      assert.equal(e.serverVersion, version);
      assert.ok(e.message.includes(`codex ${version}) does not know "no/such/method"`), e.message);
      assert.ok(e.message.length < 300, "the server's list of every method stays in `cause`");
      return true;
    });
  });

  it("the experimental surface without the opt-in: the server refuses it, and the client refuses it first", async () => {
    await using client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    await client.initialize();
    for (const field of ["dynamicTools", "historyMode"] as const) {
      const params = { cwd: home.workspace, [field]: field === "dynamicTools" ? [] : "paginated" };
      await assert.rejects(client.connection.request("thread/start", params), /requires experimentalApi/);
      await assert.rejects(
        client.request("thread/start", params),
        (e: unknown) => e instanceof CodexExperimentalApiError && e.field === field,
      );
    }
    await assert.rejects(
      client.request("thread/settings/update", { threadId: "any", model: "x" }),
      CodexExperimentalApiError,
    );
    // setThreadDefaults takes the stable path instead (the next turn/start carries the settings).
    assert.equal(await client.setThreadDefaults("any", { model: "x" }), "turn/start");
  });

  it("a SIGKILLed server rejects the pending request with CodexTransportError carrying the signal, in under a second", async () => {
    const client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    await client.initialize();
    const pid = client.pid as number;
    const pending = client.request("thread/start", { cwd: home.workspace });
    process.kill(pid, "SIGKILL");
    const t0 = Date.now();
    await assert.rejects(pending, (e: unknown) => {
      assert.ok(e instanceof CodexTransportError);
      assert.equal(e.exit?.signal, "SIGKILL");
      assert.match(e.message, /SIGKILL/);
      return true;
    });
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    await client.close(); // still resolves
    assert.equal(isAlive(pid), false);
  });

  it("close() leaves no child process behind", async () => {
    const client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    await client.initialize();
    const pid = client.pid as number;
    assert.equal(isAlive(pid), true);
    await client.close();
    assert.equal(isAlive(pid), false);
    await client.close();
  });

  it("a command that cannot start fails with an error that says what to check", async () => {
    const client = CodexClient.connectStdio({ command: "/nonexistent/codex-binary app-server" });
    await assert.rejects(client.initialize(), (e: unknown) => {
      assert.ok(e instanceof CodexTransportError);
      assert.match(e.message, /Could not start the app-server/);
      assert.match(e.message, /CODEX_APP_SERVER_CMD/);
      return true;
    });
    await client.close();
  });
});
