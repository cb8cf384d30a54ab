// Goals against the real app-server and a scripted model: the runtime chains the turns itself;
// the SDK follows them as one run, routes their approvals, bounds them and reports one result.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, before, beforeEach, describe, it } from "node:test";
import { useRealServer } from "../support/real-server.js";
import type { ApprovalDecisionRecord, ApprovalRequest } from "../../src/approvals/requests.js";
import { CodexClient } from "../../src/client/client.js";
import { CodexGoalRunningError, CodexTurnFailedError } from "../../src/errors/index.js";
import type { GoalEvent } from "../../src/goals/goal-types.js";
import type { ThreadGoal } from "../../src/protocol/generated/v2/ThreadGoal.js";
import { model, type ModelResponse } from "../../src/testing/index.js";

const escalate = { escalate: { justification: "the goal needs a file" } };
/** The model ends the goal: the `update_goal` tool the runtime offers in goal turns. */
const updateGoal = (status: "complete" | "blocked"): ModelResponse =>
  model.functionCall("update_goal", { status });
/** Every scripted response reports 10 input + 5 output tokens: 15 per model step against a budget. */

describe("goals against the real app-server (on-request, read-only sandbox)", () => {
  const rs = useRealServer({ home: { approvalPolicy: "on-request", sandbox: "read-only" } });
  const records: ApprovalDecisionRecord[] = [];
  const globalSeen: ApprovalRequest[] = [];

  before(() => {
    rs.client.onApprovalDecided((r) => records.push(r));
  });
  beforeEach(() => {
    records.length = 0;
    globalSeen.length = 0;
  });
  afterEach(() => {
    rs.client.setApprovalHandler(null);
    assert.deepEqual(rs.client.pendingApprovals(), []);
  });

  it("runs a goal over three physical turns with one command approval answered by the goal's handler", async () => {
    const ws = rs.home.workspace;
    rs.modelServer.enqueue(
      model.say("Looked around; the file is still missing."), // turn 1 ends, the goal stays active
      model.exec("echo from-goal > goal.txt", escalate), // turn 2: an approval
      model.say("Wrote goal.txt."),
      updateGoal("complete"), // turn 3: the model ends the goal
      model.say("The goal is complete."),
    );
    // A client-wide handler that must not see the goal's approval.
    rs.client.setApprovalHandler((req) => {
      globalSeen.push(req);
      return "decline";
    });
    const goalSeen: ApprovalRequest[] = [];
    const thread = await rs.client.startThread({ cwd: ws });
    const goal = await thread.startGoal("Create goal.txt", {
      approvalHandler: (req) => {
        goalSeen.push(req);
        return "accept";
      },
    });
    const updates: ThreadGoal[] = [];
    goal.onUpdate((g) => updates.push(g));
    const steps: string[] = [];
    for await (const step of goal.steps()) steps.push(`${step.turnId.slice(-4)}:${step.stepType}`);
    const result = await goal.done();

    assert.equal(result.status, "complete");
    assert.equal(result.endReason, "status");
    assert.equal(result.turnIds.length, 3);
    assert.equal(new Set(result.turnIds).size, 3);
    assert.equal(result.finalText, "The goal is complete.");
    assert.equal(readFileSync(path.join(ws, "goal.txt"), "utf8").trim(), "from-goal");
    assert.equal(goalSeen.length, 1);
    assert.equal(goalSeen[0]?.turnId, result.turnIds[1]);
    assert.equal(globalSeen.length, 0);
    assert.deepEqual(
      records.map((r) => r.decidedBy),
      ["handler"],
    );
    assert.equal(records[0]?.decision, "accept");
    // Items across the turns, in order, and one step per item.
    assert.deepEqual(
      result.items.map((i) => i.type),
      ["agentMessage", "commandExecution", "agentMessage", "agentMessage"],
    );
    assert.equal(steps.length, 4);
    // Token use and time come from the goal itself: at least the 3 model steps of 15 before the
    // `update_goal` call (whether that call's own step is counted before `complete` varies).
    assert.ok([45, 60].includes(result.tokensUsed), `tokensUsed ${result.tokensUsed}`);
    assert.equal(result.tokensUsed, updates.at(-1)?.tokensUsed);
    assert.equal(result.goal?.objective, "Create goal.txt");
    assert.ok(result.timeUsedSeconds >= 0);
    assert.equal(updates.at(-1)?.status, "complete");
    assert.ok(updates.length >= 4, `goal updates: ${updates.length}`);
    // The thread is free again: a turn of the user's own runs.
    rs.modelServer.enqueue(model.say("after the goal"));
    assert.equal((await thread.chatOnce("anything else?")).finalText, "after the goal");
  });

  it("stops at the token budget (budgetLimited is a result), then resumes with a higher budget in one call", async () => {
    rs.modelServer.enqueue(model.say("one"), model.say("two"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const result = await thread.runGoal("Count to three", { tokenBudget: 20 });
    assert.equal(result.status, "budgetLimited");
    assert.equal(result.endReason, "status");
    assert.equal(result.tokenBudget, 20);
    assert.equal(result.tokensUsed, 30);
    assert.equal(result.turnIds.length, 2);
    assert.equal(result.finalText, "two");
    assert.equal(rs.modelServer.modelRequests.length, 2);

    rs.modelServer.enqueue(updateGoal("complete"), model.say("three"));
    const resumed = await thread.resumeGoal({ tokenBudget: 1000 });
    const again = await resumed.done();
    assert.equal(again.status, "complete");
    assert.equal(again.tokenBudget, 1000);
    assert.equal(again.turnIds.length, 1);
    assert.equal(again.finalText, "three");
  });

  it("pauses from the client mid-turn: the turn finishes, nothing follows, the result says paused", async () => {
    rs.modelServer.enqueue({ ...model.say("slow work"), delayBeforeCompletedMs: 800 });
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const goal = await thread.startGoal("Work slowly");
    const events: GoalEvent[] = [];
    const reading = (async () => {
      for await (const event of goal) {
        events.push(event);
        if (event.method === "turn/started") await goal.pause();
      }
    })();
    const result = await goal.done();
    await reading;
    assert.equal(result.status, "paused");
    assert.equal(result.endReason, "paused");
    assert.equal(result.turnIds.length, 1);
    assert.equal(result.finalText, "slow work");
    const completed = events.find((e) => e.method === "turn/completed");
    assert.equal(completed?.method === "turn/completed" && completed.params.turn.status, "completed");
    // Nothing followed the paused goal's turn: a quiet period, since what is checked is an absence.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rs.modelServer.modelRequests.length, 1);
    assert.equal((await thread.getGoal())?.status, "paused");
  });

  it("bounds the chain: at maxTurns the SDK pauses the goal so that turn is the last", async () => {
    // The last turn's model step takes a moment, so the pause is in before the turn could end.
    rs.modelServer.enqueue(model.say("a"), { ...model.say("b"), delayBeforeCompletedMs: 300 });
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const result = await thread.runGoal("Never finishes", { maxTurns: 2 });
    assert.equal(result.endReason, "turnLimit");
    assert.equal(result.status, "paused");
    assert.equal(result.turnIds.length, 2);
    // A quiet period: no third model request follows (an absence, so there is no event to wait for).
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rs.modelServer.modelRequests.length, 2);
  });

  it("refuses a turn of the user's own while the goal runs, before sending anything", async () => {
    rs.modelServer.enqueue({ ...model.say("busy"), delayBeforeCompletedMs: 500 }, updateGoal("complete"));
    rs.modelServer.enqueue(model.say("done"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const goal = await thread.startGoal("Stay busy");
    await assert.rejects(thread.chatOnce("me too"), CodexGoalRunningError);
    await assert.rejects(thread.streamTurn("me too"), CodexGoalRunningError);
    const result = await goal.done();
    assert.equal(result.status, "complete");
    // No user message reached the model: every request came from the goal's own turns.
    assert.equal(rs.modelServer.modelRequests.length, 3);
    assert.ok(!JSON.stringify(rs.modelServer.modelRequests).includes("me too"));
  });

  it("declines a goal turn's approval when nobody handles it, once", async () => {
    const ws = rs.home.workspace;
    rs.modelServer.enqueue(
      model.exec("echo nobody > nobody.txt", escalate),
      updateGoal("blocked"),
      model.say("Blocked: the command was declined."),
    );
    const thread = await rs.client.startThread({ cwd: ws });
    const result = await thread.runGoal("Create nobody.txt");
    assert.equal(result.status, "blocked");
    assert.equal(existsSync(path.join(ws, "nobody.txt")), false);
    assert.deepEqual(
      records.map((r) => [r.decision, r.decidedBy]),
      [["decline", "auto"]],
    );
    const exec = result.items.find((i) => i.type === "commandExecution") as { status?: string } | undefined;
    assert.equal(exec?.status, "declined");
  });

  it("reports a failed physical turn as a failure", async () => {
    rs.modelServer.enqueue(model.say("first turn"), model.httpError(500));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const goal = await thread.startGoal("Fail on the second turn");
    const error = await goal.done().then(
      () => assert.fail("expected a failure"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CodexTurnFailedError, String(error));
    assert.equal(error.turnId, goal.turnIds[1]);
    assert.equal(goal.turnIds.length, 2);
  });

  it("picks up a goal after resumeThread in a new process: the resume restarts the chain, attachGoal follows it", async () => {
    const connect = async () => {
      const c = CodexClient.connectStdio({ env: rs.home.env, cwd: rs.home.workspace });
      await c.initialize();
      return c;
    };
    const first = await connect();
    let threadId: string;
    try {
      rs.modelServer.enqueue({ ...model.say("slow"), delayBeforeCompletedMs: 5000 });
      const thread = await first.startThread({ cwd: rs.home.workspace });
      threadId = thread.threadId;
      const goal = await thread.startGoal("Survive a restart");
      await rs.modelServer.waitForModelRequests(1);
      assert.equal(goal.turnIds.length, 1);
    } finally {
      await first.close(); // its app-server exits with the goal active
    }
    const second = await connect();
    try {
      rs.modelServer.enqueue(model.say("back again"), updateGoal("complete"), model.say("finished"));
      const thread = await second.resumeThread(threadId);
      const goal = await thread.attachGoal();
      assert.ok(goal, "the goal is read back");
      const result = await goal.done();
      assert.equal(result.status, "complete");
      assert.equal(result.finalText, "finished");
      assert.ok(
        result.turnIds.length >= 1 && result.turnIds.length <= 2,
        `turns ${result.turnIds.join(",")}`,
      );
    } finally {
      await second.close();
    }
  });
});
