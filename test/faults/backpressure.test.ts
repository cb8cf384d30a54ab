// A server that stops reading, over each transport (stdio, WebSocket, Unix socket): requests that
// time out are dropped before they reach the wire, the write buffer falls back, and past its cap a
// send is refused at once. One test body per behaviour; what differs per transport is named below.
import assert from "node:assert/strict";
import { getEventListeners, setMaxListeners } from "node:events";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexAbortError, CodexTimeoutError, CodexTransportError } from "../../src/errors/index.js";
import { StdioTransport } from "../../src/transport/stdio.js";
import { WebSocketTransport } from "../../src/transport/websocket.js";
import { startSocketFake } from "./socket-fakes.js";
import { guardProcess, sleep, STDIO_FAKE, timed, until } from "./support.js";

guardProcess();

const MiB = 1024 * 1024;
/** What a transport may still hold once the requests behind it were dropped: its low-water mark plus one message. */
const HANDED_OVER = 256 * 1024 + MiB + 1024;

type Kind = "stdio" | "websocket" | "unix";

interface Held {
  client: CodexClient;
  transport: { readonly bufferedBytes: number };
  close(): Promise<void>;
}

/** A client on a transport we hold (to read its buffered bytes), and the fake server behind it. */
async function held(kind: Kind): Promise<Held> {
  if (kind === "stdio") {
    const [file, ...args] = STDIO_FAKE as [string, ...string[]];
    const transport = new StdioTransport({ file, args });
    const client = new CodexClient(transport, { requestTimeoutMs: 10_000 });
    return { client, transport, close: () => client.close() };
  }
  const fake = await startSocketFake({ unix: kind === "unix" });
  const transport = new WebSocketTransport({
    url: kind === "websocket" ? fake.url : `ws+unix://${fake.socketPath}:/`,
  });
  const client = new CodexClient(transport, { requestTimeoutMs: 30_000 });
  return {
    client,
    transport,
    close: async () => {
      await client.close();
      await fake.close();
    },
  };
}

/**
 * How many of 40 timed-out requests may reach the server: the ones already written when it stopped
 * reading. A pipe holds about one 1 MiB message; the kernel's socket buffers hold a few.
 */
const MOST_SEEN: Record<Kind, number> = { stdio: 3, websocket: 12, unix: 12 };

/**
 * How many 1 MiB requests a writer may get accepted before the 16 MiB cap refuses one: the cap,
 * plus what the pipe (about one message) or the kernel's socket buffers (a few) took off it.
 */
const MOST_ACCEPTED: Record<Kind, number> = { stdio: 16, websocket: 24, unix: 24 };

for (const kind of ["stdio", "websocket", "unix"] as const) {
  describe(`${kind}: a server that stops reading`, () => {
    it("timed-out requests are dropped before they reach the wire; bytes waiting fall back; nothing torn", async () => {
      const { client, transport, close } = await held(kind);
      try {
        await client.initialize();
        await client.requestUntyped("fake/pause", { ms: 2_000 });
        const payload = "b".repeat(MiB);
        // 4 waves of 10 MiB: kept queued, they would pass the 16 MiB cap by the second wave.
        for (let wave = 0; wave < 4; wave++) {
          const results = await Promise.all(
            Array.from({ length: 10 }, (_, i) =>
              timed(client.requestUntyped("fake/big", { i, payload }, { timeoutMs: 250 })),
            ),
          );
          for (const r of results) assert.ok(r.error instanceof CodexTimeoutError, String(r.error));
          assert.ok(transport.bufferedBytes <= HANDED_OVER, `${transport.bufferedBytes} bytes`);
        }
        // Once the server reads again, what was handed over drains.
        await until(() => transport.bufferedBytes === 0, 5_000);
        const stats = (await client.requestUntyped("fake/stats", undefined, { timeoutMs: 5_000 })) as {
          bigSeen: number;
          tornLines?: number;
        };
        assert.ok(
          stats.bigSeen <= MOST_SEEN[kind],
          `${stats.bigSeen} of 40 timed-out requests reached the server`,
        );
        // Only the line-based fake can tell a torn line from a whole one.
        if (kind === "stdio") {
          assert.ok(stats.bigSeen >= 1, "the first request was on its way before the server stopped reading");
          assert.equal(stats.tornLines, 0);
        }
      } finally {
        await close();
      }
    });

    it("past the 16 MiB write-buffer cap, send rejects at once with a CodexTransportError that says what to do", async () => {
      const { client, transport, close } = await held(kind);
      try {
        await client.initialize();
        await client.requestUntyped("fake/pause", { ms: 60_000 });
        const payload = "c".repeat(MiB);
        const giveUp = new AbortController();
        // One signal shared by ~16 pending requests: one listener each is right, so lift Node's
        // default of 10 for this signal (as with fetch).
        setMaxListeners(64, giveUp.signal);
        const accepted: Promise<{ ms: number; error?: unknown }>[] = [];
        let refused: unknown;
        for (let i = 0; i < 60 && refused === undefined; i++) {
          const request = timed(client.requestUntyped("fake/big", { i, payload }, { signal: giveUp.signal }));
          // "At once" means before the event loop turns: a refusal settles in microtasks, so it wins
          // a race against setImmediate however busy the machine is.
          const r = await Promise.race([
            request,
            new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined))),
          ]);
          if (r?.error) {
            refused = r.error;
          } else {
            accepted.push(request);
            await sleep(15); // let the transport hand over what it can, as a steady writer would
          }
        }
        assert.ok(refused instanceof CodexTransportError, String(refused));
        assert.match(refused.message, /maxBufferedBytes: 16777216/);
        assert.match(refused.message, /not reading/);
        assert.ok(
          accepted.length >= 14 && accepted.length <= MOST_ACCEPTED[kind],
          `${accepted.length} accepted`,
        );
        assert.ok(transport.bufferedBytes <= 16 * MiB);
        assert.equal(getEventListeners(giveUp.signal, "abort").length, accepted.length);
        // Aborting drops every request still queued: only what was handed over stays.
        giveUp.abort();
        for (const r of await Promise.all(accepted)) assert.ok(r.error instanceof CodexAbortError);
        assert.ok(transport.bufferedBytes <= HANDED_OVER, `${transport.bufferedBytes} bytes`);
        assert.equal(getEventListeners(giveUp.signal, "abort").length, 0);
        // The room is back: the next request is accepted (and times out, as the server still sleeps).
        const next = await timed(client.requestUntyped("fake/echo", {}, { timeoutMs: 100 }));
        assert.ok(next.error instanceof CodexTimeoutError, String(next.error));
      } finally {
        await close();
      }
    });
  });
}
