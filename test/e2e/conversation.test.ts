import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { collect, useRealServer } from "../support/real-server.js";
import { CodexClient } from "../../src/client/client.js";
import { CodexProtocolError, CodexTurnFailedError, CodexTurnInactiveError } from "../../src/errors/index.js";
import { model } from "../../src/testing/index.js";
import type { ConversationStep } from "../../src/turn/steps.js";

describe("conversations against the real app-server", () => {
  const rs = useRealServer();

  it("chatOnce twice on one thread: the second model request carries the first turn's history", async () => {
    rs.modelServer.enqueue(model.say("First answer"), model.say("Second answer"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const first = await thread.chatOnce("first question");
    assert.equal(first.finalText, "First answer");
    assert.equal(first.status, "completed");
    assert.equal(first.completionSource, "items");
    assert.ok(first.items.some((i) => i.type === "agentMessage"));
    assert.ok((first.usage?.total.totalTokens ?? 0) > 0);
    const second = await thread.chatOnce("second question");
    assert.equal(second.finalText, "Second answer");
    const body = JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body);
    assert.match(body, /first question/);
    assert.match(body, /First answer/);
    assert.match(body, /second question/);
  });

  it("chatOnce without threadId starts a thread with threadConfig", async () => {
    rs.modelServer.enqueue(model.say("fresh"));
    const r = await rs.client.chatOnce("hi", {
      threadConfig: { cwd: rs.home.workspace, developerInstructions: "be brief" },
    });
    assert.equal(r.finalText, "fresh");
    assert.match(JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body), /be brief/);
  });

  it("chat() yields exec then codex steps for a tool-call-then-message script", async () => {
    rs.modelServer.enqueue(model.exec("echo step-output"), model.say("All done"));
    const thread = await rs.client.startThread({
      cwd: rs.home.workspace,
      approvalPolicy: "never",
      sandbox: "workspace-write",
    });
    const steps: ConversationStep[] = [];
    for await (const step of thread.chat("run it")) steps.push(step);
    const kinds = steps.map((s) => s.stepType).filter((t) => t === "exec" || t === "codex");
    assert.deepEqual(kinds, ["exec", "codex"]);
    const exec = steps.find((s) => s.stepType === "exec");
    assert.match(exec?.text ?? "", /step-output/);
    assert.equal(steps.at(-1)?.text, "All done");
    assert.ok(steps.every((s) => s.threadId === thread.threadId));
  });

  it("live turn stream: deltas arrive in order and concatenate to finalText", async () => {
    const text = "The quick brown fox jumps over the lazy dog";
    rs.modelServer.enqueue(model.say(text, { deltas: 9 }));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const turn = await thread.streamTurn("stream please");
    const deltas: string[] = [];
    const methods: string[] = [];
    for await (const event of turn) {
      methods.push(event.method);
      if (event.method === "item/agentMessage/delta") deltas.push(event.params.delta);
    }
    assert.equal(deltas.length, 9);
    assert.equal(deltas.join(""), text);
    assert.equal(await turn.finalText(), text);
    assert.equal(methods.at(-1), "turn/completed");
    assert.ok(methods.includes("turn/started"));
  });

  it("textStream(): the agent's deltas, and only those, until the turn ends", async () => {
    const text = "Streaming text, one piece at a time";
    rs.modelServer.enqueue(model.exec("echo tool-output"), model.say(text, { deltas: 5 }));
    const thread = await rs.client.startThread({
      cwd: rs.home.workspace,
      approvalPolicy: "never",
      sandbox: "workspace-write",
    });
    const turn = await thread.streamTurn("stream the text");
    const pieces: string[] = [];
    for await (const piece of turn.textStream()) pieces.push(piece);
    assert.equal(pieces.length, 5);
    assert.equal(pieces.join(""), text);
    assert.equal(turn.status, "completed");
    assert.equal((await turn.done()).finalText, text);
  });

  it("aborting a slow turn's stream interrupts it within a second", async () => {
    rs.modelServer.enqueue(model.say("slow", { delayBeforeCompletedMs: 30_000 }));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const controller = new AbortController();
    // Interrupt while the model is streaming (an interrupt before the model call would leave the
    // scripted response for the next turn): once its first text has arrived.
    const streaming = new Promise<void>((resolve) => {
      const off = rs.client.on("item/agentMessage/delta", () => (off(), resolve()));
    });
    const turn = await thread.streamTurn("take your time", { signal: controller.signal });
    await streaming;
    const t0 = Date.now();
    controller.abort();
    const result = await turn.done();
    assert.equal(result.status, "interrupted");
    assert.ok(Date.now() - t0 < 1000, `interrupt took ${Date.now() - t0} ms`);
    // The thread takes a new turn afterwards.
    rs.modelServer.enqueue(model.say("after interrupt"));
    assert.equal((await thread.chatOnce("again")).finalText, "after interrupt");
  });

  it("breaking out of chat() interrupts the running turn", async () => {
    rs.modelServer.enqueue(
      model.exec("echo first"),
      model.say("too late", { delayBeforeCompletedMs: 30_000 }),
    );
    const thread = await rs.client.startThread({
      cwd: rs.home.workspace,
      approvalPolicy: "never",
      sandbox: "workspace-write",
    });
    const statuses: string[] = [];
    const off = rs.client.on("turn/completed", (p) => {
      if (p.threadId === thread.threadId) statuses.push(p.turn.status);
    });
    for await (const step of thread.chat("go")) {
      if (step.stepType === "exec") break;
    }
    const t0 = Date.now();
    while (statuses.length === 0 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 20));
    off();
    assert.deepEqual(statuses, ["interrupted"]);
    // The interrupt may land before the second model call: its scripted reply is then never asked for.
    rs.modelServer.reset();
  });

  it("steerTurn adds input to the running turn", async () => {
    rs.modelServer.enqueue(
      model.say("working on it", { delayBeforeCompletedMs: 1500 }),
      model.say("steered answer"),
    );
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const turn = await thread.streamTurn("start something");
    await rs.modelServer.waitForModelRequests(1);
    const steered = await rs.client.steerTurn({
      threadId: thread.threadId,
      expectedTurnId: turn.turnId,
      input: "also mention bananas",
    });
    assert.equal(steered.turnId, turn.turnId);
    const result = await turn.done();
    assert.equal(result.status, "completed");
    assert.equal(result.finalText, "steered answer");
    assert.match(JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body), /also mention bananas/);
  });

  it("updateDefaults changes the model of later turns (experimentalApi client)", async () => {
    await using experimental = CodexClient.connectStdio({
      env: rs.home.env,
      cwd: rs.home.workspace,
      experimentalApi: true,
    });
    const thread = await experimental.startThread({ cwd: rs.home.workspace });
    assert.equal(await thread.updateDefaults({ model: "gpt-5.4" }), "thread/settings/update");
    assert.equal(thread.defaults.model, "gpt-5.4");
    rs.modelServer.enqueue(model.say("ok"));
    await thread.chatOnce("which model?");
    assert.equal((rs.modelServer.modelRequests.at(-1)?.body as { model?: string }).model, "gpt-5.4");
  });

  it("listModels, readConfig and readConfigRequirements answer", async () => {
    const models = await rs.client.listModels();
    assert.ok(models.data.length > 0);
    const config = await rs.client.readConfig();
    assert.equal((config.config as { model_provider?: string }).model_provider, "mock_provider");
    await rs.client.readConfigRequirements();
  });

  it("inactivity timeout → continuation → resume completes with the right final text", async () => {
    rs.modelServer.enqueue(model.say("worth the wait", { delayBeforeCompletedMs: 1500 }));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    let continuation;
    await assert.rejects(thread.chatOnce("slow one", { inactivityTimeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof CodexTurnInactiveError);
      assert.ok(e.idleMs >= 300);
      assert.equal(e.continuation.mode, "once");
      assert.equal(e.continuation.threadId, thread.threadId);
      continuation = e.continuation;
      return true;
    });
    await assert.rejects(rs.client.chat(undefined, { continuation }).next(), /mode "once"/);
    await assert.rejects(rs.client.chatOnce("extra input", { continuation }), TypeError);
    const resumed = await rs.client.chatOnce(undefined, { continuation });
    assert.equal(resumed.finalText, "worth the wait");
    assert.equal(resumed.status, "completed");
  });

  it("chat() inactivity → resume yields the remaining steps without loss or repeats", async () => {
    rs.modelServer.enqueue(
      model.exec("echo one"),
      model.say("final words", { delayBeforeCompletedMs: 1500 }),
    );
    const thread = await rs.client.startThread({
      cwd: rs.home.workspace,
      approvalPolicy: "never",
      sandbox: "workspace-write",
    });
    const seen: ConversationStep[] = [];
    let continuation;
    try {
      for await (const step of thread.chat("go", { inactivityTimeoutMs: 400 })) seen.push(step);
      assert.fail("expected an inactivity timeout");
    } catch (e) {
      assert.ok(e instanceof CodexTurnInactiveError, String(e));
      continuation = e.continuation;
    }
    for await (const step of rs.client.chat(undefined, { continuation })) seen.push(step);
    const ids = seen.map((s) => s.itemId);
    assert.equal(new Set(ids).size, ids.length, "no step repeated");
    assert.deepEqual(
      seen.map((s) => s.stepType).filter((t) => t === "exec" || t === "codex"),
      ["exec", "codex"],
    );
    assert.equal(seen.at(-1)?.text, "final words");
  });

  it("cancel() in place of resume returns the unread steps and frees the thread", async () => {
    rs.modelServer.enqueue(model.say("never finished", { delayBeforeCompletedMs: 30_000 }));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    let continuation;
    await assert.rejects(thread.chatOnce("stall", { inactivityTimeoutMs: 300 }), (e: unknown) => {
      continuation = (e as CodexTurnInactiveError).continuation;
      return e instanceof CodexTurnInactiveError;
    });
    await rs.modelServer.waitForModelRequests(1);
    const cancelled = await rs.client.cancel(continuation!);
    assert.equal(cancelled.wasCompleted, false);
    assert.equal(cancelled.wasInterrupted, true);
    assert.ok(cancelled.steps.some((s) => s.itemType === "userMessage"));
    await assert.rejects(rs.client.chatOnce(undefined, { continuation }), /not tracked/);
    rs.modelServer.enqueue(model.say("next turn works"));
    assert.equal((await thread.chatOnce("next")).finalText, "next turn works");
  });

  it("five threads with concurrent turns each get exactly their own steps", async () => {
    const threads = await Promise.all(
      Array.from({ length: 5 }, () => rs.client.startThread({ cwd: rs.home.workspace })),
    );
    // The model answers in arrival order; each answer echoes nothing of the thread, so tag by request.
    for (let i = 0; i < 5; i++) rs.modelServer.enqueue(model.say(`answer-${i}`, { deltas: 3 }));
    const results = await Promise.all(threads.map((t, i) => t.chatOnce(`question-${i}`)));
    const answers = results.map((r) => r.finalText).sort();
    assert.deepEqual(answers, ["answer-0", "answer-1", "answer-2", "answer-3", "answer-4"]);
    results.forEach((r, i) => {
      assert.equal(r.threadId, threads[i]!.threadId);
      const user = r.items.find((it) => it.type === "userMessage");
      assert.match(JSON.stringify(user), new RegExp(`question-${i}`));
      assert.equal(r.items.filter((it) => it.type === "agentMessage").length, 1);
    });
  });

  it("outputSchema reaches the model request", async () => {
    rs.modelServer.enqueue(model.say('{"ok":true}'));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const schema = {
      type: "object",
      properties: { ok: { type: "boolean" } },
      required: ["ok"],
      additionalProperties: false,
    };
    await thread.chatOnce("structured", { turnOverrides: { outputSchema: schema } });
    const body = rs.modelServer.modelRequests.at(-1)?.body as { text?: { format?: { schema?: unknown } } };
    assert.deepEqual(body.text?.format?.schema, schema);
  });

  it("a model endpoint answering HTTP 500 ends in CodexTurnFailedError with the server's message", async () => {
    rs.modelServer.enqueue(model.httpError(500, "model exploded"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    await assert.rejects(thread.chatOnce("fail please"), (e: unknown) => {
      assert.ok(e instanceof CodexTurnFailedError, String(e));
      assert.equal(e.codexErrorInfo, "internalServerError");
      assert.equal(e.threadId, thread.threadId);
      assert.ok(e.message.length > 10);
      return true;
    });
    rs.modelServer.enqueue(model.say("recovered"));
    assert.equal((await thread.chatOnce("again")).finalText, "recovered");
  });

  it("the seed's sandboxPolicy payload is accepted by turn/start", async () => {
    rs.modelServer.enqueue(model.say("sandboxed"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const r = await thread.chatOnce("hi", {
      turnOverrides: {
        sandboxPolicy: { type: "workspaceWrite", networkAccess: false, writableRoots: ["/tmp"] },
        approvalPolicy: "on-request",
      },
    });
    assert.equal(r.finalText, "sandboxed");
  });

  it("a refused approvalPolicy names the field and the value", async () => {
    await assert.rejects(
      rs.client.startThread({ cwd: rs.home.workspace, approvalPolicy: "on-failure" }),
      (e: unknown) => {
        assert.ok(e instanceof CodexProtocolError);
        assert.match(e.message, /approvalPolicy "on-failure"/);
        return true;
      },
    );
  });

  it("thread operations: name, read, list, archive, unarchive, fork, rollback", async () => {
    rs.modelServer.enqueue(model.say("one"), model.say("two"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    await thread.chatOnce("turn one");
    await thread.chatOnce("turn two");
    await thread.setName("sdk test thread");
    const read = await thread.read();
    assert.equal(read.thread.name, "sdk test thread");
    assert.equal((await collect(thread.turns())).length, 2);
    const listed = await rs.client.listThreads({ limit: 50 });
    assert.ok(listed.data.some((t) => t.id === thread.threadId));
    const fork = await thread.fork();
    assert.notEqual(fork.threadId, thread.threadId);
    assert.equal((await collect(fork.turns())).length, 2);
    await thread.rollback(1);
    const left = await collect(thread.turns({ itemsView: "full" }));
    assert.deepEqual(
      left.map((t) => t.items.find((i) => i.type === "userMessage")?.content),
      [[{ type: "text", text: "turn one", text_elements: [] }]],
    );
    await thread.archive();
    const archived = await rs.client.listThreads({ archived: true, limit: 50 });
    assert.ok(archived.data.some((t) => t.id === thread.threadId));
    await thread.unarchive();
    const active = await rs.client.listThreads({ limit: 50 });
    assert.ok(active.data.some((t) => t.id === thread.threadId));
  });

  it("resume by id from a new client process", async () => {
    rs.modelServer.enqueue(model.say("remember: 42"));
    // A thread has one writer at a time: the first process must let go of it before another resumes it.
    const first = CodexClient.connectStdio({ env: rs.home.env, cwd: rs.home.workspace });
    const thread = await first.startThread({ cwd: rs.home.workspace });
    await thread.chatOnce("the number is 42");
    await first.close();
    const script = `
      import { CodexClient } from "./src/client/client.js";
      import { model } from "./src/testing/index.js";
      const client = CodexClient.connectStdio({ env: process.env, cwd: process.env.WS });
      const thread = await client.resumeThread(process.env.TID);
      const r = await thread.chatOnce("what was the number?");
      console.log(JSON.stringify({ id: thread.threadId, text: r.finalText }));
      await client.close();
      void model;
    `;
    rs.modelServer.enqueue(model.say("it was 42"));
    // Asynchronous on purpose: the scripted model lives in this process and must keep answering.
    const { stdout: out } = await promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      {
        cwd: process.cwd(),
        env: { ...rs.home.env, WS: rs.home.workspace, TID: thread.threadId },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    const parsed = JSON.parse(out.trim().split("\n").at(-1)!) as { id: string; text: string };
    assert.equal(parsed.id, thread.threadId);
    assert.equal(parsed.text, "it was 42");
    assert.match(JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body), /the number is 42/);
  });
});
