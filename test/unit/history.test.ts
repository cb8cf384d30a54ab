// Paged history over an in-memory server: what goes on the wire, and when paging stops.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexAbortError, CodexProtocolError } from "../../src/errors/index.js";
import { createFakeServer, INITIALIZE_RESULT } from "../support/fake-server.js";

type Message = { id?: number; method?: string; params?: Record<string, unknown> };

/** A client on a fake server whose thread T has turns t0…t{n-1}, `pageSize` per page (cursor = next index). */
async function withTurns(n: number, options: { repeatCursor?: boolean } = {}) {
  const { clientTransport, server } = createFakeServer();
  const client = new CodexClient(clientTransport, {});
  const record = server.transport.onmessage;
  server.transport.onmessage = (message) => {
    record?.(message);
    const m = message as Message;
    const reply = (result: unknown) => setImmediate(() => void server.send({ id: m.id, result }));
    if (m.method === "initialize") reply(INITIALIZE_RESULT);
    if (m.method === "thread/start") reply({ thread: { id: "T" } });
    if (m.method === "thread/turns/list" || m.method === "thread/items/list") {
      const from = Number(m.params?.cursor ?? 0);
      const limit = Number(m.params?.limit ?? 2);
      const ids = Array.from({ length: n }, (_, i) => i).slice(from, from + limit);
      const next = from + limit < n ? String(options.repeatCursor ? limit : from + limit) : null;
      const data =
        m.method === "thread/turns/list"
          ? ids.map((i) => ({ id: `t${i}`, items: [], status: "completed" }))
          : ids.map((i) => ({ turnId: "t0", item: { type: "agentMessage", id: `i${i}`, text: `${i}` } }));
      reply({ data, nextCursor: next, backwardsCursor: null });
    }
  };
  await client.initialize();
  const thread = await client.startThread();
  const sent = (method: string) =>
    server.received.filter((m) => m.method === method).map((m) => m.params as Record<string, unknown>);
  return { client, thread, sent };
}

describe("thread.turns() and thread.items()", () => {
  it("page through every turn, oldest first, passing each cursor back", async () => {
    const { client, thread, sent } = await withTurns(5);
    const ids: string[] = [];
    for await (const turn of thread.turns({ pageSize: 2 })) ids.push(turn.id);
    assert.deepEqual(ids, ["t0", "t1", "t2", "t3", "t4"]);
    assert.deepEqual(sent("thread/turns/list"), [
      { threadId: "T", sortDirection: "asc", limit: 2 },
      { threadId: "T", sortDirection: "asc", cursor: "2", limit: 2 },
      { threadId: "T", sortDirection: "asc", cursor: "4", limit: 2 },
    ]);
    await client.close();
  });

  it("breaking out of the loop sends no further request", async () => {
    const { client, thread, sent } = await withTurns(10);
    for await (const turn of thread.turns({ pageSize: 2 })) if (turn.id === "t1") break;
    assert.equal(sent("thread/turns/list").length, 1);
    await client.close();
  });

  it("items(turnId) names the turn; an abort stops paging with CodexAbortError", async () => {
    const { client, thread, sent } = await withTurns(6);
    const controller = new AbortController();
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const { item } of thread.items("t0", { pageSize: 2, signal: controller.signal })) {
        seen.push(item.id);
        if (seen.length === 3) controller.abort();
      }
    }, CodexAbortError);
    assert.deepEqual(seen, ["i0", "i1", "i2", "i3"]);
    assert.equal(sent("thread/items/list").length, 2);
    assert.equal(sent("thread/items/list")[0]?.turnId, "t0");
    await client.close();
  });

  it("a server that repeats a cursor gets a CodexProtocolError instead of an endless loop", async () => {
    const { client, thread } = await withTurns(10, { repeatCursor: true });
    await assert.rejects(async () => {
      for await (const _turn of thread.turns({ pageSize: 2 })) {
        // keep reading
      }
    }, CodexProtocolError);
    await client.close();
  });

  it("a bad pageSize is refused before anything is sent", async () => {
    const { client, thread, sent } = await withTurns(1);
    for (const pageSize of [0, -1, 1.5]) {
      await assert.rejects(thread.turns({ pageSize }).next(), RangeError);
    }
    assert.equal(sent("thread/turns/list").length, 0);
    await client.close();
  });
});
