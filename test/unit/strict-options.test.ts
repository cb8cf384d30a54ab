// The public calls refuse a misspelt or ill-typed option with a TypeError before anything is sent,
// over an in-memory server: the error a user reads, and the wire staying silent.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { runInNewContext } from "node:vm";
import { approvalRules } from "../../src/approvals/rules.js";
import { CodexClient } from "../../src/client/client.js";
import { resolveAppServerCommand } from "../../src/client/command.js";
import { input } from "../../src/conversation/input.js";
import { createTestCodexHome, startListeningAppServer, startTestClient } from "../../src/testing/index.js";
import { connectedClient, createFakeServer, type FakeServer } from "../support/fake-server.js";

/** An initialized client on a fake server that answers thread/start. */
const connected = (options: ConstructorParameters<typeof CodexClient>[1] = {}) =>
  connectedClient(options, {
    "thread/start": () => ({ thread: { id: "T", turns: [] }, cwd: "/srv/thread" }),
  });

/** The methods the client sent after the handshake. */
const sentAfterHandshake = (server: FakeServer) =>
  server.received.map((m) => m.method).filter((m) => m !== "initialize" && m !== "initialized");

describe("thread and turn options", () => {
  it("startThread: a misspelt key, a @openai/codex-sdk name, a string, a wrong type: TypeError, nothing sent", async () => {
    const { client, server } = await connected();
    const cases: [unknown, string | RegExp][] = [
      [{ cwdd: "/w" }, "unknown option `cwdd` in startThread(config); did you mean `cwd`?"],
      [
        { workingDirectory: "/w" },
        "unknown option `workingDirectory` in startThread(config); did you mean `cwd`?",
      ],
      [
        { sandboxMode: "read-only" },
        "unknown option `sandboxMode` in startThread(config); did you mean `sandbox`?",
      ],
      [
        { skipGitRepoCheck: true },
        /^unknown option `skipGitRepoCheck` in startThread\(config\); use nothing: the app-server does not require a git repository instead\.$/,
      ],
      ["hello", "startThread(config) takes an options object, got a string."],
      [{ cwd: 5 }, "startThread(config).cwd must be a string or null, got a number."],
      [{ ephemeral: "yes" }, "startThread(config).ephemeral must be a boolean or null, got a string."],
      [{ config: [] }, "startThread(config).config must be an object or null, got an array."],
      [{ constructor: 1 }, /^unknown option `constructor` in startThread\(config\)\. The options are: /],
      [JSON.parse('{"__proto__": {"cwd": "/w"}}'), /^unknown option `__proto__` in startThread\(config\)/],
      [new (class Settings {})(), "startThread(config) takes an options object, got a Settings."],
    ];
    for (const [config, message] of cases)
      await assert.rejects(client.startThread(config as never), { name: "TypeError", message });
    assert.deepEqual(sentAfterHandshake(server), []);
    await client.close();
  });

  it("startThread: every schema field passes as is, and `config` stays free-form", async () => {
    const { client, server } = await connected();
    // a plain object from another realm (vm contexts, some test runners) is an options object
    await client.startThread(runInNewContext('({ cwd: "/other-realm" })') as never);
    const config = {
      cwd: "/w",
      approvalsReviewer: "user",
      personality: "none",
      serviceName: "svc",
      config: { "any.key": { nested: [1, "two"] }, model_reasoning_effort: "high" },
    } as const;
    await client.startThread(config as never);
    const start = server.received.filter((m) => m.method === "thread/start").at(-1);
    assert.deepEqual(start?.params, config);
    await client.close();
  });

  it("chatOnce, chat, streamTurn: nested settings are checked too, with the path in the message", async () => {
    const { client, server } = await connected();
    await assert.rejects(client.chatOnce("hi", { threadConfig: { cwdd: "/w" } } as never), {
      name: "TypeError",
      message: "unknown option `cwdd` in chatOnce(input, options).threadConfig; did you mean `cwd`?",
    });
    await assert.rejects(client.chatOnce("hi", { model: "gpt-5.5" } as never), {
      message:
        "unknown option `model` in chatOnce(input, options); did you mean `threadConfig: { model }` or `turnOverrides: { model }`?",
    });
    await assert.rejects(client.chatOnce("hi", { timeoutMs: 5 } as never), {
      message:
        "unknown option `timeoutMs` in chatOnce(input, options); did you mean `approvalTimeoutMs` or `inactivityTimeoutMs` or `modelRetryTimeoutMs`?",
    });
    await assert.rejects(client.chatOnce("hi", { modelReasoningEffort: "low" } as never), {
      message:
        "unknown option `modelReasoningEffort` in chatOnce(input, options); use `turnOverrides: { effort }` instead.",
    });
    await assert.rejects(
      client.chatOnce("hi", { turnOverrides: { sandboxPolicy: { type: "workspace-write" } } } as never),
      {
        name: "TypeError",
        message:
          'chatOnce(input, options).turnOverrides.sandboxPolicy.type "workspace-write" is not a sandbox policy type; did you mean "workspaceWrite"?',
      },
    );
    await assert.rejects(
      client.chatOnce("hi", {
        turnOverrides: { sandboxPolicy: { type: "workspaceWrite", writableRoot: ["/x"] } },
      } as never),
      {
        message:
          'unknown option `writableRoot` in chatOnce(input, options).turnOverrides.sandboxPolicy (type "workspaceWrite"); did you mean `writableRoots`?',
      },
    );
    await assert.rejects(client.chatOnce("hi", { turnOverrides: { effort: 3 } } as never), {
      message: "chatOnce(input, options).turnOverrides.effort must be a string or null, got a number.",
    });
    await assert.rejects(client.chat("hi", { signal: "stop" } as never).next(), {
      name: "TypeError",
      message: "chat(input, options).signal must be an AbortSignal, got a string.",
    });
    await assert.rejects(client.chat("hi", "fast" as never).next(), {
      message: "chat(input, options) takes an options object, got a string.",
    });
    await assert.rejects(client.streamTurn("T", "hi", { bufferSize: "10" } as never), {
      message: "streamTurn(threadId, input, options).bufferSize must be a number, got a string.",
    });
    await assert.rejects(client.streamTurn("T", "hi", { approvalHandler: "accept" } as never), {
      message:
        'streamTurn(threadId, input, options).approvalHandler must be a handler function or "hold", got a string.',
    });
    assert.deepEqual(sentAfterHandshake(server), []);
    await client.close();
  });

  it("a thread handle's calls and the other thread calls check theirs", async () => {
    const { client, server } = await connected();
    const thread = await client.startThread({ cwd: "/w" });
    const before = server.received.length;
    await assert.rejects(thread.chatOnce("hi", "quick" as never), {
      message: "chatOnce(input, options) takes an options object, got a string.",
    });
    await assert.rejects(thread.chatOnce("hi", { inactivityTimeout: 5 } as never), {
      message:
        "unknown option `inactivityTimeout` in chatOnce(input, options); did you mean `inactivityTimeoutMs`?",
    });
    await assert.rejects(thread.updateDefaults({ modle: "m" } as never), {
      message: "unknown option `modle` in setThreadDefaults(threadId, settings); did you mean `model`?",
    });
    await assert.rejects(client.resumeThread("T", { excludeTurn: true } as never), {
      message: "unknown option `excludeTurn` in resumeThread(threadId, config); did you mean `excludeTurns`?",
    });
    await assert.rejects(thread.fork({ lastTurn: "u1" } as never), {
      message: "unknown option `lastTurn` in forkThread(threadId, config); did you mean `lastTurnId`?",
    });
    await assert.rejects(thread.startGoal("g", { tokenBudjet: 5 } as never), {
      message:
        "unknown option `tokenBudjet` in thread.startGoal(objective, options); did you mean `tokenBudget`?",
    });
    await assert.rejects(thread.attachGoal({ tokenBudget: 5 } as never), {
      message: /^unknown option `tokenBudget` in thread\.attachGoal\(options\)\. The options are: /,
    });
    await assert.rejects(thread.read({ includeTurn: true } as never), {
      message: "unknown option `includeTurn` in readThread(threadId, options); did you mean `includeTurns`?",
    });
    await assert.rejects(client.listThreads({ limt: 5 } as never), {
      message: "unknown option `limt` in listThreads(params); did you mean `limit`?",
    });
    await assert.rejects(client.steerTurn({ threadId: "T", expectedTurn: "U", input: "more" } as never), {
      message: "unknown option `expectedTurn` in steerTurn(params); did you mean `expectedTurnId`?",
    });
    await assert.rejects(
      client.startReview({ threadId: "T", targt: { type: "uncommittedChanges" } } as never),
      {
        message: "unknown option `targt` in startReview(params); did you mean `target`?",
      },
    );
    await assert.rejects(client.rollbackThread("T", { turns: 1 } as never), {
      message: "unknown option `turns` in rollbackThread(threadId, options); did you mean `numTurns`?",
    });
    await assert.rejects(client.execCommand(["ls"], { timeoutMS: 5 } as never), {
      message: "unknown option `timeoutMS` in execCommand(command, options); did you mean `timeoutMs`?",
    });
    await assert.rejects(client.execCommand(["ls"], { timeoutMs: 1.5 } as never), {
      message: "execCommand(command, options).timeoutMs must be an integer or null, got a number.",
    });
    await assert.rejects(
      client.cancel({ threadId: "T", turnId: "U", mode: "once" } as never, { timeout: 5 } as never),
      {
        message: "unknown option `timeout` in cancel(continuation, options); did you mean `timeoutMs`?",
      },
    );
    assert.equal(server.received.length, before);
    await client.close();
  });
});

