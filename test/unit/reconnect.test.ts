// Reconnect logic over in-memory pairs: what happens to each running turn depends on what the
// resumed thread reports. (The real-server path is in test/e2e/reconnect.test.ts.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexTransportError, CodexTurnDisconnectedError } from "../../src/errors/index.js";
import { jittered } from "../../src/rpc/reconnect.js";
import type { ReconnectInfo } from "../../src/conversation/recovery.js";
import { createLinkedTransports, type MemoryTransport } from "../../src/transport/memory.js";
import { ACCOUNT_READ_RESULT, INITIALIZE_RESULT } from "../support/fake-server.js";

/** Every `thread/resume` the scripted servers received, with its params. */
const resumes: object[] = [];

/** Waiters for the next `turn/start`, woken once its reply reached the client (the turn runs). */
const turnStarts: (() => void)[] = [];
const turnStarted = () => new Promise<void>((resolve) => turnStarts.push(resolve));

/**
 * A scripted server side: answers initialize, thread/start, turn/start, thread/resume and
 * thread/turns/list (whose turns are `resumeTurns` and then `readTurns`).
 */
function serve(
  side: MemoryTransport,
  resumeTurns: (threadId: string) => unknown[],
  readTurns: (threadId: string) => unknown[] = () => [],
) {
  side.onmessage = (raw) => {
    const m = raw as { id?: number; method?: string; params?: { threadId?: string } };
    if (m.id === undefined || m.method === undefined) return;
    const reply = (result: unknown) => void side.send({ id: m.id, result });
    switch (m.method) {
      case "initialize":
        return reply(INITIALIZE_RESULT);
      case "thread/start":
        return reply({ thread: { id: "T" } });
      case "turn/start":
        reply({ turn: { id: "U", items: [], status: "inProgress", error: null } });
        for (const started of turnStarts.splice(0)) setImmediate(started);
        return;
      case "account/read":
        return reply(ACCOUNT_READ_RESULT);
      case "thread/read":
        return reply({ thread: { id: m.params?.threadId, turns: readTurns(m.params?.threadId as string) } });
      case "thread/resume":
        resumes.push(m.params ?? {});
        return reply({
          thread: {
            id: m.params?.threadId,
            turns: (m.params as { excludeTurns?: boolean }).excludeTurns
              ? []
              : resumeTurns(m.params?.threadId as string),
          },
        });
      case "thread/turns/list": {
        const id = m.params?.threadId as string;
        const data = [...resumeTurns(id), ...readTurns(id)];
        return reply({ data, nextCursor: null, backwardsCursor: null });
      }
    }
  };
  void side.start();
}

function setup(resumeTurns: (threadId: string) => unknown[], readTurns?: (threadId: string) => unknown[]) {
  const [c1, s1] = createLinkedTransports();
  serve(s1, resumeTurns, readTurns);
  const servers: MemoryTransport[] = [];
  const client = new CodexClient(
    c1,
    {},
    {
      maxAttempts: 3,
      backoffMs: 10,
      transport: () => {
        const [c, s] = createLinkedTransports();
        serve(s, resumeTurns, readTurns);
        servers.push(s);
        return c;
      },
    },
  );
  return { client, s1, servers };
}

