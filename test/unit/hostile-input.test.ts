// Hostile or broken input from the server side: property tests over the in-memory pair.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { CodexClient } from "../../src/client/client.js";
import { SERVER_REQUEST_METHODS } from "../../src/protocol/index.js";
import { RpcErrorCode } from "../../src/rpc/messages.js";
import { parseJsonExact } from "../../src/transport/exact-json.js";
import { startedClient, type FakeServer } from "../support/fake-server.js";

const started = () => startedClient();

/** The connection still works: a request of ours gets its answer. */
async function stillAnswers(client: CodexClient, server: FakeServer) {
  const pending = client.connection.request("health/check", {});
  const req = await server.next((m) => m.method === "health/check");
  await server.send({ id: req.id, result: { ok: true } });
  assert.deepEqual(await pending, { ok: true });
}

describe("hostile input", () => {
  it("random JSON values as messages never crash the connection", async () => {
    const { client, server } = await started();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.jsonValue(), { maxLength: 20 }), async (values) => {
        for (const v of values) await server.sendRaw(JSON.stringify(v));
        await stillAnswers(client, server);
      }),
      { numRuns: 100 },
    );
    await client.close();
  });

  it("random server requests are each answered exactly once, and the connection goes on", async () => {
    const { client, server } = await started();
    let nextId = 1_000;
    const method = fc.oneof(fc.constantFrom(...SERVER_REQUEST_METHODS), fc.string({ maxLength: 30 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ method, params: fc.jsonValue() }), { maxLength: 10 }),
        async (reqs) => {
          const ids: number[] = [];
          for (const r of reqs) {
            const id = nextId++;
            ids.push(id);
            await server.send({ id, method: r.method, params: r.params });
          }
          for (const id of ids) await server.next((m) => m.id === id && !("method" in m));
          await stillAnswers(client, server);
          for (const id of ids) {
            const replies = server.received.filter((m) => m.id === id && !("method" in m));
            assert.equal(replies.length, 1, `request ${id} got ${replies.length} replies`);
          }
        },
      ),
      { numRuns: 60 },
    );
    await client.close();
  });

  it("invalid params on a known server request get -32602, reported to onError", async () => {
    const { client, server, errors } = await started();
    const cases: [string, unknown][] = [
      ["item/commandExecution/requestApproval", { threadId: "t", turnId: "u", startedAtMs: 1 }],
      ["item/fileChange/requestApproval", { threadId: 5, turnId: "u", itemId: "i", startedAtMs: 1 }],
      ["item/permissions/requestApproval", null],
      ["item/tool/call", []],
    ];
    let id = 0;
    for (const [method, params] of cases) {
      await server.send({ id: ++id, method, params });
      const reply = await server.next((m) => m.id === id && !("method" in m));
      assert.equal((reply.error as { code: number } | undefined)?.code, RpcErrorCode.InvalidParams, method);
    }
    assert.match(errors[0]?.message ?? "", /"itemId" is required/);
    assert.match(errors[1]?.message ?? "", /"threadId" must be string, got integer/);
    await client.close();
  });

  it("duplicate responses and responses to unknown ids are reported and dropped", async () => {
    const { client, server, errors } = await started();
    const pending = client.connection.request("x/y", {});
    const req = await server.next((m) => m.method === "x/y");
    await server.send({ id: req.id, result: 1 });
    await server.send({ id: req.id, result: 2 });
    await server.send({ id: 987_654, result: 3 });
    assert.equal(await pending, 1);
    assert.equal(errors.filter((e) => /unknown request id/.test(e.message)).length, 2);
    await stillAnswers(client, server);
    await client.close();
  });

  it("notifications for threads nobody reads are dropped without disturbing a running turn", async () => {
    const { client, server } = await started();
    const seen: string[] = [];
    client.on("item/completed", (p) => seen.push(p.threadId));
    await server.send({
      method: "item/completed",
      params: {
        threadId: "ghost",
        turnId: "g",
        item: { type: "agentMessage", id: "m", text: "boo" },
        completedAtMs: 0,
      },
    });
    await server.send({ method: "turn/completed", params: { threadId: "ghost", turn: { id: "g" } } });
    await stillAnswers(client, server);
    assert.deepEqual(seen, ["ghost"], "still delivered to listeners of the raw notification");
    await client.close();
  });
});

const hasUnsafeInteger = (v: unknown): boolean =>
  typeof v === "number"
    ? Number.isInteger(v) && !Number.isSafeInteger(v)
    : typeof v === "object" && v !== null && Object.values(v).some(hasUnsafeInteger);
/** JSON values whose integers are all safe (a double such as 2^53 is not: it may be a rounded 2^53 + 1). */
const safeJson = fc.jsonValue().filter((v) => !hasUnsafeInteger(v));

describe("big integers", () => {
  it("integers beyond 2^53 arrive as their exact decimal strings, never rounded", () => {
    const text =
      '{"a":9007199254740993,"b":[-123456789012345678901],"c":"9007199254740993 in a string","d":1.5e300,"e":42}';
    assert.deepEqual(parseJsonExact(text), {
      a: "9007199254740993",
      b: ["-123456789012345678901"],
      c: "9007199254740993 in a string",
      d: 1.5e300,
      e: 42,
    });
  });

  it("any JSON value parses as JSON.parse does when every integer is safe", () => {
    fc.assert(
      fc.property(safeJson, (value) => {
        const text = JSON.stringify(value);
        assert.deepEqual(parseJsonExact(text), JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it("an unsafe integer anywhere in a value keeps its exact digits", () => {
    const unsafe = fc
      .bigInt({ min: 2n ** 53n, max: 2n ** 80n })
      .chain((n) => fc.constantFrom(n, -n))
      .map((n) => n.toString());
    fc.assert(
      fc.property(safeJson, unsafe, fc.string(), (value, digits, key) => {
        const text = `{"wrapped":${JSON.stringify(value)},${JSON.stringify(key)}:[${digits}]}`;
        const parsed = parseJsonExact(text) as Record<string, unknown>;
        assert.deepEqual(parsed[key], [digits]);
        if (key !== "wrapped") assert.deepEqual(parsed.wrapped, JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 300 },
    );
  });
});
