// Faults over WebSocket and Unix sockets, against small in-process fake servers (socket-fakes.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexTimeoutError, CodexTransportError } from "../../src/errors/index.js";
import { WebSocketTransport } from "../../src/transport/websocket.js";
import { startSocketFake, type SocketFake } from "./socket-fakes.js";
import { guardProcess, sleep, timed, until } from "./support.js";

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

/** A client on a transport we hold, to read its buffered byte count. */
function connectHeld(kind: Kind, fake: SocketFake) {
  const url = kind === "websocket" ? fake.url : `ws+unix://${fake.socketPath}:/`;
  const transport = new WebSocketTransport({ url });
  return { client: new CodexClient(transport, { requestTimeoutMs: 30_000 }), transport };
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

    it("a server that stops reading: timed-out requests are dropped before the wire; bytes waiting fall back", async () => {
      const fake = await startSocketFake({ unix: kind === "unix" });
      const { client, transport } = connectHeld(kind, fake);
      try {
        await client.initialize();
        await client.requestUntyped("fake/pause", { ms: 2_000 });
        const payload = "b".repeat(MiB);
        for (let wave = 0; wave < 4; wave++) {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              timed(client.requestUntyped("fake/big", { i, payload }, { timeoutMs: 250 })),
            ),
          );
          for (const r of results) assert.ok(r.error instanceof CodexTimeoutError, String(r.error));
          assert.ok(transport.bufferedBytes <= 256 * 1024 + MiB + 1024, `${transport.bufferedBytes} bytes`);
        }
        await until(() => transport.bufferedBytes === 0, 5_000);
        await client.requestUntyped("fake/echo", {}, { timeoutMs: 5_000 });
        // The kernel's socket buffers hold a few of them; the rest never reached the wire.
        assert.ok(fake.bigSeen() <= 12, `${fake.bigSeen()} of 40 timed-out requests reached the server`);
      } finally {
        await client.close();
        await fake.close();
      }
    });

    it("past the 16 MiB write-buffer cap, send rejects at once with a CodexTransportError", async () => {
      const fake = await startSocketFake({ unix: kind === "unix" });
      const { client, transport } = connectHeld(kind, fake);
      try {
        await client.initialize();
        await client.requestUntyped("fake/pause", { ms: 60_000 });
        const payload = "c".repeat(MiB);
        let accepted = 0;
        let refused: { ms: number; error?: unknown } | undefined;
        for (let i = 0; i < 60 && refused === undefined; i++) {
          const r = await Promise.race([
            timed(client.requestUntyped("fake/big", { i, payload })),
            sleep(15).then(() => undefined),
          ]);
          if (r?.error) refused = r;
          else accepted++;
        }
        assert.ok(refused?.error instanceof CodexTransportError, String(refused?.error));
        assert.match(refused.error.message, /maxBufferedBytes: 16777216/);
        assert.ok(refused.ms < 15);
        assert.ok(transport.bufferedBytes <= 16 * MiB);
        assert.ok(accepted >= 14, `${accepted} accepted`);
      } finally {
        await client.close();
        await fake.close();
      }
    });
  });
}
