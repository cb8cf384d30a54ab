// The testing kit's own rules, without an app-server: the agent's environment, the config it writes,
// what a recorded request says, how many records the model server keeps, and the refused options.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import {
  createTestCodexHome,
  MockModelServer,
  model,
  startTestClient,
  type TestCodexHomeOptions,
} from "../../src/testing/index.js";
import { describeModelRequest } from "../../src/testing/model-request.js";
import { withoutTestRunnerEnv } from "../../src/testing/runner-env.js";

describe("the agent's environment leaves the test runner's variables out", () => {
  it("drops the runners' worker markers by name and keeps the rest, NODE_ENV included", () => {
    const env = withoutTestRunnerEnv({
      PATH: "/bin",
      NODE_ENV: "test",
      NODE_TEST_CONTEXT: "child-v8",
      NODE_V8_COVERAGE: "/tmp/cov",
      JEST_WORKER_ID: "1",
      VITEST: "true",
      VITEST_POOL_ID: "2",
      VITEST_WORKER_ID: "3",
      VITESTING: "kept: not a Vitest variable",
    });
    assert.deepEqual(env, { PATH: "/bin", NODE_ENV: "test", VITESTING: "kept: not a Vitest variable" });
  });

  it("takes node's test flags out of NODE_OPTIONS, with their values, and keeps the others", () => {
    const strip = (value: string) => withoutTestRunnerEnv({ NODE_OPTIONS: value }).NODE_OPTIONS;
    assert.equal(
      strip("--max-old-space-size=4096 --test-only --test-name-pattern=foo --import tsx"),
      "--max-old-space-size=4096 --import tsx",
    );
    assert.equal(
      strip("--test-reporter spec --experimental-test-coverage --enable-source-maps"),
      "--enable-source-maps",
    );
    assert.equal(strip('--require "./a b.js" --test'), '--require "./a b.js"');
    assert.equal(strip("--test-only"), undefined, "an empty NODE_OPTIONS is removed");
    assert.equal(strip("--testing-is-not-a-test-flag"), "--testing-is-not-a-test-flag");
  });
});

describe("createTestCodexHome", () => {
  let modelServer: MockModelServer;
  before(async () => {
    modelServer = await MockModelServer.start();
  });
  after(() => modelServer.close());

  it("its env has no NODE_TEST_CONTEXT, although this test runs under node --test", () => {
    assert.ok(process.env.NODE_TEST_CONTEXT, "precondition: run this file with node --test");
    using home = createTestCodexHome({ modelServer });
    assert.equal(home.env.NODE_TEST_CONTEXT, undefined);
    assert.equal(home.env.CODEX_HOME, home.codexHome);
    assert.equal(home.env.PATH, process.env.PATH);
    assert.equal(home.modelServer, modelServer);
  });

  it('refuses approvalPolicy "untrusted" with a TypeError that says to set it per thread', () => {
    assert.throws(
      () =>
        createTestCodexHome({ modelServer, approvalPolicy: "untrusted" } as unknown as TestCodexHomeOptions),
      (e: unknown) =>
        e instanceof TypeError &&
        /refuses to start/.test(e.message) &&
        /startThread\(\{ cwd, approvalPolicy: "untrusted" \}\)/.test(e.message),
    );
    assert.throws(
      () =>
        createTestCodexHome({ modelServer, approvalPolicy: "on-failure" } as unknown as TestCodexHomeOptions),
      /approvalPolicy must be "on-request" or "never", got "on-failure"/,
    );
  });

  it("writes the policies the server starts with", () => {
    using home = createTestCodexHome({ modelServer, approvalPolicy: "never" });
    const toml = readFileSync(path.join(home.codexHome, "config.toml"), "utf8");
    assert.match(toml, /^approval_policy = "never"$/m);
  });
});

