// Goals over the in-memory pair: ordering against the set reply, refusal of turns, the SDK's
// turn bound, recovery by read-back, and the bounded buffers. (The real-server proofs are in
// test/e2e/goals.test.ts.)
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import {
  CodexAbortError,
  CodexGoalInactiveError,
  CodexGoalRunningError,
  CodexOverflowError,
  CodexProtocolError,
  CodexTransportError,
} from "../../src/errors/index.js";
import type { GoalEvent } from "../../src/goals/goal-types.js";
import type { ReconnectInfo } from "../../src/conversation/recovery.js";
import type { ThreadGoal } from "../../src/protocol/generated/v2/ThreadGoal.js";
import { createLinkedTransports, type MemoryTransport } from "../../src/transport/memory.js";
import { ACCOUNT_READ_RESULT, INITIALIZE_RESULT } from "../support/fake-server.js";

const T = "thread-1";

const goalOf = (status: ThreadGoal["status"], extra: Partial<ThreadGoal> = {}): ThreadGoal => ({
  threadId: T,
  objective: "ship it",
  status,
  tokenBudget: null,
  tokensUsed: 0,
  timeUsedSeconds: 0,
  createdAt: 1,
  updatedAt: 1,
  ...extra,
});

type Msg = { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown };

/** Notifications of a goal's thread, as the server sends them. */
const n = {
  updated: (goal: ThreadGoal, turnId: string | null = null) => ({
    method: "thread/goal/updated",
    params: { threadId: T, turnId, goal },
  }),
  cleared: () => ({ method: "thread/goal/cleared", params: { threadId: T } }),
  started: (turnId: string) => ({
    method: "turn/started",
    params: { threadId: T, turn: { id: turnId, items: [], status: "inProgress", error: null } },
  }),
  message: (turnId: string, text: string, id = `m-${turnId}-${text}`) => ({
    method: "item/completed",
    params: {
      threadId: T,
      turnId,
      item: { type: "agentMessage", id, text, phase: null, memoryCitation: null },
    },
  }),
  completed: (turnId: string, status = "completed") => ({
    method: "turn/completed",
    params: {
      threadId: T,
      turn: {
        id: turnId,
        items: [],
        status,
        error:
          status === "failed" ? { message: "boom", codexErrorInfo: null, additionalDetails: null } : null,
      },
    },
  }),
};

/**
 * A scripted app-server: answers the methods goals use. `onSet` runs when a goal is set with an
 * objective and may send notifications before the reply (the order the real server does not
 * guarantee); `goal` is what `thread/goal/get` reads.
 */
class GoalServer {
  readonly received: Msg[] = [];
  /** The client's replies to server requests. */
  readonly replies: Msg[] = [];
  goal: ThreadGoal | null = null;
  latestTurn: { id: string; status: string } | undefined;
  onSet: (params: Record<string, unknown>) => Promise<unknown> | unknown = () => {};
  setError: { code: number; message: string } | undefined;
  /** Send `thread/goal/updated` after a status change, as the real server does. */
  reportSets = true;
  #waiters: { match: (m: Msg) => boolean; resolve: (m: Msg) => void }[] = [];

  constructor(readonly side: MemoryTransport) {
    side.onmessage = (raw) => void this.#handle(raw as Msg);
    void side.start();
  }

  send(message: unknown): Promise<void> {
    return this.side.send(message);
  }

  async sendAll(...messages: unknown[]): Promise<void> {
    for (const m of messages) await this.send(m);
  }

  /** Client requests of one method so far. */
  sent(method: string): Msg[] {
    return this.received.filter((m) => m.method === method);
  }

