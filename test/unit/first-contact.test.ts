// First contact over the in-memory pair: the sign-in check before a connection's first turn, and
// the bound on a model the server keeps retrying (retry notices vs progress, the inactivity
// timeout, goals, and timers that end with their turn). The real-server proofs are in
// test/e2e/first-contact.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import type { ClientOptions } from "../../src/client/options.js";
import {
  CodexAbortError,
  CodexAuthRequiredError,
  CodexModelUnavailableError,
  CodexTransportError,
  CodexTurnInactiveError,
} from "../../src/errors/index.js";
import { createLinkedTransports, type MemoryTransport } from "../../src/transport/memory.js";
import { ACCOUNT_READ_RESULT, INITIALIZE_RESULT } from "../support/fake-server.js";

const T = "T1";
type Msg = { id?: number; method?: string; params?: Record<string, unknown> };

/** A scripted app-server: every client message is kept in `received`; the methods turns use are answered. */
class Server {
  readonly received: Msg[] = [];
  /** What `account/read` answers: a result, or a JSON-RPC error. */
  account: { result: unknown } | { error: { code: number; message: string } } = {
    result: ACCOUNT_READ_RESULT,
  };
  /** Leave `account/read` unanswered, as a stuck server would. */
  accountHangs = false;
  #turns = 0;

  constructor(readonly side: MemoryTransport) {
    side.onmessage = (raw) => this.#handle(raw as Msg);
    void side.start();
  }

  sent(method: string): Msg[] {
    return this.received.filter((m) => m.method === method);
  }

  send(message: unknown): Promise<void> {
    return this.side.send(message);
  }

  /** A retry notice of turn `turnId`, as the server sends it while it cannot reach the model. */
  retry(turnId: string, message = "Reconnecting... waiting for network"): Promise<void> {
    return this.send({
      method: "error",
      params: {
        threadId: T,
        turnId,
        willRetry: true,
        error: { message, codexErrorInfo: null, additionalDetails: "Connection failed" },
      },
    });
  }

  /** A delta of turn `turnId`: progress. */
  delta(turnId: string): Promise<void> {
    return this.send({
      method: "item/agentMessage/delta",
      params: { threadId: T, turnId, itemId: "m1", delta: "x" },
    });
  }

  #handle(m: Msg): void {
    this.received.push(m);
    if (m.id === undefined || m.method === undefined) return;
    const reply = (result: unknown) => void this.send({ id: m.id, result });
    const turn = (id: string, status = "inProgress") => ({ id, items: [], status, error: null });
    switch (m.method) {
      case "initialize":
        return reply(INITIALIZE_RESULT);
      case "account/read":
        if (this.accountHangs) return;
        return void this.send({ id: m.id, ...this.account });
      case "thread/read":
        return reply({ thread: { id: T, turns: [] } });
      case "thread/turns/list":
        return reply({ data: [], nextCursor: null, backwardsCursor: null });
      case "thread/start":
      case "thread/resume":
        return reply({ thread: { id: T, turns: [] }, modelProvider: "p" });
      case "turn/start":
        return reply({ turn: turn(`U${++this.#turns}`) });
      case "turn/interrupt":
        reply({});
        return void this.send({
          method: "turn/completed",
          params: { threadId: T, turn: turn(m.params?.turnId as string, "interrupted") },
        });
      case "thread/goal/get":
        return reply({ goal: null });
      case "thread/goal/set": {
        const goal = {
          threadId: T,
          objective: "ship it",
          status: (m.params?.status as string) ?? "active",
          tokenBudget: null,
          tokensUsed: 0,
          timeUsedSeconds: 0,
          createdAt: 1,
          updatedAt: 1,
        };
        reply({ goal });
        if (m.params?.objective !== undefined)
          void this.send({ method: "turn/started", params: { threadId: T, turn: turn("G1") } });
        return;
      }
    }
  }
}

function setup(options: ClientOptions = {}) {
  const [clientSide, serverSide] = createLinkedTransports();
  const server = new Server(serverSide);
  const client = new CodexClient(clientSide, options);
  return { client, server };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `condition` holds. */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail("condition not met in time");
    await sleep(5);
  }
}

/** The timers alive now (setTimeout/setInterval). */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

const NO_SIGN_IN = {
  result: { account: null, userId: null, requiresOpenaiAuth: true, workspaceRouting: null },
};

