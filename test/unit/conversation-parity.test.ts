// The conversation layer's parity features over an in-memory server: what goes on the wire.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CodexClient } from "../../src/client/client.js";
import { checkJsonSchema } from "../../src/conversation/json-schema-check.js";
import { prepareOutput } from "../../src/conversation/structured-output.js";
import { CodexThreadNotFoundError } from "../../src/errors/conversation.js";
import { errorFromRpc } from "../../src/errors/from-rpc.js";
import { CodexTimeoutError } from "../../src/errors/index.js";
import { connectedClient, type FakeServer } from "../support/fake-server.js";

/** An initialized client on a fake server that answers thread/resume, turn/start and turn/interrupt. */
async function connected(options: ConstructorParameters<typeof CodexClient>[1] = {}) {
  /** What thread/turns/list answers as the thread's turns. */
  const stored: { turns: unknown[] } = { turns: [] };
  const { client, server } = await connectedClient(options, {
    "thread/resume": (params) => ({ thread: { id: params?.threadId, turns: [] } }),
    "turn/interrupt": () => ({}),
    "thread/turns/list": () => ({ data: stored.turns, nextCursor: null, backwardsCursor: null }),
  });
  let turns = 0;
  server.respond("turn/start", (params) => {
    const id = `U${++turns}`;
    // The turn ends right after the reply.
    setImmediate(
      () =>
        void server.send({
          method: "turn/completed",
          params: { threadId: params?.threadId, turn: { id, items: [], status: "completed", error: null } },
        }),
    );
    return { turn: { id, items: [], status: "inProgress", error: null } };
  });
  return { client, server, stored };
}

const sent = (server: FakeServer, method: string) =>
  server.received.filter((m) => m.method === method).map((m) => m.params as Record<string, unknown>);

describe("turns on a thread id resume it first", () => {
  it("resumes with threadConfig once, and again after the server closes the thread", async () => {
    const { client, server } = await connected();
    await client.chatOnce("one", { threadId: "T", threadConfig: { cwd: "/w" } });
    await client.chatOnce("two", { threadId: "T" });
    assert.deepEqual(sent(server, "thread/resume"), [{ cwd: "/w", threadId: "T", excludeTurns: true }]);
    assert.equal(sent(server, "turn/start").length, 2);
    await server.send({ method: "thread/closed", params: { threadId: "T" } }); // taken in by the time it resolves
    const stream = await client.streamTurn("T", "three");
    await stream.done();
    assert.equal(sent(server, "thread/resume").length, 2);
    await client.close();
  });
});

describe("updateDefaults on a default client", () => {
  it("queues the settings for the next turn/start; the turn's own settings win; nothing else is sent", async () => {
    const { client, server } = await connected();
    await client.chatOnce("one", { threadId: "T" });
    assert.equal(await client.setThreadDefaults("T", { model: "m2", effort: "low" }), "turn/start");
    await client.chatOnce("two", { threadId: "T", turnOverrides: { effort: "high" } });
    await client.chatOnce("three", { threadId: "T" });
    const starts = sent(server, "turn/start");
    assert.equal(starts[1]?.model, "m2");
    assert.equal(starts[1]?.effort, "high");
    assert.equal(starts[2]?.model, undefined, "sent once: the server keeps turn settings");
    assert.equal(sent(server, "thread/settings/update").length, 0);
    await client.close();
  });
});

describe("cancel() of a turn this client does not track", () => {
  it("times out with CodexTimeoutError carrying timeoutMs when the turn never ends", async () => {
    const { client, server, stored } = await connected();
    stored.turns = [{ id: "X", items: [], status: "inProgress", error: null }];
    const continuation = { threadId: "T", turnId: "X", cursor: 0, mode: "once" as const };
    await assert.rejects(client.cancel(continuation, { timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof CodexTimeoutError, String(e));
      assert.equal(e.timeoutMs, 300);
      return true;
    });
    assert.deepEqual(sent(server, "turn/interrupt"), [{ threadId: "T", turnId: "X" }]);
    await client.close();
  });
});

