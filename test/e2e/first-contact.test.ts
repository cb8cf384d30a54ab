// First contact with the real app-server, as a new user meets it: no sign-in, a model endpoint
// that cannot be reached, and the set-ups that need no sign-in. Nothing here leaves 127.0.0.1: a
// home on the default OpenAI provider is only ever asked `account/read`, never sent a turn.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { resolveAppServerCommand } from "../../src/client/command.js";
import { CodexAuthRequiredError, CodexModelUnavailableError } from "../../src/errors/index.js";
import type { ErrorNotification } from "../../src/protocol/generated/v2/ErrorNotification.js";
import { MockModelServer, model, startTestClient } from "../../src/testing/index.js";
import { StdioTransport } from "../../src/transport/stdio.js";
import "../support/deprecation-guard.js";

/** A CODEX_HOME (outside /tmp) holding `config.toml`, and the environment that points at it. */
function home(configToml: string, extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(os.homedir(), ".codex-sdk-first-contact-"));
  writeFileSync(path.join(dir, "config.toml"), configToml);
  // Only what the server needs: no API key of this machine leaks in.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, CODEX_HOME: dir, ...extraEnv };
  return { dir, env, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A client whose every outgoing request method is recorded in `sent`. */
function spiedClient(env: NodeJS.ProcessEnv, cwd: string, options: { modelRetryTimeoutMs?: number } = {}) {
  const command = resolveAppServerCommand({ env });
  const transport = new StdioTransport({ file: command.file, args: command.args, env, cwd });
  const sent: string[] = [];
  const send = transport.send.bind(transport);
  transport.send = (message: unknown) => {
    const method = (message as { method?: unknown }).method;
    if (typeof method === "string") sent.push(method);
    return send(message);
  };
  return { client: new CodexClient(transport, options), sent };
}

/** A 127.0.0.1 port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const provider = (name: string, baseUrl: string, extra = "") =>
  `[model_providers.${name}]\nname = "${name}"\nbase_url = "${baseUrl}"\nwire_api = "responses"\n${extra}`;

describe("no sign-in on the default OpenAI provider", () => {
  it("chatOnce rejects with CodexAuthRequiredError within 5 s; no thread or turn is sent", async () => {
    const h = home(`model = "gpt-5.5"\n`);
    const { client, sent } = spiedClient(h.env, h.dir);
    try {
      const account = await client.account.read();
      assert.deepEqual([account.account, account.requiresOpenaiAuth], [null, true]);
      const startedAt = Date.now();
      await assert.rejects(client.chatOnce("hello"), (error: unknown) => {
        assert.ok(error instanceof CodexAuthRequiredError, String(error));
        assert.match(error.message, /client\.account\.loginWithApiKey/);
        assert.match(error.message, /codex login/);
        assert.ok(error.message.includes(`(${h.dir})`), "names the server's CODEX_HOME");
        assert.match(error.message, /OPENAI_API_KEY/);
        return true;
      });
      assert.ok(Date.now() - startedAt < 5000, `took ${Date.now() - startedAt} ms`);
      assert.ok(!sent.includes("turn/start"), `sent: ${sent.join(", ")}`);
      assert.ok(!sent.includes("thread/start"), `sent: ${sent.join(", ")}`);
    } finally {
      await client.close();
      h.dispose();
    }
  });

  it("an API key in the server's environment is not a sign-in: account/read still says none", async () => {
    // Checked for both names codex knows; the SDK refuses the turn, as the server would only retry.
    for (const name of ["OPENAI_API_KEY", "CODEX_API_KEY"]) {
      const h = home(`model = "gpt-5.5"\n`, { [name]: "sk-test-not-a-real-key" });
      const { client, sent } = spiedClient(h.env, h.dir);
      try {
        const account = await client.account.read();
        assert.deepEqual([name, account.account, account.requiresOpenaiAuth], [name, null, true]);
        await assert.rejects(client.chatOnce("hello"), CodexAuthRequiredError);
        assert.ok(!sent.includes("turn/start"));
      } finally {
        await client.close();
        h.dispose();
      }
    }
  });
});

describe("set-ups that need no sign-in are not refused", () => {
  let modelServer: MockModelServer;
  before(async () => {
    modelServer = await MockModelServer.start();
  });
  after(async () => {
    await modelServer.close();
  });
  const mock = () =>
    provider("mock", modelServer.baseUrl, "request_max_retries = 0\nstream_max_retries = 0\n");

  it("the testing kit's home (startTestClient): chatOnce and streamTurn run", async () => {
    const t = await startTestClient({ script: [model.say("hi from mock"), model.say("streamed")] });
    try {
      assert.equal((await t.client.account.read()).requiresOpenaiAuth, false);
      const thread = await t.client.startThread({ cwd: t.workspace });
      assert.equal((await thread.chatOnce("hello")).finalText, "hi from mock");
      assert.equal(await (await thread.streamTurn("again")).finalText(), "streamed");
    } finally {
      await t.dispose();
    }
  });

  it("a custom provider that reads its key from the environment (env_key)", async () => {
    const h = home(`model = "gpt-5.5"\nmodel_provider = "mock"\n${mock()}env_key = "MOCK_KEY"\n`, {
      MOCK_KEY: "sk-test-env-key",
    });
    const { client } = spiedClient(h.env, h.dir);
    try {
      assert.equal((await client.account.read()).requiresOpenaiAuth, false);
      modelServer.enqueue(model.say("keyed"));
      assert.equal((await client.chatOnce("hello", { threadConfig: { cwd: h.dir } })).finalText, "keyed");
    } finally {
      await client.close();
      h.dispose();
    }
  });

  it("a provider that requires OpenAI auth: refused, then runs after loginWithApiKey", async () => {
    const h = home(`model = "gpt-5.5"\nmodel_provider = "mock"\n${mock()}requires_openai_auth = true\n`);
    const { client, sent } = spiedClient(h.env, h.dir);
    try {
      await assert.rejects(
        client.chatOnce("hello", { threadConfig: { cwd: h.dir } }),
        CodexAuthRequiredError,
      );
      assert.ok(!sent.includes("turn/start"));
      await client.account.loginWithApiKey("sk-test-not-a-real-key");
      modelServer.enqueue(model.say("signed in"));
      const result = await client.chatOnce("hello", { threadConfig: { cwd: h.dir } });
      assert.equal(result.finalText, "signed in");
    } finally {
      await client.close();
      h.dispose();
    }
  });

  it("a thread that names its own provider on a home whose default needs a sign-in", async () => {
    const h = home(`model = "gpt-5.5"\n${mock()}`);
    const { client } = spiedClient(h.env, h.dir);
    try {
      assert.equal((await client.account.read()).requiresOpenaiAuth, true);
      modelServer.enqueue(model.say("own provider"), model.say("again"));
      const thread = await client.startThread({ cwd: h.dir, modelProvider: "mock" });
      assert.equal((await thread.chatOnce("hello")).finalText, "own provider");
      const turn = await thread.streamTurn("again");
      assert.equal(await turn.finalText(), "again");
    } finally {
      await client.close();
      h.dispose();
    }
  });
});

describe("a model endpoint that cannot be reached (default retries)", () => {
  let h: ReturnType<typeof home>;
  before(async () => {
    // request_max_retries / stream_max_retries left at the server's defaults.
    h = home(
      `model = "gpt-5.5"\nmodel_provider = "closed"\n${provider("closed", `http://127.0.0.1:${await closedPort()}/v1`)}`,
    );
  });
  after(() => h.dispose());

  it("streamTurn yields the server's retry notices as events of the turn", async () => {
    const { client } = spiedClient(h.env, h.dir);
    try {
      const thread = await client.startThread({ cwd: h.dir });
      const turn = await thread.streamTurn("hello", { modelRetryTimeoutMs: 60_000 });
      let notice: ErrorNotification | undefined;
      for await (const event of turn) {
        if (event.method === "error") {
          notice = event.params;
          break; // leaving the loop interrupts the turn
        }
      }
      assert.ok(notice, "no error event");
      assert.equal(notice.willRetry, true);
      assert.equal(notice.turnId, turn.turnId);
      assert.match(notice.error.message, /Reconnecting/);
    } finally {
      await client.close();
    }
  });

  it("a goal is paused and done() rejects with CodexModelUnavailableError", async () => {
    const { client } = spiedClient(h.env, h.dir);
    try {
      const thread = await client.startThread({ cwd: h.dir });
      const goal = await thread.startGoal("say hi", { modelRetryTimeoutMs: 2000 });
      const error = await goal.done().then(
        () => assert.fail("the goal ended normally"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof CodexModelUnavailableError, String(error));
      assert.ok(error.retries >= 1);
      assert.match(error.lastMessage, /Reconnecting/);
      assert.equal((await thread.getGoal())?.status, "paused");
    } finally {
      await client.close();
    }
  });

  it("chatOnce rejects with CodexModelUnavailableError after modelRetryTimeoutMs; the turn is interrupted", async () => {
    const { client, sent } = spiedClient(h.env, h.dir, { modelRetryTimeoutMs: 3000 });
    const notices: ErrorNotification[] = [];
    client.on("error", (params) => notices.push(params));
    try {
      const thread = await client.startThread({ cwd: h.dir });
      const startedAt = Date.now();
      const error = await thread.chatOnce("hello").then(
        () => assert.fail("chatOnce resolved"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof CodexModelUnavailableError, String(error));
      assert.equal(error.threadId, thread.threadId);
      assert.ok(error.retries >= 1);
      assert.equal(error.retries, notices.length);
      assert.equal(error.lastMessage, notices.at(-1)?.error.message);
      assert.equal(error.timeoutMs, 3000);
      assert.ok(Date.now() - startedAt < 30_000);
      assert.ok(sent.includes("turn/interrupt"));
      // The server ends the turn as interrupted (read back, as a user would).
      let status: string | undefined;
      for (let i = 0; i < 50 && status !== "interrupted"; i++) {
        const { data } = await client.request("thread/turns/list", { threadId: thread.threadId, limit: 1 });
        status = data[0]?.id === error.turnId ? data[0].status : undefined;
        if (status !== "interrupted") await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, "interrupted");
    } finally {
      await client.close();
    }
  });
});
