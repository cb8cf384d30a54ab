// The per-thread runtime: one owner per thread of its turns, approval routes and goal run, which
// reads each notification once and leaves the table once it owns nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexTransportError } from "../../src/errors/index.js";
import type { NotificationSink } from "../../src/rpc/notifications.js";
import type { TurnEventPort } from "../../src/rpc/port.js";
import { ThreadRuntimes } from "../../src/runtime/thread-runtimes.js";

/** A port whose notifications and close the test sends by hand. */
function port() {
  let sink: NotificationSink = () => {};
  const closers: ((error?: CodexTransportError) => void)[] = [];
  const events = {
    setNotificationSink: (s: NotificationSink) => ((sink = s), () => {}),
    onClose: (listener: (error?: CodexTransportError) => void) => (closers.push(listener), () => {}),
  } as unknown as TurnEventPort;
  return {
    events,
    notify: (method: string, params: object) => sink(method, params, { method, params }),
    close: (error?: CodexTransportError) => closers.forEach((listener) => listener(error)),
  };
}

const completed = (threadId: string, turnId: string) =>
  [
    "turn/completed",
    { threadId, turn: { id: turnId, items: [], status: "completed", error: null } },
  ] as const;

const turnOptions = (turnId: string) => ({
  turnId,
  mode: "stream" as const,
  bufferSize: 100,
  interrupt: () => Promise.resolve(),
});

/** A goal run as the runtime sees it, recording what it hears. */
const follower = (log: string[]) => ({
  push: (method: string) => void log.push(`goal ${method}`),
  fail: (error: Error) => void log.push(`goal failed: ${error.message}`),
});

describe("ThreadRuntimes", () => {
  it("reads turn/completed once: the turn's stream, then its route and the approvals, then the goal run", async () => {
    const { events, notify } = port();
    const runtimes = new ThreadRuntimes(events);
    const log: string[] = [];
    runtimes.onTurnEnded((threadId, turnId) => {
      log.push(`approvals ${threadId}/${turnId}`);
      // By now the turn's own route is gone: the thread's handler answers.
      assert.equal(runtimes.routesOf(threadId)?.resolve(turnId).handler, "hold");
    });
    const runtime = runtimes.of("A");
    runtime.approvals.setHandler("hold");
    const route = runtime.approvals.startTurn({ handler: () => "accept" });
    const turn = runtime.turns.bind(runtime.turns.expect(), turnOptions("U"));
    route.bind("U");
    runtime.follow(follower(log));
    const done = turn.done().then((result) => log.push(`stream ${result.status}`));
    notify(...completed("A", "U"));
    await done;
    // The stream's completion is a promise: it was recorded on a later tick, its state was set first.
    assert.deepEqual(log, ["approvals A/U", "goal turn/completed", "stream completed"]);
  });

  it("tells the approvals of a turn nothing here runs, too (another client's turn)", () => {
    const { events, notify } = port();
    const runtimes = new ThreadRuntimes(events);
    const ended: string[] = [];
    runtimes.onTurnEnded((threadId, turnId) => ended.push(`${threadId}/${turnId}`));
    notify(...completed("B", "V"));
    notify("item/completed", {
      threadId: "B",
      turnId: "V",
      item: { type: "agentMessage", id: "i", text: "" },
    });
    assert.deepEqual(ended, ["B/V"]);
    assert.equal(runtimes.get("B"), undefined, "no runtime is made for a notification");
  });

  it("drops a runtime once it owns nothing: a start that failed or was refused, a setting removed or refused, a goal gone", () => {
    const { events } = port();
    const runtimes = new ThreadRuntimes(events);
    const starting = runtimes.of("A");
    const pending = starting.turns.expect();
    const route = starting.approvals.startTurn({ timeoutMs: 10 });
    route.cancel();
    assert.equal(runtimes.get("A"), starting, "a start in flight keeps it");
    starting.turns.cancelPending(pending);
    assert.equal(runtimes.get("A"), undefined);

    runtimes.changeRoutes("A", (routes) => routes.setTimeout(500));
    assert.notEqual(runtimes.get("A"), undefined, "a thread's own setting keeps it");
    runtimes.changeRoutes("A", (routes) => routes.setTimeout(null));
    assert.equal(runtimes.get("A"), undefined);
    assert.throws(
      () => runtimes.changeRoutes("A", (routes) => routes.setHandler("later" as never)),
      TypeError,
    );
    assert.equal(runtimes.get("A"), undefined, "a refused setting leaves nothing behind");

    const reading = runtimes.of("A");
    const turn = reading.turns.bind(reading.turns.expect(), turnOptions("U"));
    assert.throws(() => reading.turns.bind(reading.turns.expect(), turnOptions("U")), /already has a reader/);
    turn.releaseOnce();
    assert.equal(runtimes.get("A"), undefined, "a refused start leaves nothing behind");

    const unfollow = runtimes.of("A").follow(follower([]));
    assert.throws(() => runtimes.of("A").follow(follower([])), /already has a goal run/);
    assert.deepEqual(runtimes.goalThreadIds(), ["A"]);
    unfollow();
    assert.equal(runtimes.get("A"), undefined);
  });

  it("a finished turn leaves the table empty, over many threads", async () => {
    const { events, notify } = port();
    const runtimes = new ThreadRuntimes(events);
    for (let i = 0; i < 1000; i++) {
      const runtime = runtimes.of(`T${i}`);
      const turn = runtime.turns.bind(runtime.turns.expect(), turnOptions("U"));
      notify(...completed(`T${i}`, "U"));
      await turn.done();
      turn.releaseOnce();
    }
    for (let i = 0; i < 1000; i++) assert.equal(runtimes.get(`T${i}`), undefined);
    assert.deepEqual(runtimes.activeTurns(), []);
  });

  it("on close: turns and the goal run fail, turn routes go, the thread's own handler stays", async () => {
    const { events, close } = port();
    const runtimes = new ThreadRuntimes(events);
    const log: string[] = [];
    const runtime = runtimes.of("A");
    runtime.approvals.setHandler("hold");
    runtime.approvals.startTurn({ handler: () => "accept" }).bind("U");
    const turn = runtime.turns.bind(runtime.turns.expect(), turnOptions("U"));
    runtime.follow(follower(log));
    close(new CodexTransportError("gone"));
    await assert.rejects(turn.done(), /gone/);
    assert.deepEqual(log, ["goal failed: gone"]);
    assert.equal(runtimes.routesOf("A")?.resolve("U").handler, "hold");
    assert.deepEqual(runtimes.activeTurns(), []);
  });
});