describe("reconnect (in-memory)", () => {
  it("a turn the server still runs fails its read with CodexTurnDisconnectedError, and the continuation reads on", async () => {
    const { client, s1, servers } = setup(() => [{ id: "U", items: [], status: "inProgress", error: null }]);
    const reconnected = new Promise((resolve) => client.onReconnected(resolve));
    const thread = await client.startThread();
    const first = thread.chatOnce("go").then(
      () => assert.fail("expected a disconnect"),
      (e: unknown) => e,
    );
    await turnStarted();
    s1.fail(new CodexTransportError("server gone"));
    await reconnected;
    const error = await first;
    assert.ok(error instanceof CodexTurnDisconnectedError, String(error));
    const resumed = client.chatOnce(undefined, { continuation: error.continuation });
    const server = servers.at(-1) as MemoryTransport;
    await server.send({
      method: "item/completed",
      params: {
        threadId: "T",
        turnId: "U",
        item: { type: "agentMessage", id: "m", text: "after the gap" },
        completedAtMs: 0,
      },
    });
    await server.send({
      method: "turn/completed",
      params: { threadId: "T", turn: { id: "U", items: [], status: "completed", error: null } },
    });
    assert.equal((await resumed).finalText, "after the gap");
    await client.close();
  });

  it("a turn the server finished is completed with the server's status", async () => {
    const { client, s1 } = setup(() => [{ id: "U", items: [], status: "completed", error: null }]);
    const thread = await client.startThread();
    const result = thread.chatOnce("go");
    await turnStarted();
    s1.fail();
    assert.equal((await result).status, "completed");
    await client.close();
  });

  it("a turn the server no longer knows is completed as interrupted", async () => {
    const { client, s1 } = setup(() => []);
    const thread = await client.startThread();
    const result = thread.chatOnce("go");
    await turnStarted();
    s1.fail();
    assert.equal((await result).status, "interrupted");
    await client.close();
  });

  it("a running turn is looked up in the history (thread/turns/list) before it is called lost; resumes send no history", async () => {
    const { client, s1 } = setup(
      () => [],
      () => [{ id: "U", items: [], status: "inProgress", error: null }],
    );
    const thread = await client.startThread();
    const result = thread.chatOnce("go").then(
      () => undefined,
      (e: unknown) => e,
    );
    await turnStarted();
    resumes.length = 0;
    s1.fail();
    const outcome = await result;
    assert.ok(outcome instanceof CodexTurnDisconnectedError, String(outcome));
    assert.deepEqual(resumes, [{ threadId: "T", excludeTurns: true }]);
    await client.close();
  });
});

describe("reconnect of idle threads (in-memory)", () => {
  it("an idle held thread is not resumed by the reconnect, but by its next turn", async () => {
    const { client, s1, servers } = setup(() => []);
    const reconnected = new Promise<ReconnectInfo>((resolve) => client.onReconnected(resolve));
    const thread = await client.startThread();
    resumes.length = 0;
    s1.fail(new CodexTransportError("server gone"));
    const info = await reconnected;
    assert.deepEqual(info, { resumedThreads: [], failedThreads: [], deferredThreads: ["T"] });
    assert.deepEqual(resumes, []);
    const server = servers.at(-1) as MemoryTransport;
    const methods: string[] = [];
    const record = server.onmessage;
    server.onmessage = (m) => {
      methods.push(String((m as { method?: unknown }).method));
      record?.(m);
    };
    await thread.streamTurn("go");
    assert.deepEqual(
      methods.filter((m) => m.startsWith("thread/") || m.startsWith("turn/")),
      ["thread/resume", "turn/start"],
    );
    assert.deepEqual(resumes, [{ threadId: "T", excludeTurns: true }]);
    await client.close();
  });
});

describe("reconnect and server requests (in-memory)", () => {
  it("a handler's answer that comes after the connection dropped is not sent to the new server", async () => {
    const { client, s1, servers } = setup(() => []);
    const reconnected = new Promise((resolve) => client.onReconnected(resolve));
    await client.initialize();
    let answer: (value: unknown) => void = () => {};
    let signal: AbortSignal | undefined;
    client.handleRequest(
      "x/custom" as never,
      ((_p: unknown, ctx: { signal: AbortSignal }) => {
        signal = ctx.signal;
        return new Promise((resolve) => (answer = resolve));
      }) as never,
    );
    await s1.send({ id: 0, method: "x/custom", params: {} });
    while (!signal) await new Promise((r) => setImmediate(r));
    s1.fail(new CodexTransportError("server gone"));
    await reconnected;
    assert.equal(signal.aborted, true);
    const server = servers.at(-1) as MemoryTransport;
    const seen: unknown[] = [];
    const record = server.onmessage;
    server.onmessage = (m) => {
      seen.push(m);
      record?.(m);
    };
    answer({ late: true }); // the new server numbers its requests from 0 too: this must not reach it
    await client.request("thread/read", { threadId: "T", includeTurns: false }); // a barrier
    assert.deepEqual(
      seen.filter((m) => (m as { id?: unknown; method?: unknown }).id === 0 && !("method" in (m as object))),
      [],
    );
    await client.close();
  });
});

describe("reconnect back-off", () => {
  it("each wait is drawn between half and all of the current delay", () => {
    assert.equal(
      jittered(1000, () => 0),
      500,
    );
    assert.equal(
      jittered(1000, () => 0.999999),
      999.9995,
    );
    const waits = Array.from({ length: 200 }, () => jittered(400));
    assert.ok(waits.every((w) => w >= 200 && w < 400));
    assert.ok(new Set(waits).size > 100, "waits differ from one client to the next");
  });
});