describe("the sign-in check before a turn (in-memory)", () => {
  it("the call's signal ends a wait on a slow account/read: CodexAbortError, and nothing else is sent", async () => {
    const { client, server } = setup();
    server.accountHangs = true;
    const giveUp = new AbortController();
    const call = client.chatOnce("hi", { signal: giveUp.signal });
    await until(() => server.sent("account/read").length === 1);
    giveUp.abort();
    await assert.rejects(call, CodexAbortError);
    assert.equal(server.sent("thread/start").length, 0);
    assert.equal(server.sent("turn/start").length, 0);
    await client.close();
  });

  it("no sign-in: chatOnce, chat, streamTurn and goals are refused before anything is sent", async () => {
    const { client, server } = setup();
    server.account = NO_SIGN_IN;
    await assert.rejects(client.chatOnce("hi"), (error: unknown) => {
      assert.ok(error instanceof CodexAuthRequiredError);
      assert.match(error.message, /loginWithApiKey/);
      assert.match(error.message, /loginWithChatGpt/);
      assert.match(error.message, /codex login/);
      return true;
    });
    assert.equal(server.sent("thread/start").length, 0, "no empty thread is left behind");
    await assert.rejects(client.chatOnce("hi", { threadId: "stored" }), CodexAuthRequiredError);
    await assert.rejects(client.streamTurn("stored", "hi"), CodexAuthRequiredError);
    assert.equal(server.sent("thread/resume").length, 0, "a stored thread is not resumed for nothing");
    const thread = await client.startThread();
    await assert.rejects(thread.chatOnce("hi"), CodexAuthRequiredError);
    await assert.rejects(thread.streamTurn("hi"), CodexAuthRequiredError);
    await assert.rejects(async () => {
      for await (const _ of thread.chat("hi")) assert.fail("no step expected");
    }, CodexAuthRequiredError);
    await assert.rejects(thread.startGoal("ship it"), CodexAuthRequiredError);
    await assert.rejects(thread.resumeGoal(), CodexAuthRequiredError);
    assert.equal(server.sent("turn/start").length, 0);
    assert.equal(server.sent("thread/goal/set").length, 0);
    // Read once for the connection, not once per turn.
    assert.equal(server.sent("account/read").length, 1);
    assert.deepEqual(server.sent("account/read")[0]?.params, {});
    await client.close();
  });

  it("a sign-in (account/updated) makes the next turn read the account again, and it runs", async () => {
    const { client, server } = setup();
    server.account = NO_SIGN_IN;
    const thread = await client.startThread();
    await assert.rejects(thread.streamTurn("hi"), CodexAuthRequiredError);
    server.account = { result: { ...NO_SIGN_IN.result, account: { type: "apiKey" } } };
    await server.send({ method: "account/updated", params: { authMode: "apikey", planType: null } });
    const turn = await thread.streamTurn("hi");
    assert.equal(turn.turnId, "U1");
    assert.equal(server.sent("account/read").length, 2);
    await client.close();
  });

  it("a reconnect forgets the answer: the next turn asks the new connection", async () => {
    const [first, firstServerSide] = createLinkedTransports();
    const firstServer = new Server(firstServerSide);
    firstServer.account = NO_SIGN_IN;
    const servers: Server[] = [];
    const client = new CodexClient(
      first,
      {},
      {
        maxAttempts: 3,
        backoffMs: 10,
        transport: () => {
          const [c, s] = createLinkedTransports();
          servers.push(new Server(s)); // this server's provider needs no sign-in
          return c;
        },
      },
    );
    const thread = await client.startThread();
    await assert.rejects(thread.streamTurn("hi"), CodexAuthRequiredError);
    const reconnected = new Promise((resolve) => client.onReconnected(resolve));
    firstServerSide.fail(new CodexTransportError("server gone"));
    await reconnected;
    assert.equal((await thread.streamTurn("hi")).turnId, "U1");
    assert.equal(servers.at(-1)?.sent("account/read").length, 1);
    await client.close();
  });

  it("a thread that names its own provider is not checked (account/read speaks of the default one)", async () => {
    const { client, server } = setup();
    server.account = NO_SIGN_IN;
    const own = await client.startThread({ modelProvider: "mine" });
    assert.equal((await own.streamTurn("hi")).turnId, "U1");
    const viaConfig = client.chatOnce("hi", { threadConfig: { config: { model_provider: "mine" } } });
    await until(() => server.sent("turn/start").length === 2);
    await server.send({
      method: "turn/completed",
      params: { threadId: T, turn: { id: "U2", items: [], status: "completed", error: null } },
    });
    assert.equal((await viaConfig).turnId, "U2");
    assert.equal(server.sent("account/read").length, 0);
    await client.close();
  });

  it("a server without account/read (-32601) is not blocked; the answer is remembered", async () => {
    const { client, server } = setup();
    server.account = { error: { code: -32601, message: "method not found" } };
    const thread = await client.startThread();
    assert.equal((await thread.streamTurn("a")).turnId, "U1");
    await server.send({
      method: "turn/completed",
      params: { threadId: T, turn: { id: "U1", items: [], status: "completed", error: null } },
    });
    assert.equal((await thread.streamTurn("b")).turnId, "U2");
    assert.equal(server.sent("account/read").length, 1);
    await client.close();
  });

  it("any other account/read failure lets the turn go and asks again next time", async () => {
    const { client, server } = setup();
    server.account = { error: { code: -32603, message: "internal" } };
    const thread = await client.startThread();
    assert.equal((await thread.streamTurn("a")).turnId, "U1");
    assert.equal(server.sent("account/read").length, 1);
    await server.send({
      method: "turn/completed",
      params: { threadId: T, turn: { id: "U1", items: [], status: "completed", error: null } },
    });
    await thread.streamTurn("b");
    assert.equal(server.sent("account/read").length, 2);
    await client.close();
  });
});

