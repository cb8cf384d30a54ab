// How the real app-server refuses `turn/interrupt` for a turn that is not running, and that the SDK
// reads exactly those refusals as "not running", as cancel() from a second client (a second server
// process) of a finished turn shows.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexThreadNotFoundError } from "../../src/errors/conversation.js";
import { CodexProtocolError } from "../../src/errors/index.js";
import { model } from "../../src/testing/index.js";
import { isTurnNotRunning } from "../../src/turn/turn-errors.js";
import { useRealServer } from "../support/real-server.js";

/** The error `turn/interrupt` is answered with (the test fails if it succeeds). */
async function interruptError(client: CodexClient, threadId: string, turnId: string): Promise<unknown> {
  return client.requestUntyped("turn/interrupt", { threadId, turnId }).then(
    () => assert.fail(`turn/interrupt of ${turnId} succeeded`),
    (error: unknown) => error,
  );
}

describe("turn/interrupt of a turn that is not running (real app-server)", () => {
  const rs = useRealServer();

  it("a finished turn and an unknown turn id: -32600 'no active turn to interrupt'", async () => {
    rs.modelServer.enqueue(model.say("done"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const finished = await thread.chatOnce("hi");
    for (const turnId of [finished.turnId, "00000000-0000-0000-0000-000000000000"]) {
      const error = await interruptError(rs.client, finished.threadId, turnId);
      assert.ok(error instanceof CodexProtocolError, String(error));
      assert.equal(error.code, -32600);
      assert.match(error.message, /no active turn to interrupt/);
      assert.equal(isTurnNotRunning(error), true);
    }
  });

  it("a thread this server has not loaded: CodexThreadNotFoundError, also 'not running'", async () => {
    const threadId = "019a0000-0000-7000-8000-000000000000";
    const error = await interruptError(rs.client, threadId, "00000000-0000-0000-0000-000000000000");
    assert.ok(error instanceof CodexThreadNotFoundError, String(error));
    assert.equal(error.threadId, threadId);
    assert.equal(isTurnNotRunning(error), true);
  });

  it("cancel() from a second client of a turn that finished: wasCompleted, with the turn's steps", async () => {
    rs.modelServer.enqueue(model.say("all done"));
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const finished = await thread.chatOnce("finish this");
    await using second = CodexClient.connectStdio({ env: rs.home.env, cwd: rs.home.workspace });
    const errors: Error[] = [];
    second.onError((e) => errors.push(e));
    const cancelled = await second.cancel(
      { threadId: finished.threadId, turnId: finished.turnId, cursor: 0, mode: "once" },
      { timeoutMs: 10_000 },
    );
    assert.equal(cancelled.wasCompleted, true);
    assert.equal(cancelled.wasInterrupted, false);
    assert.equal(cancelled.status, "completed");
    assert.equal(cancelled.tracked, false);
    assert.ok(cancelled.steps.some((s) => s.itemType === "agentMessage" && s.text === "all done"));
    assert.deepEqual(errors, []);
  });
});
