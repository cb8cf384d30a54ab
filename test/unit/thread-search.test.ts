// searchThreads over an in-memory server: partial batches, the final page, and the cancel on an
// early exit.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { searchThreads } from "../../src/conversation/thread-search.js";
import { CodexOverflowError } from "../../src/errors/index.js";
import { createFakeServer, INITIALIZE_RESULT } from "../support/fake-server.js";

type Message = { id?: number; method?: string; params?: Record<string, unknown> };
const row = (id: string) => ({ thread: { id }, snippet: `…${id}…` });

/** An experimental client, and the fake server's search request once it arrives. */
async function setup() {
  const { clientTransport, server } = createFakeServer();
  const client = new CodexClient(clientTransport, { experimentalApi: true });
  const init = client.initialize();
  const req = await server.next((m) => m.method === "initialize");
  await server.send({ id: req.id, result: INITIALIZE_RESULT });
  await init;
  const searchRequest = () => server.next((m) => m.method === "thread/search/stream") as Promise<Message>;
  const partial = (requestId: unknown, ids: string[]) =>
    server.send({ method: "thread/search/partial", params: { requestId, data: ids.map(row) } });
  return { client, server, searchRequest, partial };
}

describe("searchThreads", () => {
  it("yields this search's partial batches, then the final page, and ends", async () => {
    const { client, server, searchRequest, partial } = await setup();
    const batches = (async () => {
      const out = [];
      for await (const b of searchThreads(client, { searchTerm: "x" })) out.push(b);
      return out;
    })();
    const req = await searchRequest();
    await partial(req.id, ["a"]);
    await partial(999, ["not-mine"]); // another search on the connection
    await partial(req.id, ["b"]);
    await server.send({
      id: req.id,
      result: { data: [row("a"), row("b")], nextCursor: "c2", backwardsCursor: null },
    });
    assert.deepEqual(
      (await batches).map((b) => [b.final, b.results.map((r) => r.thread.id), b.nextCursor]),
      [
        [false, ["a"], null],
        [false, ["b"], null],
        [true, ["a", "b"], "c2"],
      ],
    );
    assert.equal(server.received.filter((m) => m.method === "thread/search/stream/cancel").length, 0);
    await client.close();
  });

  it("break before the final page sends thread/search/stream/cancel with the search's id", async () => {
    const { client, server, searchRequest, partial } = await setup();
    const done = (async () => {
      for await (const _batch of searchThreads(client, { searchTerm: "x" })) break;
    })();
    const req = await searchRequest();
    await partial(req.id, ["a"]);
    await done;
    const cancel = await server.next((m) => m.method === "thread/search/stream/cancel");
    assert.deepEqual(cancel.params, { requestId: req.id });
    await client.close();
  });

  it("more unread partial batches than bufferSize fail the loop with CodexOverflowError and cancel", async () => {
    const { client, server, searchRequest, partial } = await setup();
    const search = searchThreads(client, { searchTerm: "x" }, { bufferSize: 2 });
    const first = search.next();
    const req = await searchRequest();
    await partial(req.id, ["a"]);
    assert.deepEqual(
      (await first).value?.results.map((r) => r.thread.id),
      ["a"],
    );
    // The reader is busy: three more batches arrive, one past the buffer.
    for (const id of ["b", "c", "d"]) await partial(req.id, [id]);
    await new Promise((r) => setImmediate(r));
    const rest: string[] = [];
    await assert.rejects(async () => {
      for (;;) {
        const next = await search.next();
        if (next.done) break;
        rest.push(next.value.results[0]!.thread.id);
      }
    }, CodexOverflowError);
    assert.deepEqual(rest, ["b", "c"]);
    const cancel = await server.next((m) => m.method === "thread/search/stream/cancel");
    assert.deepEqual(cancel.params, { requestId: req.id });
    await client.close();
  });
});