describe("structured output checks", () => {
  it("the JSON Schema check covers type, integer, enum, required, additionalProperties, items, anyOf", () => {
    const schema = {
      type: "object",
      properties: {
        n: { type: "integer" },
        e: { enum: ["a", "b"] },
        list: { type: "array", items: { type: ["string", "null"] } },
        u: { anyOf: [{ type: "string" }, { type: "number" }] },
      },
      required: ["n", "e"],
      additionalProperties: false,
    };
    assert.deepEqual(checkJsonSchema(schema, { n: 1, e: "a", list: ["x", null], u: 3 }), []);
    const issues = checkJsonSchema(schema, { n: 1.5, list: [1], u: true, extra: 0 });
    assert.deepEqual(
      issues.map((i) => i.path.join(".")),
      ["e", "n", "list.0", "u", "extra"],
    );
  });

  it("a validator's JSON Schema: jsonSchema first, then Standard JSON Schema (2020-12, else draft-07), then toJSONSchema()", async () => {
    const validate = (value: unknown) => ({ value });
    const targets: string[] = [];
    const standard = {
      "~standard": {
        version: 1 as const,
        vendor: "v",
        validate,
        jsonSchema: {
          output: ({ target }: { target: string }) => {
            targets.push(target);
            if (target !== "draft-07") throw new Error("unsupported target");
            return { type: "string" };
          },
        },
      },
    };
    assert.deepEqual(prepareOutput(standard, undefined).jsonSchema, { type: "string" });
    assert.deepEqual(targets, ["draft-2020-12", "draft-07"]);
    assert.deepEqual(prepareOutput(standard, { type: "number" }).jsonSchema, { type: "number" });
    const withMethod = {
      "~standard": { version: 1 as const, vendor: "v", validate },
      toJSONSchema: () => ({ type: "boolean" }),
    };
    const prepared = prepareOutput(withMethod, undefined);
    assert.deepEqual(prepared.jsonSchema, { type: "boolean" });
    assert.deepEqual(await prepared.validate(true), { value: true });
  });

  it("a validator with no JSON Schema, or misplaced options, are refused before anything is sent", async () => {
    const validator = {
      "~standard": { version: 1 as const, vendor: "v", validate: (value: unknown) => ({ value }) },
    };
    assert.throws(() => prepareOutput(validator, undefined), /jsonSchema/);
    assert.throws(() => prepareOutput({ type: "object" }, { type: "object" }), TypeError);
    assert.throws(() => prepareOutput("nope", undefined), TypeError);
    const { client, server } = await connected();
    await assert.rejects(
      client.chatOnce("x", {
        threadId: "T",
        outputSchema: { type: "object" },
        turnOverrides: { outputSchema: {} },
      }),
      /once/,
    );
    await assert.rejects(
      client.chat("x", { threadId: "T", outputSchema: { type: "object" } } as never).next(),
      /chatOnce/,
    );
    assert.equal(sent(server, "turn/start").length, 0);
    await client.close();
  });
});

describe("a thread the server does not have", () => {
  const map = (method: string, message: string) =>
    errorFromRpc({ code: -32600, message }, { method, params: { threadId: "T1" } });

  it("maps each 0.169 answer to CodexThreadNotFoundError with the way out", () => {
    const resume = map("thread/resume", "no rollout found for thread id T1");
    assert.ok(resume instanceof CodexThreadNotFoundError);
    assert.match(resume.message, /does not exist.*startThread\(\)/);
    const start = map("turn/start", "thread not found: T1");
    assert.ok(start instanceof CodexThreadNotFoundError);
    assert.match(start.message, /resumeThread\("T1"\)/);
    assert.match(map("turn/start", "invalid thread id: invalid character").message, /is not a thread id/);
    assert.ok(!(map("turn/start", "something else") instanceof CodexThreadNotFoundError));
  });
});