describe("connect, approval, account and kit options", () => {
  it("connect calls check before any process or socket starts", () => {
    assert.throws(() => CodexClient.connectStdio({ enviroment: {} } as never), {
      name: "TypeError",
      message: "unknown option `enviroment` in connectStdio(options); did you mean `env`?",
    });
    assert.throws(() => CodexClient.connectStdio({ codexPathOverride: "/bin/codex" } as never), {
      message: "unknown option `codexPathOverride` in connectStdio(options); did you mean `command`?",
    });
    assert.throws(
      () => CodexClient.connectStdio({ apiKey: "sk-secret" } as never),
      (error: Error) => {
        assert.equal(
          error.message,
          "unknown option `apiKey` in connectStdio(options); use `await client.account.loginWithApiKey(key)` instead.",
        );
        return true;
      },
    );
    assert.throws(() => CodexClient.connectWebSocket({ url: "ws://127.0.0.1:9", tokne: "s3cret" } as never), {
      message: "unknown option `tokne` in connectWebSocket(options); did you mean `token`?",
    });
    assert.throws(() => CodexClient.connectWebSocket({ token: 12345 } as never), {
      message: "connectWebSocket(options).token must be a string, got a number.",
    });
    assert.throws(() => CodexClient.connectWebSocket({ reconnect: { attempts: 3 } } as never), {
      message:
        "unknown option `attempts` in connectWebSocket(options).reconnect; did you mean `maxAttempts`?",
    });
    assert.throws(() => CodexClient.connectWebSocket({ maxAttempts: 3 } as never), {
      message:
        "unknown option `maxAttempts` in connectWebSocket(options); did you mean `reconnect: { maxAttempts }`?",
    });
    assert.throws(() => CodexClient.connectStdio({ args: ["-c", "x=1"] } as never), {
      message: "unknown option `args` in connectStdio(options); did you mean `appServerArgs`?",
    });
    assert.throws(() => CodexClient.connectUnix({ socketpath: "/tmp/s" } as never), {
      message: "unknown option `socketpath` in connectUnix(options); did you mean `socketPath`?",
    });
    assert.throws(() => CodexClient.connectStdio({ overloadRetry: { retries: 1 } } as never), {
      message: /^unknown option `retries` in connectStdio\(options\)\.overloadRetry/,
    });
    assert.throws(() => new CodexClient(createFakeServer().clientTransport, { requestTimeout: 5 } as never), {
      message:
        "unknown option `requestTimeout` in new CodexClient(transport, options); did you mean `requestTimeoutMs`?",
    });
    assert.throws(() => resolveAppServerCommand({ comand: "codex" } as never), {
      message: "unknown option `comand` in resolveAppServerCommand(options); did you mean `command`?",
    });
  });

  it("approval calls and approvalRules", async () => {
    const { client, server } = await connected();
    assert.throws(() => client.approvalRequests({ threadID: "T" } as never), {
      message: "unknown option `threadID` in approvalRequests(options); did you mean `threadId`?",
    });
    assert.throws(() => client.respondApproval("k", "accept", { byy: "ann" } as never), {
      message: "unknown option `byy` in respondApproval(request, decision, options); did you mean `by`?",
    });
    assert.throws(() => client.approveApproval("k", { forsession: true } as never), {
      message: "unknown option `forsession` in approveApproval(request, options); did you mean `forSession`?",
    });
    assert.throws(() => client.pendingApprovals({ thread: "T" } as never), {
      message: /^unknown option `thread` in pendingApprovals\(options\)/,
    });
    assert.throws(() => approvalRules({ allowCommand: [["ls"]] } as never), {
      message: "unknown option `allowCommand` in approvalRules(options); did you mean `allowCommands`?",
    });
    assert.throws(() => approvalRules({ denyNetwork: "no" } as never), {
      message: "approvalRules(options).denyNetwork must be a boolean, got a string.",
    });
    assert.throws(
      () =>
        client.registerTool("t", () => ({ contentItems: [], success: true }), { namepsace: "x" } as never),
      {
        message:
          "unknown option `namepsace` in registerTool(name, handler, options); did you mean `namespace`?",
      },
    );
    assert.deepEqual(sentAfterHandshake(server), []);
    await client.close();
  });

  it("account calls; an API key never appears in the error", async () => {
    const { client, server } = await connected();
    await assert.rejects(client.account.read({ refreshTokens: true } as never), {
      message: "unknown option `refreshTokens` in account.read(options); did you mean `refreshToken`?",
    });
    await assert.rejects(
      client.account.loginWithApiKey("sk-very-secret", { timeout: 1 } as never),
      (error: Error) => {
        assert.equal(
          error.message,
          "unknown option `timeout` in account.loginWithApiKey(apiKey, options); did you mean `timeoutMs`?",
        );
        assert.ok(!String(error.stack).includes("sk-very-secret"));
        return true;
      },
    );
    await assert.rejects(client.account.loginWithChatGpt({ request: { timeOutMs: 5 } } as never), {
      message:
        "unknown option `timeOutMs` in account.loginWithChatGpt(options).request; did you mean `timeoutMs`?",
    });
    await assert.rejects(client.account.logout({ signal: true } as never), {
      message: "account.logout(options).signal must be an AbortSignal, got a boolean.",
    });
    await assert.rejects(client.request("model/list", {}, { timeOut: 5 } as never), {
      message: "unknown option `timeOut` in request(method, params, options); did you mean `timeoutMs`?",
    });
    assert.deepEqual(sentAfterHandshake(server), []);
    await client.close();
  });

  it("input helpers and the testing kit", async () => {
    assert.throws(() => input.localImage("a.png", { detial: "low" } as never), {
      message: "unknown option `detial` in input.localImage(…, options); did you mean `detail`?",
    });
    assert.throws(
      () => createTestCodexHome({ modelServer: {} as never, sandboxMode: "read-only" } as never),
      {
        message: "unknown option `sandboxMode` in createTestCodexHome(options); did you mean `sandbox`?",
      },
    );
    assert.throws(() => createTestCodexHome(undefined as never), {
      message: "createTestCodexHome(options) needs `modelServer`, a started MockModelServer.",
    });
    await assert.rejects(startTestClient({ scripts: [] } as never), {
      message: "unknown option `scripts` in startTestClient(options); did you mean `script`?",
    });
    // a nested client option is checked by connectStdio, once the model server and the home
    // exist: both are removed again
    const parentDir = mkdtempSync(path.join(os.homedir(), ".codex-sdk-options-test-"));
    try {
      await assert.rejects(startTestClient({ parentDir, overloadRetry: { retries: 1 } } as never), {
        message: /^unknown option `retries` in connectStdio\(options\)\.overloadRetry/,
      });
      assert.deepEqual(readdirSync(parentDir), []);
    } finally {
      rmSync(parentDir, { recursive: true, force: true });
    }
    await assert.rejects(startListeningAppServer({ home: {} as never, tranport: "unix" } as never), {
      message: "unknown option `tranport` in startListeningAppServer(options); did you mean `transport`?",
    });
  });
});