  /** Resolves when the client sends a matching message (now or later). */
  waitFor(method: string, match: (p: Record<string, unknown>) => boolean = () => true): Promise<Msg> {
    const test = (m: Msg) => m.method === method && match(m.params ?? {});
    const found = this.received.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ match: test, resolve }));
  }

  async #handle(m: Msg): Promise<void> {
    if (m.method === undefined) {
      this.replies.push(m);
      return;
    }
    this.received.push(m);
    for (const w of [...this.#waiters]) {
      if (w.match(m)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
    if (m.id === undefined) return;
    const reply = (result: unknown) => this.send({ id: m.id, result });
    const p = m.params ?? {};
    switch (m.method) {
      case "initialize":
        return reply(INITIALIZE_RESULT);
      case "thread/start":
      case "thread/resume":
        return reply({ thread: { id: T, turns: [] } });
      case "turn/start":
        return reply({ turn: { id: "user-turn", items: [], status: "inProgress", error: null } });
      case "turn/interrupt":
        return reply({});
      case "account/read":
        return reply(ACCOUNT_READ_RESULT);
      case "thread/goal/get":
        return reply({ goal: this.goal });
      case "thread/goal/clear":
        this.goal = null;
        return reply({ cleared: true });
      case "thread/turns/list":
        return reply({
          data: this.latestTurn ? [{ ...this.latestTurn, items: [], error: null }] : [],
          nextCursor: null,
          backwardsCursor: null,
        });
      case "thread/goal/set": {
        if (this.setError) return this.send({ id: m.id, error: this.setError });
        const before = this.goal;
        this.goal = goalOf((p.status as ThreadGoal["status"]) ?? "active", {
          objective: (p.objective as string) ?? before?.objective ?? "",
          tokenBudget: (p.tokenBudget as number) ?? before?.tokenBudget ?? null,
        });
        const answer = this.goal;
        // Only a new objective starts a chain; a status change (pause, resume) just reports the goal.
        if (p.objective !== undefined) await this.onSet(p);
        else if (this.reportSets) await this.send(n.updated(answer));
        return reply({ goal: answer });
      }
    }
  }
}

/** Waits (bounded) until `condition` holds. */
async function until(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function setup(options: ConstructorParameters<typeof CodexClient>[1] = {}) {
  const [clientSide, serverSide] = createLinkedTransports();
  const server = new GoalServer(serverSide);
  const client = new CodexClient(clientSide, options);
  const errors: Error[] = [];
  client.onError((e) => errors.push(e));
  const thread = await client.startThread();
  return { client, server, thread, errors };
}

describe("goals (in-memory)", () => {
  it("keeps every event that arrives before the reply to thread/goal/set, and a stale reply does not win", async () => {
    const { client, server, thread } = await setup();
    // The whole chain beats the reply: the goal is already complete when the reply says "active".
    server.onSet = () =>
      server.sendAll(
        n.updated(goalOf("active")),
        n.started("t1"),
        n.message("t1", "working"),
        n.updated(goalOf("active", { tokensUsed: 15 }), "t1"),
        n.completed("t1"),
        n.started("t2"),
        n.updated(goalOf("complete", { tokensUsed: 30 }), "t2"),
        n.message("t2", "done"),
        n.completed("t2"),
      );
    const goal = await thread.startGoal("ship it");
    const methods: string[] = [];
    for await (const event of goal) methods.push(event.method);
    const result = await goal.done();
    assert.deepEqual(methods, [
      "thread/goal/updated",
      "turn/started",
      "item/completed",
      "thread/goal/updated",
      "turn/completed",
      "turn/started",
      "thread/goal/updated",
      "item/completed",
      "turn/completed",
    ]);
    assert.equal(result.status, "complete");
    assert.equal(result.endReason, "status");
    assert.deepEqual(result.turnIds, ["t1", "t2"]);
    assert.equal(result.finalText, "done");
    assert.equal(result.tokensUsed, 30);
    assert.deepEqual(
      result.items.map((i) => i.type),
      ["agentMessage", "agentMessage"],
    );
    await client.close();
  });

  it("refuses chatOnce, chat and streamTurn on the goal's thread before sending anything", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("ship it");
    await assert.rejects(thread.chatOnce("mine"), CodexGoalRunningError);
    await assert.rejects(thread.streamTurn("mine"), CodexGoalRunningError);
    await assert.rejects(async () => {
      for await (const _ of thread.chat("mine")) assert.fail("no step expected");
    }, CodexGoalRunningError);
    await assert.rejects(thread.startGoal("another"), CodexGoalRunningError);
    assert.equal(server.sent("turn/start").length, 0);
    assert.equal(server.sent("thread/goal/set").length, 1);
    await server.sendAll(n.updated(goalOf("complete"), "t1"), n.completed("t1"));
    assert.equal((await goal.done()).status, "complete");
    // Free again once the goal ended.
    const turn = await thread.streamTurn("mine");
    assert.equal(turn.turnId, "user-turn");
    assert.equal(server.sent("turn/start").length, 1);
    await client.close();
  });

  it("a thread/closed forgets another client's active goal on that thread: its turns are no longer refused", async () => {
    const { client, server, thread } = await setup();
    // Each `await server.send` returns once the client has taken the notification in.
    await server.send(n.updated(goalOf("active")));
    await assert.rejects(thread.chatOnce("mine"), CodexGoalRunningError);
    await server.send({ method: "thread/closed", params: { threadId: T } });
    const turn = await thread.streamTurn("mine");
    assert.equal(turn.turnId, "user-turn");
    await client.close();
  });

  it("refuses a turn on a thread whose goal another client made active (from its notifications)", async () => {
    const { client, server, thread } = await setup();
    // Each `await server.send` returns once the client has taken the notification in.
    await server.send(n.updated(goalOf("active")));
    await assert.rejects(thread.chatOnce("mine"), CodexGoalRunningError);
    await server.send(n.updated(goalOf("paused")));
    await thread.streamTurn("mine");
    assert.equal(server.sent("turn/start").length, 1);
    await client.close();
  });

  it("starts from a clean goal: clears a finished one first, refuses an active one", async () => {
    const { client, server, thread } = await setup();
    server.goal = goalOf("complete", { tokensUsed: 99 });
    server.onSet = () => server.sendAll(n.updated(goalOf("complete")));
    const result = await thread.runGoal("again");
    assert.equal(result.status, "complete");
    const order = server.received.map((m) => m.method).filter((m) => m?.startsWith("thread/goal/"));
    assert.deepEqual(order, ["thread/goal/get", "thread/goal/clear", "thread/goal/set"]);
    server.goal = goalOf("active");
    await assert.rejects(thread.startGoal("while active"), CodexGoalRunningError);
    assert.equal(server.sent("thread/goal/set").length, 1);
    await client.close();
  });

  it("a refused thread/goal/set rejects startGoal and leaves the thread free", async () => {
    const { client, server, thread } = await setup();
    server.setError = { code: -32600, message: "goals feature is disabled" };
    await assert.rejects(thread.startGoal("ship it"), CodexProtocolError);
    await thread.streamTurn("mine");
    await client.close();
  });

  it("refuses bad options and an already-aborted signal before sending anything", async () => {
    const { client, server, thread } = await setup();
    await assert.rejects(thread.startGoal(""), TypeError);
    await assert.rejects(thread.startGoal("x", { tokenBudget: 0 }), RangeError);
    await assert.rejects(thread.startGoal("x", { maxTurns: 0 }), RangeError);
    await assert.rejects(thread.runGoal("x", { keepItems: -1 }), RangeError);
    await assert.rejects(thread.startGoal("x", { signal: AbortSignal.abort() }), CodexAbortError);
    assert.deepEqual(
      server.received.map((m) => m.method).filter((m) => m?.startsWith("thread/goal/")),
      [],
    );
    await client.close();
  });

  it("bounds the chain: pauses the goal when its last allowed turn starts, interrupts one started anyway", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("loop", { maxTurns: 2 });
    // The pause is not reported before the runtime chains one more turn (a race the SDK must survive).
    server.reportSets = false;
    await server.sendAll(n.completed("t1"), n.started("t2"));
    const pause = await server.waitFor("thread/goal/set", (p) => p.status === "paused");
    assert.equal(pause.params?.threadId, T);
    // A server that chains one more turn anyway gets it interrupted.
    await server.sendAll(n.completed("t2"), n.started("t3"));
    const interrupt = await server.waitFor("turn/interrupt");
    assert.equal(interrupt.params?.turnId, "t3");
    await server.sendAll(n.updated(goalOf("paused")), n.completed("t3", "interrupted"));
    const result = await goal.done();
    assert.equal(result.endReason, "turnLimit");
    assert.equal(result.status, "paused");
    assert.deepEqual(result.turnIds, ["t1", "t2", "t3"]);
    await client.close();
  });

  it("a runtime that keeps starting turns past the bound: each is interrupted, turnIds stays at maxTurns + 1, one pause", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("loop", { maxTurns: 1 });
    await server.waitFor("thread/goal/set", (p) => p.status === "paused");
    for (let i = 2; i <= 200; i++) await server.sendAll(n.started(`t${i}`));
    await server.sendAll(n.updated(goalOf("paused")), n.completed("t200", "interrupted"));
    const result = await goal.done();
    assert.deepEqual(result.turnIds, ["t1", "t2"]);
    const sets = server.received.filter(
      (m) => m.method === "thread/goal/set" && m.params?.status === "paused",
    );
    const interrupts = server.received.filter((m) => m.method === "turn/interrupt");
    assert.equal(sets.length, 2); // the pause at the limit, and the stop when t2 passed it
    assert.equal(interrupts.length, 199); // t2 … t200, once each
    await client.close();
  });

  it("keeps the most recent keepItems items and overflows a consumer that does not read, without failing the goal", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("chatty", { keepItems: 2, bufferSize: 3 });
    await server.sendAll(
      n.message("t1", "a"),
      n.message("t1", "b"),
      n.message("t1", "c"),
      n.message("t1", "d"),
      n.updated(goalOf("complete"), "t1"),
      n.completed("t1"),
    );
    const result = await goal.done();
    assert.deepEqual(
      result.items.map((i) => (i.type === "agentMessage" ? i.text : i.type)),
      ["c", "d"],
    );
    assert.equal(result.itemsDropped, 2);
    const seen: GoalEvent[] = [];
    await assert.rejects(async () => {
      for await (const e of goal) seen.push(e);
    }, CodexOverflowError);
    assert.equal(seen.length, 3);
    await client.close();
  });

  it("a break out of the goal's steps pauses the goal and interrupts its turn", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () =>
      server.sendAll(n.updated(goalOf("active")), n.started("t1"), n.message("t1", "first"));
    const goal = await thread.startGoal("stop me");
    for await (const step of goal.steps()) {
      assert.equal(step.text, "first");
      break;
    }
    await server.waitFor("thread/goal/set", (p) => p.status === "paused");
    await server.waitFor("turn/interrupt", (p) => p.turnId === "t1");
    await server.sendAll(n.updated(goalOf("paused")), n.completed("t1", "interrupted"));
    const result = await goal.done();
    assert.equal(result.endReason, "paused");
    assert.equal(result.status, "paused");
    await client.close();
  });

  it("an abort pauses the goal, interrupts its turn and rejects at once", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const controller = new AbortController();
    const goal = await thread.startGoal("abort me", { signal: controller.signal });
    controller.abort(new Error("user gave up"));
    await assert.rejects(goal.done(), CodexAbortError);
    await server.waitFor("thread/goal/set", (p) => p.status === "paused");
    await server.waitFor("turn/interrupt", (p) => p.turnId === "t1");
    // The thread is free once the run ended.
    await thread.streamTurn("mine");
    await client.close();
  });

  it("the inactivity timeout spans the chain: silence pauses the goal and rejects with CodexGoalInactiveError", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("quiet", { inactivityTimeoutMs: 300 });
    // Events keep it alive across turns...
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 50)); // a quiet period between events, on purpose
      await server.send(n.message("t1", `tick ${i}`));
    }
    assert.equal(goal.ended, false);
    // ...then silence ends it.
    const error = await goal.done().then(
      () => assert.fail("expected a timeout"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CodexGoalInactiveError, String(error));
    assert.ok(error.idleMs >= 300);
    assert.equal(error.timeoutMs, 300);
    await server.waitFor("thread/goal/set", (p) => p.status === "paused");
    await client.close();
  });

  it("routes a goal's approvals to its handler, once each; after the goal they are declined when nobody handles them", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const seen: string[] = [];
    const goal = await thread.startGoal("approve", {
      approvalHandler: (req) => {
        seen.push(req.itemId);
        return "accept";
      },
    });
    const ask = (id: number, itemId: string, turnId: string) =>
      server.send({
        id,
        method: "item/commandExecution/requestApproval",
        params: {
          kind: "command",
          threadId: T,
          turnId,
          itemId,
          startedAtMs: 1,
          environmentId: "local",
          reason: null,
          command: "echo hi",
          cwd: "/",
        },
      });
    await ask(100, "item-a", "t1");
    await until(() => server.replies.length === 1); // the goal's handler answered
    await server.sendAll(n.updated(goalOf("complete"), "t1"), n.completed("t1"));
    await goal.done();
    await ask(101, "item-b", "t2");
    await until(() => server.replies.length === 2); // declined: nobody handles it now
    assert.deepEqual(seen, ["item-a"]);
    assert.deepEqual(
      server.replies.map((r) => [r.id, (r.result as { decision: string }).decision]),
      [
        [100, "accept"],
        [101, "decline"],
      ],
    );
    await client.close();
  });

  it("fails a running goal with the transport error when the client closes", async () => {
    const { client, server, thread } = await setup();
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("cut off");
    await client.close();
    await assert.rejects(goal.done(), CodexTransportError);
  });
});

