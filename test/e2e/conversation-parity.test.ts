// What users of the other Codex SDKs expect, against the real app-server: turns on a thread id
// resume it first, stable updateDefaults, cancel of any continuation, structured output.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { collect, useRealServer } from "../support/real-server.js";
import { CodexClient } from "../../src/client/client.js";
import { CodexThreadNotFoundError, CodexOutputValidationError } from "../../src/errors/conversation.js";
import { CodexTurnInactiveError, type TurnContinuation } from "../../src/errors/index.js";
import type { StandardSchemaV1 } from "../../src/conversation/structured-output.js";
import { model, startListeningAppServer } from "../../src/testing/index.js";

/** The methods a client sends, in order (observed on its connection). */
function recordMethods(client: CodexClient): string[] {
  const methods: string[] = [];
  const request = client.connection.request.bind(client.connection);
  client.connection.request = (method, params, options) => {
    methods.push(method);
    return request(method, params, options);
  };
  return methods;
}

const modelOf = (body: unknown) => (body as { model?: string }).model;

describe("conversation parity against the real app-server", () => {
  const rs = useRealServer({ client: "none" });
  const connect = () => CodexClient.connectStdio({ env: rs.home.env, cwd: rs.home.workspace });

  /** A thread with one finished turn, written by a client that has closed since. */
  async function storedThread(text: string, answer: string): Promise<string> {
    const a = connect();
    try {
      rs.modelServer.enqueue(model.say(answer));
      const thread = await a.startThread({ cwd: rs.home.workspace });
      await thread.chatOnce(text);
      return thread.threadId;
    } finally {
      await a.close();
    }
  }

  it("chatOnce with the id of a thread another client ran resumes it first, once", async () => {
    const threadId = await storedThread("the number is 42", "noted");
    const b = connect();
    try {
      const methods = recordMethods(b);
      rs.modelServer.enqueue(model.say("it was 42"), model.say("still 42"));
      const r = await b.chatOnce("what was the number?", { threadId });
      assert.equal(r.finalText, "it was 42");
      assert.equal(r.threadId, threadId);
      assert.match(JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body), /the number is 42/);
      assert.deepEqual(
        methods.filter((m) => m.startsWith("thread/") || m.startsWith("turn/")),
        ["thread/resume", "turn/start"],
      );
      // Loaded now: the next turn costs no extra request.
      await b.chatOnce("again?", { threadId });
      assert.deepEqual(methods.slice(-1), ["turn/start"]);
      assert.equal(methods.filter((m) => m === "thread/resume").length, 1);
    } finally {
      await b.close();
    }
  });

  it("chat and streamTurn resume too, and threadConfig with threadId resumes with those settings", async () => {
    const first = await storedThread("first thread", "one");
    const second = await storedThread("second thread", "two");
    const b = connect();
    try {
      rs.modelServer.enqueue(model.say("chat answer"), model.say("stream answer"));
      const steps = [];
      for await (const step of b.chat("go on", { threadId: first, threadConfig: { model: "gpt-5.4" } }))
        steps.push(step);
      assert.equal(steps.at(-1)?.text, "chat answer");
      assert.equal(modelOf(rs.modelServer.modelRequests.at(-1)?.body), "gpt-5.4");
      assert.match(JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body), /first thread/);
      const stream = await b.streamTurn(second, "and you?");
      assert.equal(await stream.finalText(), "stream answer");
      assert.match(JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body), /second thread/);
      assert.equal(modelOf(rs.modelServer.modelRequests.at(-1)?.body), "gpt-5.5");
    } finally {
      await b.close();
    }
  });

  it("an unknown thread id rejects with CodexThreadNotFoundError naming startThread / resumeThread", async () => {
    const b = connect();
    try {
      const unknown = randomUUID();
      await assert.rejects(b.chatOnce("hello?", { threadId: unknown }), (e: unknown) => {
        assert.ok(e instanceof CodexThreadNotFoundError, String(e));
        assert.equal(e.threadId, unknown);
        assert.equal(e.method, "thread/resume");
        assert.match(e.message, /does not exist/);
        assert.match(e.message, /startThread\(\)/);
        return true;
      });
      // A stored thread this server has not loaded, reached with a raw turn/start.
      const stored = await storedThread("stored", "ok");
      await assert.rejects(
        b.request("turn/start", {
          threadId: stored,
          input: [{ type: "text", text: "x", text_elements: [] }],
        }),
        (e: unknown) => {
          assert.ok(e instanceof CodexThreadNotFoundError, String(e));
          assert.match(e.message, /not loaded/);
          assert.match(e.message, /resumeThread\(/);
          return true;
        },
      );
    } finally {
      await b.close();
    }
  });

  it("updateDefaults on a default client: no experimental method, the next turns use the new model", async () => {
    const client = connect();
    try {
      const methods = recordMethods(client);
      rs.modelServer.enqueue(model.say("a"), model.say("b"), model.say("c"));
      const thread = await client.startThread({ cwd: rs.home.workspace });
      await thread.chatOnce("before");
      assert.equal(modelOf(rs.modelServer.modelRequests.at(-1)?.body), "gpt-5.5");
      assert.equal(await thread.updateDefaults({ model: "gpt-5.4" }), "turn/start");
      assert.equal(thread.defaults.model, "gpt-5.4");
      assert.equal(thread.defaults.cwd, rs.home.workspace);
      await thread.chatOnce("after");
      assert.equal(modelOf(rs.modelServer.modelRequests.at(-1)?.body), "gpt-5.4");
      await thread.chatOnce("and later");
      assert.equal(modelOf(rs.modelServer.modelRequests.at(-1)?.body), "gpt-5.4");
      assert.ok(!methods.includes("thread/settings/update"));
      assert.ok(!methods.includes("thread/resume"));
    } finally {
      await client.close();
    }
  });

  it("threadConfig on a thread this client has loaded: turn settings apply, the others are refused", async () => {
    const client = connect();
    try {
      rs.modelServer.enqueue(model.say("ok"));
      const thread = await client.startThread({ cwd: rs.home.workspace, developerInstructions: "be brief" });
      const r = await client.chatOnce("hi", {
        threadId: thread.threadId,
        // developerInstructions as loaded: no change, so accepted.
        threadConfig: {
          model: "gpt-5.4",
          sandbox: "read-only",
          approvalPolicy: "never",
          developerInstructions: "be brief",
        },
      });
      assert.equal(r.status, "completed");
      assert.equal(modelOf(rs.modelServer.modelRequests.at(-1)?.body), "gpt-5.4");
      await assert.rejects(
        client.chatOnce("hi", { threadId: thread.threadId, threadConfig: { developerInstructions: "x" } }),
        (e: unknown) => e instanceof TypeError && /developerInstructions/.test(e.message),
      );
    } finally {
      await client.close();
    }
  });

  it("cancel() with a continuation from another client interrupts the turn and returns its items", async () => {
    await using server = await startListeningAppServer({ home: rs.home });
    await using a = CodexClient.connectWebSocket({ url: server.url! });
    await using b = CodexClient.connectWebSocket({ url: server.url! });
    rs.modelServer.enqueue(model.say("never finished", { delayBeforeCompletedMs: 30_000 }));
    const thread = await a.startThread({ cwd: rs.home.workspace });
    let continuation: TurnContinuation | undefined;
    await assert.rejects(thread.chatOnce("stall", { inactivityTimeoutMs: 300 }), (e: unknown) => {
      continuation = (e as CodexTurnInactiveError).continuation;
      return e instanceof CodexTurnInactiveError;
    });
    await rs.modelServer.waitForModelRequests(1);
    const t0 = Date.now();
    const cancelled = await b.cancel(continuation!, { timeoutMs: 5000 });
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(cancelled.tracked, false);
    assert.equal(cancelled.threadId, thread.threadId);
    assert.equal(cancelled.turnId, continuation!.turnId);
    assert.equal(cancelled.status, "interrupted");
    assert.equal(cancelled.wasInterrupted, true);
    assert.equal(cancelled.wasCompleted, false);
    assert.ok(cancelled.steps.some((s) => s.itemType === "userMessage" && /stall/.test(s.text)));
    // The server ended it: A's view of the thread's history says so.
    const turns = await collect(thread.turns());
    assert.equal(turns.find((t) => t.id === continuation!.turnId)?.status, "interrupted");
    // A stale continuation of a turn that has ended: nothing to interrupt, the stored end is reported.
    const again = await b.cancel(continuation!);
    assert.equal(again.status, "interrupted");
    assert.equal(again.wasCompleted, true);
  });

  it("cancel() of a finished turn's continuation on a new client reports it completed with its steps", async () => {
    const a = connect();
    let continuation: TurnContinuation;
    try {
      rs.modelServer.enqueue(model.say("all done"));
      const r = await a.chatOnce("finish", { threadConfig: { cwd: rs.home.workspace } });
      continuation = { threadId: r.threadId, turnId: r.turnId, cursor: 0, mode: "once" };
    } finally {
      await a.close();
    }
    const b = connect();
    try {
      const cancelled = await b.cancel(continuation);
      assert.equal(cancelled.status, "completed");
      assert.equal(cancelled.wasCompleted, true);
      assert.equal(cancelled.wasInterrupted, false);
      assert.equal(cancelled.steps.at(-1)?.text, "all done");
    } finally {
      await b.close();
    }
  });

  describe("structured output", () => {
    const schema = {
      type: "object",
      properties: { name: { type: "string" }, tags: { type: "array", items: { type: "string" } } },
      required: ["name", "tags"],
      additionalProperties: false,
    };

    it("a JSON Schema is forwarded to the model and the final message comes back parsed", async () => {
      await using client = connect();
      rs.modelServer.enqueue(model.say('{"name":"sdk","tags":["a","b"]}'));
      const r = await client.chatOnce("describe", {
        threadConfig: { cwd: rs.home.workspace },
        outputSchema: schema,
      });
      assert.deepEqual(r.output, { name: "sdk", tags: ["a", "b"] });
      const format = (rs.modelServer.modelRequests.at(-1)?.body as { text?: { format?: unknown } }).text
        ?.format as { type?: string; strict?: boolean; schema?: unknown };
      assert.equal(format.type, "json_schema");
      assert.equal(format.strict, true);
      assert.deepEqual(format.schema, schema);
    });

    it("a final message that does not match rejects with CodexOutputValidationError", async () => {
      await using client = connect();
      rs.modelServer.enqueue(model.say('{"name":7}'), model.say("Sure! Here it is."));
      const thread = await client.startThread({ cwd: rs.home.workspace });
      await assert.rejects(thread.chatOnce("describe", { outputSchema: schema }), (e: unknown) => {
        assert.ok(e instanceof CodexOutputValidationError, String(e));
        assert.equal(e.rawText, '{"name":7}');
        assert.deepEqual(
          e.issues.map((i) => i.path.join(".")),
          ["tags", "name"],
        );
        assert.match(e.message, /name: expected string, got number/);
        return true;
      });
      await assert.rejects(thread.chatOnce("again", { outputSchema: schema }), (e: unknown) => {
        assert.ok(e instanceof CodexOutputValidationError);
        assert.equal(e.rawText, "Sure! Here it is.");
        assert.match(e.issues[0]!.message, /not JSON/);
        return true;
      });
    });

    it("a hand-written Standard Schema validator: its JSON Schema is sent, its output typed and checked", async () => {
      interface Person {
        name: string;
        age: number;
      }
      const jsonSchema = {
        type: "object",
        properties: { name: { type: "string" }, age: { type: "integer" } },
        required: ["name", "age"],
        additionalProperties: false,
      };
      const person: StandardSchemaV1<unknown, Person> = {
        "~standard": {
          version: 1,
          vendor: "hand-written",
          validate(value) {
            const v = value as Partial<Person> | null;
            const issues = [];
            if (typeof v?.name !== "string") issues.push({ message: "name must be text", path: ["name"] });
            if (typeof v?.age !== "number" || v.age < 0)
              issues.push({ message: "age must be a positive number", path: [{ key: "age" }] });
            return issues.length ? { issues } : { value: { name: v!.name!, age: v!.age! } };
          },
          jsonSchema: { output: () => jsonSchema },
        },
      };
      await using client = connect();
      rs.modelServer.enqueue(model.say('{"name":"Ada","age":36}'), model.say('{"name":"Bob","age":-1}'));
      const thread = await client.startThread({ cwd: rs.home.workspace });
      const r = await thread.chatOnce("who?", { outputSchema: person });
      const typed: Person = r.output;
      assert.deepEqual(typed, { name: "Ada", age: 36 });
      const body = rs.modelServer.modelRequests.at(-1)?.body as { text?: { format?: { schema?: unknown } } };
      assert.deepEqual(body.text?.format?.schema, jsonSchema);
      await assert.rejects(thread.chatOnce("again", { outputSchema: person }), (e: unknown) => {
        assert.ok(e instanceof CodexOutputValidationError);
        assert.deepEqual(e.issues, [{ message: "age must be a positive number", path: ["age"] }]);
        return true;
      });
    });
  });
});
