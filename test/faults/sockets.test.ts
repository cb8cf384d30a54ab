// Faults over WebSocket and Unix sockets, against small in-process fake servers (socket-fakes.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexTransportError } from "../../src/errors/index.js";
import { startSocketFake, type SocketFake } from "./socket-fakes.js";
import { guardProcess, timed } from "./support.js";

guardProcess();

const MiB = 1024 * 1024;

type Kind = "websocket" | "unix";

function connect(kind: Kind, fake: SocketFake, maxMessageBytes?: number) {
  const common = { requestTimeoutMs: 30_000, ...(maxMessageBytes ? { maxMessageBytes } : {}) };
  const client =
    kind === "websocket"
      ? CodexClient.connectWebSocket({ url: fake.url, ...common })
      : CodexClient.connectUnix({ socketPath: fake.socketPath, ...common });
  const closes: (Error | undefined)[] = [];
  client.onClose((e) => closes.push(e));
  return { client, closes };
}

for (const kind of ["websocket", "unix"] as const) {
  describe(`${kind} fake app-server: a socket that dies after opening`, () => {
    const deaths: [string, string, RegExp][] = [
      ["a frame over maxMessageBytes", "fake/oversize", /Max payload size exceeded/],
      ["a text frame that is not UTF-8", "fake/badUtf8", /invalid UTF-8/i],
      ["a connection reset with no close frame", "fake/kill", /closed|failed/],
    ];
    for (const [what, method, reason] of deaths) {
      it(`${what}: the pending request and onClose get a CodexTransportError within ~100 ms, not the 30 s timeout`, async (t) => {
        const fake = await startSocketFake({ unix: kind === "unix" });
        const { client, closes } = connect(kind, fake, MiB);
        try {
          await client.initialize();
          const { error, ms } = await timed(client.requestUntyped(method, { bytes: 2 * MiB }));
          t.diagnostic(`${kind} ${method}: rejected after ${ms.toFixed(0)} ms`);
          assert.ok(error instanceof CodexTransportError, String(error));
          assert.match(error.message, reason);
          assert.ok(ms < 500, `took ${ms} ms`);
          assert.equal(closes.length, 1);
          assert.ok(closes[0] instanceof CodexTransportError);
          await assert.rejects(client.requestUntyped("fake/echo"), CodexTransportError);
        } finally {
          await client.close();
          await fake.close();
        }
      });
    }

    it("a turn stream being read when the socket dies ends with CodexTransportError within ~100 ms", async (t) => {
      const fake = await startSocketFake({ unix: kind === "unix" });
      const { client } = connect(kind, fake, MiB);
      try {
        const thread = await client.startThread();
        const turn = await thread.streamTurn("hello");
        const seen: string[] = [];
        let ended: unknown;
        let deltaAt = 0;
        try {
          for await (const event of turn) {
            seen.push(event.method);
            deltaAt = performance.now();
          }
        } catch (error) {
          ended = error;
        }
        // The killing frame leaves 20 ms after the delta.
        const ms = performance.now() - deltaAt - 20;
        t.diagnostic(`${kind}: the turn stream ended ${ms.toFixed(0)} ms after the socket died`);
        assert.deepEqual(seen, ["item/agentMessage/delta"]);
        assert.ok(ended instanceof CodexTransportError, String(ended));
        assert.match(ended.message, /Max payload size exceeded/);
        assert.ok(ms < 500, `took ${ms} ms`);
      } finally {
        await client.close();
        await fake.close();
      }
    });
  });
}
