// A thread's history, paged, on the real server; and the guard that fails every e2e test on a
// `deprecationNotice` (the SDK itself makes no deprecated call).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexAbortError } from "../../src/errors/index.js";
import { model } from "../../src/testing/index.js";
import { assertNoDeprecations, takeDeprecationNotices } from "../support/deprecation-guard.js";
import { collect, useRealServer } from "../support/real-server.js";

const textOf = (content: unknown) => (content as { text?: string }[] | undefined)?.[0]?.text;

describe("thread history, paged (real server)", () => {
  const rs = useRealServer({ client: "none" });
  const connect = async () => {
    const client = CodexClient.connectStdio({ env: rs.home.env, cwd: rs.home.workspace });
    await client.initialize();
    return client;
  };

  /** A stored thread with three turns ("one", "two", "three"), made by a client that has gone. */
  const storedThread = async () => {
    rs.modelServer.enqueue(model.say("first"), model.say("second"), model.say("third"));
    const writer = await connect();
    try {
      const thread = await writer.startThread({ cwd: rs.home.workspace });
      for (const text of ["one", "two", "three"]) await thread.chatOnce(text);
      return thread.threadId;
    } finally {
      await writer.close();
    }
  };

  it("a resumed thread's turns and items page in order, one request per page, with no deprecation notice", async () => {
    const threadId = await storedThread();
    await using client = await connect();
    const thread = await client.resumeThread(threadId);
    const turns = await collect(thread.turns({ pageSize: 1, itemsView: "full" }));
    assert.deepEqual(
      turns.map((t) => textOf(t.items.find((i) => i.type === "userMessage")?.content)),
      ["one", "two", "three"],
    );
    const newestFirst = await collect(thread.turns({ pageSize: 2, sortDirection: "desc" }));
    assert.deepEqual(
      newestFirst.map((t) => t.id),
      turns.map((t) => t.id).reverse(),
    );
    const second = turns[1]!.id;
    const items = await collect(thread.items(second, { pageSize: 1 }));
    assert.deepEqual(
      items.map(({ turnId, item }) => [turnId, item.type]),
      [
        [second, "userMessage"],
        [second, "agentMessage"],
      ],
    );
    const all = await collect(thread.items(undefined, { pageSize: 4 }));
    assert.deepEqual(
      all.filter((e) => e.item.type === "agentMessage").map((e) => (e.item as { text: string }).text),
      ["first", "second", "third"],
    );
    // The turn after the resume, a rollback and a metadata read: none is a deprecated call.
    rs.modelServer.enqueue(model.say("fourth"));
    assert.equal((await thread.chatOnce("four")).finalText, "fourth");
    await thread.rollback(2);
    assert.equal((await collect(thread.turns())).length, 2);
    assert.equal((await thread.read()).thread.id, threadId);
    await client.request("thread/loaded/list", {}); // notices travel ahead of this reply
    assert.deepEqual(takeDeprecationNotices(), []);
  });

  it("breaking out of the loop ends it; an aborted signal stops it with CodexAbortError", async () => {
    const threadId = await storedThread();
    await using client = await connect();
    const thread = await client.resumeThread(threadId);
    const seen: string[] = [];
    for await (const turn of thread.turns({ pageSize: 1 })) {
      seen.push(turn.id);
      break;
    }
    assert.equal(seen.length, 1);
    const controller = new AbortController();
    const pages = thread.items(undefined, { pageSize: 1, signal: controller.signal });
    await assert.rejects(
      (async () => {
        for await (const _entry of pages) controller.abort();
      })(),
      CodexAbortError,
    );
    await assert.rejects(collect(thread.turns({ pageSize: 0 })), RangeError);
  });

  it("the guard fails a test on a planted deprecated call", async () => {
    const threadId = await storedThread();
    await using client = await connect();
    const notice = new Promise((resolve) => client.on("deprecationNotice", resolve));
    // Full-history hydration: what the SDK no longer does, made here on purpose.
    await client.request("thread/read", { threadId, includeTurns: true });
    await notice;
    assert.throws(assertNoDeprecations, (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /1 deprecationNotice\(s\): "Full-history hydration is deprecated/);
      return true;
    });
    // The check above took the notice, so this test's own afterEach passes.
  });

  it("every end-to-end file is guarded", () => {
    const dir = path.join(import.meta.dirname);
    const unguarded = readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts"))
      .filter(
        (f) => !/support\/(deprecation-guard|real-server)\.js"/.test(readFileSync(path.join(dir, f), "utf8")),
      );
    assert.deepEqual(unguarded, []);
  });
});
