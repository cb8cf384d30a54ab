// The threads a client holds stay bounded on the real server: it can stop following the ones it no
// longer needs (`thread/unsubscribe`), and archived threads leave its loaded set.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { stdioPlan } from "../../src/client/connect.js";
import { model } from "../../src/testing/index.js";
import { useRealServer } from "../support/real-server.js";
import { WireTap } from "../support/wire-tap.js";

describe("loaded threads (real server)", () => {
  const rs = useRealServer({ client: "none" });
  const connect = async () => {
    const tap = new WireTap(stdioPlan({ env: rs.home.env, cwd: rs.home.workspace }).transport);
    const client = new CodexClient(tap);
    await client.initialize();
    return { client, tap };
  };
  const loaded = async (client: CodexClient) => (await client.request("thread/loaded/list", {})).data;
  const sentBefore = (tap: WireTap, method: string, from: number) =>
    tap.sent.slice(from).filter((m) => m.method === method);

  it("thread.unsubscribe() stops following the thread; its next turn resumes it first", async () => {
    const { client, tap } = await connect();
    await using _ = client;
    rs.modelServer.enqueue(model.say("one"), model.say("two"));
    const done = await client.startThread({ cwd: rs.home.workspace });
    await done.chatOnce("first");
    assert.equal(await done.unsubscribe(), "unsubscribed");
    assert.equal(await done.unsubscribe(), "notSubscribed");
    // codex 0.171 keeps the thread in thread/loaded/list after the last unsubscribe (for 12 s at
    // least, checked); the client forgets it at once, so its next turn subscribes again.
    const mark = tap.sent.length;
    assert.equal((await done.chatOnce("again")).finalText, "two");
    assert.deepEqual(
      sentBefore(tap, "thread/resume", mark).map((m) => m.params),
      [{ threadId: done.threadId, excludeTurns: true }],
    );
  });

  it("an archived thread leaves the loaded set: a turn after unarchiving resumes it first", async () => {
    const { client, tap } = await connect();
    await using _ = client;
    rs.modelServer.enqueue(model.say("one"), model.say("two"));
    const thread = await client.startThread({ cwd: rs.home.workspace });
    await thread.chatOnce("first");
    await thread.archive();
    assert.ok(!(await loaded(client)).includes(thread.threadId));
    await thread.unarchive();
    const mark = tap.sent.length;
    assert.equal((await thread.chatOnce("again")).finalText, "two");
    assert.equal(sentBefore(tap, "thread/resume", mark).length, 1);
  });
});