/**
 * A client on a GoalServer whose connection reconnects (3 attempts, 10 ms apart) to new GoalServers,
 * each configured by `configure` as it is made (the state the server kept while the client was away).
 */
function reconnecting(configure: (server: GoalServer) => void = () => {}) {
  const [c1, s1] = createLinkedTransports();
  const first = new GoalServer(s1);
  const servers: GoalServer[] = [];
  const client = new CodexClient(
    c1,
    {},
    {
      maxAttempts: 3,
      backoffMs: 10,
      transport: () => {
        const [c, s] = createLinkedTransports();
        const server = new GoalServer(s);
        configure(server);
        servers.push(server);
        return c;
      },
    },
  );
  return { client, s1, first, servers };
}

describe("goal recovery (in-memory)", () => {
  it("after a reconnect the run reads its goal back and follows the turn the server runs now", async () => {
    const { client, s1, first, servers } = reconnecting((server) => {
      // The goal went on while the connection was down: turn t2 runs now.
      server.goal = goalOf("active", { tokensUsed: 15 });
      server.latestTurn = { id: "t2", status: "inProgress" };
    });
    const thread = await client.startThread();
    first.onSet = () => first.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("survive");
    const reconnected = new Promise((resolve) => client.onReconnected(resolve));
    s1.fail(new CodexTransportError("server gone"));
    await reconnected;
    const server = servers.at(-1) as GoalServer;
    assert.equal(server.sent("thread/resume").length, 1);
    await server.waitFor("thread/goal/get");
    await until(() => goal.currentTurnId === "t2");
    assert.deepEqual(goal.turnIds, ["t1", "t2"]);
    await server.sendAll(n.updated(goalOf("complete", { tokensUsed: 30 }), "t2"), n.completed("t2"));
    const result = await goal.done();
    assert.equal(result.status, "complete");
    assert.equal(result.tokensUsed, 30);
    assert.deepEqual(result.turnIds, ["t1", "t2"]);
    await client.close();
  });

  it("a reconnect resumes the thread of a goal between turns before onReconnected", async () => {
    const { client, s1, first, servers } = reconnecting((server) => {
      server.goal = goalOf("active", { tokensUsed: 15 });
      server.latestTurn = { id: "t1", status: "completed" };
    });
    const thread = await client.startThread();
    first.onSet = () => first.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("between turns");
    await first.sendAll(n.completed("t1"));
    const reconnected = new Promise<ReconnectInfo>((resolve) => client.onReconnected(resolve));
    s1.fail(new CodexTransportError("server gone"));
    const info = await reconnected;
    assert.deepEqual(info.resumedThreads, [thread.threadId]);
    assert.deepEqual(info.deferredThreads, []);
    const server = servers.at(-1) as GoalServer;
    assert.equal(server.sent("thread/resume").length, 1);
    // Recovery runs in order: the goal is read back only once its thread is resumed.
    await server.waitFor("thread/goal/get");
    const methods = server.received.map((m) => m.method);
    assert.ok(methods.indexOf("thread/resume") < methods.indexOf("thread/goal/get"), methods.join(", "));
    await server.sendAll(
      n.started("t2"),
      n.updated(goalOf("complete", { tokensUsed: 30 }), "t2"),
      n.completed("t2"),
    );
    const result = await goal.done();
    assert.equal(result.status, "complete");
    assert.deepEqual(result.turnIds, ["t1", "t2"]);
    await client.close();
  });

  it("a goal on an idle thread the reconnect deferred resumes the thread before setting the goal", async () => {
    const { client, s1, servers } = reconnecting();
    const thread = await client.startThread();
    const reconnected = new Promise<ReconnectInfo>((resolve) => client.onReconnected(resolve));
    s1.fail(new CodexTransportError("server gone"));
    assert.deepEqual((await reconnected).deferredThreads, [thread.threadId]);
    const server = servers.at(-1) as GoalServer;
    server.onSet = () => server.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("after the gap");
    const methods = server.received.map((m) => m.method);
    assert.ok(methods.includes("thread/resume"), methods.join(", "));
    assert.ok(methods.indexOf("thread/resume") < methods.indexOf("thread/goal/set"), methods.join(", "));
    await server.sendAll(n.updated(goalOf("complete"), "t1"), n.completed("t1"));
    assert.equal((await goal.done()).status, "complete");
    await client.close();
  });

  it("after a reconnect a goal that stopped in the gap ends with what the read-back says", async () => {
    const { client, s1, first } = reconnecting((server) => {
      server.goal = goalOf("budgetLimited", { tokensUsed: 40, tokenBudget: 30 });
      server.latestTurn = { id: "t1", status: "completed" };
    });
    const thread = await client.startThread();
    first.onSet = () => first.sendAll(n.updated(goalOf("active")), n.started("t1"));
    const goal = await thread.startGoal("budget", { tokenBudget: 30 });
    s1.fail(new CodexTransportError("server gone"));
    const result = await goal.done();
    assert.equal(result.status, "budgetLimited");
    assert.equal(result.endReason, "status");
    assert.equal(result.tokensUsed, 40);
    await client.close();
  });

  it("attachGoal picks up a goal running on a resumed thread by reading it back", async () => {
    const { client, server, thread } = await setup();
    server.goal = goalOf("active", { tokensUsed: 15 });
    server.latestTurn = { id: "t7", status: "inProgress" };
    const goal = await thread.attachGoal();
    assert.ok(goal);
    assert.equal(goal.currentTurnId, "t7");
    assert.equal(goal.goal?.tokensUsed, 15);
    await assert.rejects(thread.chatOnce("mine"), CodexGoalRunningError);
    await server.sendAll(
      n.started("t8"),
      n.updated(goalOf("complete"), "t8"),
      n.completed("t7"),
      n.completed("t8"),
    );
    const result = await goal.done();
    assert.equal(result.status, "complete");
    assert.deepEqual(result.turnIds, ["t7", "t8"]);
    // No goal: null, and nothing is left registered.
    server.goal = null;
    assert.equal(await thread.attachGoal(), null);
    await thread.streamTurn("mine");
    await client.close();
  });
});