describe("retries are visible and bounded (in-memory)", () => {
  it("streamTurn: retry notices are events; without progress the iterator throws CodexModelUnavailableError", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    const turn = await thread.streamTurn("hi", { modelRetryTimeoutMs: 150 });
    await server.retry("U1", "Reconnecting... 2/5");
    await server.retry("U1", "Reconnecting... 3/5");
    const seen: string[] = [];
    const startedAt = Date.now();
    await assert.rejects(
      async () => {
        for await (const event of turn) seen.push(event.method);
      },
      (error: unknown) => {
        assert.ok(error instanceof CodexModelUnavailableError, String(error));
        assert.equal(error.lastMessage, "Reconnecting... 3/5");
        assert.equal(error.additionalDetails, "Connection failed");
        assert.equal(error.retries, 2);
        assert.equal(error.timeoutMs, 150);
        assert.equal(error.threadId, T);
        assert.equal(error.turnId, "U1");
        assert.match(error.message, /modelRetryTimeoutMs/);
        return true;
      },
    );
    assert.deepEqual(seen, ["error", "error"]);
    assert.ok(Date.now() - startedAt < 5000);
    await until(() => server.sent("turn/interrupt").length === 1);
    assert.deepEqual(server.sent("turn/interrupt")[0]?.params, { threadId: T, turnId: "U1" });
    await assert.rejects(turn.done(), CodexModelUnavailableError);
    await client.close();
  });

  it("progress between retries starts the clock again; the count is of the retries since then", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    const turn = await thread.streamTurn("hi", { modelRetryTimeoutMs: 1000 });
    const outcome = turn.done().then(
      () => "completed",
      (e: unknown) => e,
    );
    for (let i = 0; i < 4; i++) {
      await server.retry("U1");
      await sleep(100); // a quiet period: the server retries for this long before it progresses
      await server.delta("U1"); // progress: about 100 ms of retrying at a time, well inside 1000
    }
    assert.equal(server.sent("turn/interrupt").length, 0);
    await server.retry("U1", "first");
    await server.retry("U1", "second");
    const error = await outcome;
    assert.ok(error instanceof CodexModelUnavailableError, String(error));
    assert.equal(error.retries, 2);
    assert.equal(error.lastMessage, "second");
    await client.close();
  });

  it("an error without willRetry is an ordinary event (progress), not a retry", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    const turn = await thread.streamTurn("hi", { modelRetryTimeoutMs: 100 });
    await server.retry("U1");
    await server.send({
      method: "error",
      params: { threadId: T, turnId: "U1", willRetry: false, error: { message: "final" } },
    });
    await sleep(250); // a quiet period: 2.5 times the bound, and nothing may happen in it
    assert.equal(server.sent("turn/interrupt").length, 0);
    assert.equal(turn.status, "inProgress");
    await client.close();
  });

  it("chatOnce and chat reject with CodexModelUnavailableError; the client option is the default", async () => {
    const { client, server } = setup({ modelRetryTimeoutMs: 100 });
    const thread = await client.startThread();
    const once = thread.chatOnce("hi");
    await until(() => server.sent("turn/start").length === 1);
    await server.retry("U1");
    await assert.rejects(once, CodexModelUnavailableError);
    await assert.rejects(async () => {
      const steps = thread.chat("hi", { modelRetryTimeoutMs: 120 });
      const first = steps.next();
      await until(() => server.sent("turn/start").length === 2);
      await server.retry("U2");
      await first;
    }, CodexModelUnavailableError);
    assert.equal(server.sent("turn/interrupt").length, 2);
    await client.close();
  });

  it("Infinity lets the server retry for ever; a bad value is refused before anything is sent", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    // Out of range is a RangeError; NaN is not a number at all for the option check (TypeError).
    for (const [bad, kind] of [
      [0, RangeError],
      [-1, RangeError],
      [2 ** 31, RangeError],
      [Number.NaN, TypeError],
    ] as const) {
      await assert.rejects(thread.chatOnce("hi", { modelRetryTimeoutMs: bad }), kind);
      await assert.rejects(thread.streamTurn("hi", { modelRetryTimeoutMs: bad }), kind);
      await assert.rejects(thread.startGoal("x", { modelRetryTimeoutMs: bad }), kind);
    }
    assert.equal(server.sent("turn/start").length + server.sent("thread/goal/set").length, 0);
    const before = timers();
    const turn = await thread.streamTurn("hi", { modelRetryTimeoutMs: Infinity });
    await server.retry("U1");
    assert.equal(timers(), before, "no timer for an unbounded wait");
    assert.equal(turn.status, "inProgress");
    await client.close();
  });

  it("retry notices do not reset the inactivity timeout", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    const once = thread.chatOnce("hi", { inactivityTimeoutMs: 200, modelRetryTimeoutMs: 60_000 });
    await until(() => server.sent("turn/start").length === 1);
    const startedAt = Date.now();
    const retrying = setInterval(() => void server.retry("U1"), 40);
    try {
      await assert.rejects(once, CodexTurnInactiveError);
    } finally {
      clearInterval(retrying);
    }
    const waited = Date.now() - startedAt;
    // Had the retries counted, the turn would never be inactive (the test would time out).
    assert.ok(waited < 5000, `the retries kept the turn alive for ${waited} ms`);
    await client.close();
  });

  it("the retry timer ends with its turn: completed, or given up by a break", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    const before = timers();
    const a = await thread.streamTurn("a", { modelRetryTimeoutMs: 60_000 });
    await server.retry("U1");
    assert.equal(timers(), before + 1);
    await server.send({
      method: "turn/completed",
      params: { threadId: T, turn: { id: "U1", items: [], status: "completed", error: null } },
    });
    await a.done();
    assert.equal(timers(), before, "cleared when the turn completed");
    const b = await thread.streamTurn("b", { modelRetryTimeoutMs: 60_000 });
    await server.retry("U2");
    for await (const event of b) if (event.method === "error") break;
    // Leaving the loop sends turn/interrupt, whose own request timer ends with its reply.
    await until(() => server.sent("turn/interrupt").length === 1);
    await until(() => timers() === before); // the interrupt's reply clears its request timer
    assert.equal(timers(), before, "cleared when the reader left");
    await client.close();
  });

  it("goals: retries and warnings are not progress; past the bound the goal is paused and done() rejects", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    const goal = await thread.startGoal("ship it", { modelRetryTimeoutMs: 150, inactivityTimeoutMs: 60_000 });
    await until(() => goal.currentTurnId === "G1");
    await server.retry("G1", "Reconnecting... 2/5");
    await server.send({ method: "warning", params: { threadId: T, message: "Falling back" } });
    await server.retry("G1", "Reconnecting... 3/5");
    await assert.rejects(goal.done(), (error: unknown) => {
      assert.ok(error instanceof CodexModelUnavailableError, String(error));
      assert.equal(error.turnId, "G1");
      assert.equal(error.retries, 2);
      assert.equal(error.lastMessage, "Reconnecting... 3/5");
      return true;
    });
    await until(() => server.sent("turn/interrupt").length === 1);
    assert.ok(server.sent("thread/goal/set").some((m) => m.params?.status === "paused"));
    await client.close();
  });

  it("goals: the inactivity timeout is not reset by retry notices or warnings", async () => {
    const { client, server } = setup();
    const thread = await client.startThread();
    const goal = await thread.startGoal("ship it", { inactivityTimeoutMs: 200, modelRetryTimeoutMs: 60_000 });
    await until(() => goal.currentTurnId === "G1");
    const retrying = setInterval(() => {
      void server.retry("G1");
      void server.send({ method: "warning", params: { threadId: T, message: "Falling back" } });
    }, 40);
    try {
      await assert.rejects(goal.done(), /produced no event/);
    } finally {
      clearInterval(retrying);
    }
    await client.close();
  });
});
