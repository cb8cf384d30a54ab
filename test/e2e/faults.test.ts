// Faults against the real app-server: the process dies mid-turn, during an approval wait and during
// a chat() loop; close() during a turn; the model endpoint failing or stalling.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useRealServer } from "../support/real-server.js";
import { CodexClient } from "../../src/client/client.js";
import type { ApprovalRequest } from "../../src/approvals/requests.js";
import {
  CodexTimeoutError,
  CodexTransportError,
  CodexTurnFailedError,
  CodexTurnInactiveError,
} from "../../src/errors/index.js";
import { model } from "../../src/testing/index.js";

const slow = (text = "slow") => model.say(text, { delayBeforeCompletedMs: 20_000 });
const escalate = { escalate: { justification: "needs it" } };

/** Asserts a SIGKILL transport error that arrived within a second of `killedAt`. */
function assertKilled(error: unknown, killedAt: number): true {
  assert.ok(error instanceof CodexTransportError, `expected CodexTransportError, got ${String(error)}`);
  assert.equal(error.exit?.signal, "SIGKILL");
  assert.equal(typeof error.exit?.stderrTail, "string");
  const elapsed = Date.now() - killedAt;
  assert.ok(elapsed < 1000, `took ${elapsed} ms`);
  return true;
}

const processAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("faults against the real app-server", () => {
  const rs = useRealServer({ client: "per-test", checkScriptUsed: false });

  it("SIGKILL mid-turn: the turn stream and done() end with the exit signal within a second", async () => {
    rs.modelServer.enqueue(slow());
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const turn = await thread.streamTurn("go");
    const done = turn.done();
    const reading = (async () => {
      for await (const _event of turn) {
        // keep reading until the stream ends
      }
    })();
    await rs.modelServer.waitForModelRequests(1);
    const killedAt = Date.now();
    process.kill(rs.client.pid as number, "SIGKILL");
    await assert.rejects(reading, (e) => assertKilled(e, killedAt));
    await assert.rejects(done, (e) => assertKilled(e, killedAt));
    await assert.rejects(rs.client.request("thread/list", {}), CodexTransportError);
  });

  it("SIGKILL during an approval wait: the turn, the approval iterator and the request's signal all end", async () => {
    rs.modelServer.enqueue(model.exec("echo x > x.txt", escalate));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const approvals = rs.client.approvalRequests();
    const turn = thread.chatOnce("write x.txt");
    const { value: req } = await approvals.next();
    assert.ok(req);
    const pendingNext = approvals.next();
    const killedAt = Date.now();
    process.kill(rs.client.pid as number, "SIGKILL");
    await assert.rejects(turn, (e) => assertKilled(e, killedAt));
    await assert.rejects(pendingNext, (e) => assertKilled(e, killedAt));
    assert.equal((req as ApprovalRequest).signal.aborted, true);
    assert.deepEqual(rs.client.pendingApprovals(), []);
  });

  it("SIGKILL during a chat() loop: the loop throws the transport error", async () => {
    rs.modelServer.enqueue(
      {
        output: [
          { type: "reasoning", text: "first step" },
          { type: "message", text: "partial" },
        ],
      },
      slow(),
    );
    const thread = await rs.client.startThread({ cwd: rs.home.workspace, approvalPolicy: "never" });
    let killedAt = 0;
    const steps: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const step of thread.chat("go")) {
          steps.push(step.stepType);
          if (killedAt === 0) {
            await rs.modelServer.waitForModelRequests(1);
            killedAt = Date.now();
            process.kill(rs.client.pid as number, "SIGKILL");
          }
        }
      })(),
      (e) => assertKilled(e, killedAt),
    );
    assert.ok(steps.length >= 1);
  });

  it("close() during a turn ends it, and leaves no child process, timer, socket or listener", async () => {
    await rs.client.close(); // this test makes its own client, to compare handles around it
    const before = resourceCounts();
    const own = CodexClient.connectStdio({ env: rs.home.env, cwd: rs.home.workspace });
    rs.modelServer.enqueue(slow());
    const thread = await own.startThread({ cwd: rs.home.workspace });
    const turn = await thread.streamTurn("go");
    const reading = (async () => {
      for await (const _event of turn) {
        // read until it ends
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    const approvals = own.approvalRequests();
    const nextApproval = approvals.next();
    await rs.modelServer.waitForModelRequests(1);
    const pid = own.pid as number;
    await own.close();
    assert.ok((await reading) instanceof CodexTransportError);
    assert.deepEqual(await nextApproval, { value: undefined, done: true });
    assert.equal(processAlive(pid), false, "the app-server process is gone");
    // Handles close on the next turns of the event loop: wait (bounded) until none is left over.
    const leftOver = () =>
      Object.entries(resourceCounts()).filter(([type, count]) => count > (before[type] ?? 0));
    for (const deadline = Date.now() + 2000; leftOver().length > 0 && Date.now() < deadline; )
      await new Promise((resolve) => setImmediate(resolve));
    for (const [type, count] of leftOver())
      assert.fail(`${type}: ${before[type] ?? 0} before, ${count} after`);
  });

  it("a 500 from the model fails the turn with CodexTurnFailedError, and the client takes the next turn", async () => {
    rs.modelServer.enqueue(model.httpError(500), model.say("recovered"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    await assert.rejects(thread.chatOnce("fail please"), (e: unknown) => {
      assert.ok(e instanceof CodexTurnFailedError);
      assert.equal(e.codexErrorInfo, "internalServerError");
      return true;
    });
    assert.equal((await thread.chatOnce("again")).finalText, "recovered");
  });

  it("a model that stalls past the inactivity timeout gives CodexTurnInactiveError; cancel() frees the thread", async () => {
    rs.modelServer.enqueue(
      { output: [{ type: "message", text: "late" }], delayMs: 20_000 },
      model.say("next turn"),
    );
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const error = await thread.chatOnce("stall", { inactivityTimeoutMs: 500 }).then(
      () => assert.fail("expected a timeout"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CodexTurnInactiveError);
    // Code that catches timeouts sees it too, with the timeout that ran out.
    assert.ok(error instanceof CodexTimeoutError);
    assert.equal(error.timeoutMs, 500);
    assert.ok(error.idleMs >= 500);
    const cancelled = await rs.client.cancel(error.continuation);
    assert.equal(cancelled.wasInterrupted, true);
    assert.equal((await thread.chatOnce("go on")).finalText, "next turn");
  });
});

/** Active handles by type (child processes, pipes, sockets, timers…). */
function resourceCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