describe("a recorded model request", () => {
  const message = (role: string, text: string) => ({
    type: "message",
    role,
    content: [{ type: role === "assistant" ? "output_text" : "input_text", text }],
  });

  it("gives every user message in order, without the server's environment context", () => {
    const body = {
      prompt_cache_key: "thread-1",
      input: [
        message("developer", "You are Codex"),
        message("user", "<environment_context>\n  <cwd>/w</cwd>\n</environment_context>"),
        message("user", "first"),
        message("assistant", "one"),
        { type: "function_call_output", call_id: "c1", output: "ok" },
        message("user", "second"),
      ],
    };
    const recorded = describeModelRequest("POST", "/v1/responses", body);
    assert.deepEqual(recorded.userMessages, ["first", "second"]);
    assert.equal(recorded.userText, "second", "the existing accessor still gives the last one");
    assert.equal(recorded.threadId, "thread-1");
  });
});

describe("MockModelServer keepRequests", () => {
  async function post(server: MockModelServer, prompt: string): Promise<void> {
    const res = await fetch(`${server.baseUrl}/responses`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        input: [{ type: "message", role: "user", content: [{ type: "input_text", text: prompt }] }],
      }),
    });
    await res.text();
  }

  it("keeps the most recent N records, counts the dropped ones, and still counts every step", async () => {
    await using server = await MockModelServer.start([], { keepRequests: 2 });
    for (const prompt of ["p1", "p2", "p3", "p4", "p5"]) await post(server, prompt);
    assert.deepEqual(
      server.requests.map((r) => r.userText),
      ["p4", "p5"],
    );
    assert.equal(server.droppedRequests, 3);
    assert.equal(server.modelRequests.length, 2);
    await server.waitForModelRequests(5, 1000);
    server.reset();
    assert.equal(server.droppedRequests, 0);
    assert.equal(server.requests.length, 0);
  });

  it("keeps 100 by default", async () => {
    await using server = await MockModelServer.start();
    for (let i = 0; i < 103; i++) await post(server, `p${i}`);
    assert.equal(server.requests.length, 100);
    assert.equal(server.droppedRequests, 3);
    assert.equal(server.requests[0]?.userText, "p3");
  });

  it("refuses a keepRequests that is not a count", async () => {
    for (const bad of [-1, 1.5]) {
      await assert.rejects(
        MockModelServer.start([], { keepRequests: bad }),
        /keepRequests must be a whole number of requests \(0 or more\) or Infinity/,
      );
    }
    // Not a number at all: the option check names the key and the type.
    for (const bad of [Number.NaN, "10"]) {
      await assert.rejects(
        MockModelServer.start([], { keepRequests: bad as number }),
        /keepRequests must be a number, got/,
      );
    }
    await assert.rejects(
      MockModelServer.start([], { keepRequest: 5 } as never),
      /unknown option `keepRequest`.*did you mean `keepRequests`\?/,
    );
  });
});

describe("startTestClient refuses options it could not honour, before starting anything", () => {
  let modelServer: MockModelServer;
  before(async () => {
    modelServer = await MockModelServer.start();
  });
  after(() => modelServer.close());

  it("options that shape a new home, with an existing home", async () => {
    using home = createTestCodexHome({ modelServer });
    await assert.rejects(
      startTestClient({ home, sandbox: "workspace-write", features: { x: true } }),
      (e: unknown) => e instanceof TypeError && /sandbox, features shape a new home/.test(e.message),
    );
  });

  it("another model server than the home's, keepRequests with a running model server, a disposed home", async () => {
    await using other = await MockModelServer.start();
    const home = createTestCodexHome({ modelServer });
    await assert.rejects(startTestClient({ home, modelServer: other }), /points at another model server/);
    await assert.rejects(
      startTestClient({ modelServer, keepRequests: 5 }),
      /keepRequests applies to a model server it starts/,
    );
    await assert.rejects(startTestClient({ home, keepRequests: 5 }), /keepRequests applies/);
    home.dispose();
    await assert.rejects(startTestClient({ home }), /is gone \(was it disposed\?\)/);
    assert.equal(modelServer.remaining, 0);
  });

  it("a script given with a refused option is not queued", async () => {
    await assert.rejects(
      startTestClient({ modelServer, keepRequests: 1, script: [model.say("x")] }),
      TypeError,
    );
    assert.equal(modelServer.remaining, 0);
  });
});
