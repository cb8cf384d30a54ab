// TurnStream.textStream(): the agent's text deltas of one turn, over the in-memory transport.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexTransportError, CodexTurnFailedError } from "../../src/errors/index.js";
import { createFakeServer, INITIALIZE_RESULT, type FakeServer } from "../support/fake-server.js";

async function streaming() {
  const { clientTransport, server } = createFakeServer();
  const client = new CodexClient(clientTransport);
  // A turn on a thread this client has not loaded resumes it first.
  void server
    .next((m) => m.method === "thread/resume")
    .then((m) => server.send({ id: m.id, result: { thread: { id: "T", turns: [] } } }));
  const init = client.initialize();
  const req = await server.next((m) => m.method === "initialize");
  await server.send({ id: req.id, result: INITIALIZE_RESULT });
  await init;
  const streamP = client.streamTurn("T", "go");
  const start = await server.next((m) => m.method === "turn/start");
  await server.send({
    id: start.id,
    result: { turn: { id: "U", items: [], status: "inProgress", error: null } },
  });
  return { client, server, turn: await streamP };
}

const delta = (itemId: string, text: string) => ({
  method: "item/agentMessage/delta",
  params: { threadId: "T", turnId: "U", itemId, delta: text },
});
const completed = (status: string, error: unknown = null) => ({
  method: "turn/completed",
  params: { threadId: "T", turn: { id: "U", items: [], status, error } },
});
const sendAll = async (server: FakeServer, messages: unknown[]) => {
  for (const m of messages) await server.send(m);
};

describe("TurnStream.textStream()", () => {
  it("yields the agent's deltas in order, only those, and ends when the turn ends", async () => {
    const { client, server, turn } = await streaming();
    await sendAll(server, [
      delta("m1", "Hel"),
      {
        method: "item/reasoning/textDelta",
        params: { threadId: "T", turnId: "U", itemId: "r", delta: "hmm" },
      },
      delta("m1", "lo"),
      {
        method: "item/agentMessage/delta",
        params: { threadId: "T", turnId: "OTHER", itemId: "x", delta: "no" },
      },
      delta("m2", " again"),
      completed("completed"),
    ]);
    const texts: string[] = [];
    for await (const text of turn.textStream()) texts.push(text);
    assert.deepEqual(texts, ["Hel", "lo", " again"]);
    assert.equal((await turn.done()).status, "completed");
    await client.close();
  });

  it("break interrupts the running turn, as breaking out of the events does", async () => {
    const { client, server, turn } = await streaming();
    await sendAll(server, [delta("m1", "first"), delta("m1", "second")]);
    const interrupt = server.next((m) => m.method === "turn/interrupt");
    for await (const text of turn.textStream()) {
      assert.equal(text, "first");
      break;
    }
    assert.deepEqual((await interrupt).params, { threadId: "T", turnId: "U" });
    await client.close();
  });

  it("a failed turn throws CodexTurnFailedError after its text; done() still gives the status and error", async () => {
    const { client, server, turn } = await streaming();
    await sendAll(server, [
      delta("m1", "partial"),
      completed("failed", {
        message: "boom",
        codexErrorInfo: "internalServerError",
        additionalDetails: null,
      }),
    ]);
    const texts: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const text of turn.textStream()) texts.push(text);
      })(),
      (error: unknown) =>
        error instanceof CodexTurnFailedError && /boom/.test(error.message) && error.turnId === "U",
    );
    assert.deepEqual(texts, ["partial"]);
    const result = await turn.done();
    assert.equal(result.status, "failed");
    assert.equal(result.error?.message, "boom");
    await client.close();
  });

  it("a connection that closes mid-turn throws CodexTransportError from the loop", async () => {
    const { client, server, turn } = await streaming();
    await server.send(delta("m1", "so far"));
    const texts: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const text of turn.textStream()) {
          texts.push(text);
          await client.close();
        }
      })(),
      CodexTransportError,
    );
    assert.deepEqual(texts, ["so far"]);
  });
});
