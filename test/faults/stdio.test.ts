// Faults over stdio, against a small fake app-server process (fixtures/stdio-app-server.mjs):
// what a user of the client sees when the server misbehaves.
import assert from "node:assert/strict";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexOverflowError, CodexTransportError } from "../../src/errors/index.js";
import { guardProcess, STDIO_FAKE, sleep, timed, until } from "./support.js";

guardProcess();

const MiB = 1024 * 1024;

function fakeClient(options: Parameters<typeof CodexClient.connectStdio>[0] = {}) {
  const client = CodexClient.connectStdio({ command: STDIO_FAKE, requestTimeoutMs: 10_000, ...options });
  const errors: Error[] = [];
  client.onError((e) => errors.push(e));
  return { client, errors };
}

function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

describe("stdio fake app-server: hostile output", () => {
  it("garbage lines and stray responses are reported and skipped; the next request is answered", async () => {
    const { client, errors } = fakeClient();
    try {
      assert.deepEqual(await client.requestUntyped("fake/garbage"), { ok: true });
      assert.ok(errors.filter((e) => e instanceof SyntaxError && /not JSON/.test(e.message)).length >= 4);
      assert.equal(errors.filter((e) => /unknown request id/.test(e.message)).length >= 1, true);
      assert.deepEqual(await client.requestUntyped("fake/echo", { n: 1 }), { echo: { n: 1 } });
    } finally {
      await client.close();
    }
  });

  it("a response nested 100 000 deep is delivered, its 20-digit integer exact, not dropped as 'not JSON'", async () => {
    const { client, errors } = fakeClient();
    try {
      let value = await client.requestUntyped("fake/deep", { depth: 100_000 });
      for (let i = 0; i < 100_000; i++) value = (value as unknown[])[0];
      assert.equal(value, "12345678901234567890");
      assert.deepEqual(errors, []);
    } finally {
      await client.close();
    }
  });

  it("a 65 MiB line is dropped and reported within about a second, memory stays near maxMessageBytes, and the connection goes on", async (t) => {
    const { client, errors } = fakeClient();
    const long: number[] = [];
    client.onAny((n) => {
      if (n.method === "fake/long") long.push((n.params as { text: string }).text.length);
    });
    try {
      await client.initialize();
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 5);
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      const start = performance.now();
      const reply = client.requestUntyped("fake/longLine", { bytes: 65 * MiB });
      await until(() => errors.some((e) => /Dropped an incoming message/.test(e.message)), 10_000);
      const reportedMs = performance.now() - start;
      assert.deepEqual(await reply, { afterLongLine: true });
      const totalMs = performance.now() - start;
      loop.disable();
      clearInterval(sampler);
      rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
      const growthMiB = (rssPeak - rssBefore) / MiB;
      const stallMs = loop.max / 1e6;
      t.diagnostic(
        `reported after ${reportedMs.toFixed(0)} ms, reply after ${totalMs.toFixed(0)} ms, ` +
          `peak RSS +${growthMiB.toFixed(0)} MiB, longest event-loop stall ${stallMs.toFixed(0)} ms`,
      );
      const dropped = errors.filter((e) => /Dropped an incoming message/.test(e.message));
      assert.equal(dropped.length, 1);
      assert.ok(dropped[0] instanceof CodexTransportError);
      assert.deepEqual(long, [], "the oversize notification must not be delivered");
      assert.ok(reportedMs < 2_000, `reported after ${reportedMs} ms`);
      assert.ok(growthMiB < 64 + 96, `RSS grew by ${growthMiB} MiB`);
      assert.ok(stallMs < 300, `event loop stalled ${stallMs} ms`);
    } finally {
      await client.close();
    }
  });

  it("a line just under the limit is delivered whole", async () => {
    const { client, errors } = fakeClient({ maxMessageBytes: 8 * MiB });
    const long: number[] = [];
    client.onAny((n) => {
      if (n.method === "fake/long") long.push((n.params as { text: string }).text.length);
    });
    try {
      const text = 8 * MiB - 200;
      assert.deepEqual(await client.requestUntyped("fake/longLine", { bytes: text }), {
        afterLongLine: true,
      });
      assert.deepEqual(long, [text]);
      assert.deepEqual(errors, []);
    } finally {
      await client.close();
    }
  });

  it("a flood of 20 000 notifications: a slow reader gets CodexOverflowError, a fast one gets all, in order", async () => {
    const { client } = fakeClient();
    try {
      await client.initialize();
      const slow = client.notifications({ bufferSize: 500 });
      const fast = client.notifications();
      const slowRead = (async () => {
        let n = 0;
        for await (const _ of slow) {
          n++;
          await sleep(1);
        }
        return n;
      })().catch((e: unknown) => e);
      const fastRead = (async () => {
        const seen: number[] = [];
        for await (const m of fast) {
          const { method, params } = m as { method: string; params: unknown };
          if (method !== "fake/flooded") continue;
          seen.push((params as { i: number }).i);
          if (seen.length === 20_000) break;
        }
        return seen;
      })();
      assert.deepEqual(await client.requestUntyped("fake/flood", { count: 20_000, padBytes: 200 }), {
        flooded: 20_000,
      });
      const seen = await fastRead;
      assert.equal(seen.length, 20_000);
      assert.ok(seen.every((i, k) => i === k));
      assert.ok((await slowRead) instanceof CodexOverflowError);
    } finally {
      await client.close();
    }
  });
});

describe("stdio fake app-server: stderr and death", () => {
  it("the exit error carries the full 16 KiB stderr tail, including the log before a short fatal line; its message only the last lines", async () => {
    const { client } = fakeClient();
    try {
      await client.initialize();
      const { error, ms } = await timed(client.requestUntyped("fake/stderrThenExit", { logBytes: 20_000 }));
      assert.ok(error instanceof CodexTransportError, String(error));
      assert.ok(ms < 2_000);
      const tail = error.exit?.stderrTail ?? "";
      assert.equal(Buffer.byteLength(tail), 16 * 1024);
      assert.ok(tail.endsWith("FATAL: the last words\n"));
      assert.ok(tail.split("\n").filter((l) => l.startsWith("log: ")).length > 200);
      assert.match(error.message, /exit code 3/);
      assert.match(error.message, /FATAL: the last words/);
      const embedded = error.message.slice(error.message.indexOf("last stderr lines:"));
      assert.ok(Buffer.byteLength(embedded) <= 2 * 1024 + 40, `message embeds ${embedded.length} chars`);
      assert.ok(embedded.split("\n").length <= 21);
    } finally {
      await client.close();
    }
  });

  it("connectStdio's stderrTailBytes and maxBufferedBytes reach the transport", async () => {
    const { client } = fakeClient({ stderrTailBytes: 1024, maxBufferedBytes: 64 * 1024 });
    try {
      await client.initialize();
      await client.requestUntyped("fake/pause", { ms: 60_000 });
      const refused = await timed(client.requestUntyped("fake/big", { payload: "c".repeat(MiB) }));
      const second = await timed(client.requestUntyped("fake/big", { payload: "c".repeat(MiB) }));
      assert.ok(
        [refused.error, second.error].some(
          (e) => e instanceof CodexTransportError && /maxBufferedBytes: 65536/.test(e.message),
        ),
        String(second.error ?? refused.error),
      );
    } finally {
      await client.close();
    }
    const { client: dying } = fakeClient({ stderrTailBytes: 1024 });
    const { error } = await timed(dying.requestUntyped("fake/stderrThenExit", { logBytes: 20_000 }));
    assert.ok(error instanceof CodexTransportError);
    assert.equal(Buffer.byteLength(error.exit?.stderrTail ?? ""), 1024);
    await dying.close();
  });

  it("SIGKILL with a request pending: it rejects with the signal in well under a second, no process left", async () => {
    const { client } = fakeClient();
    let closedWith: unknown;
    client.onClose((e) => (closedWith = e));
    await client.initialize();
    const pid = client.pid as number;
    const pending = timed(client.requestUntyped("fake/silent"));
    await sleep(20);
    process.kill(pid, "SIGKILL");
    const { error, ms } = await pending;
    assert.ok(error instanceof CodexTransportError);
    assert.equal(error.exit?.signal, "SIGKILL");
    assert.ok(ms < 1_000, `took ${ms} ms`);
    assert.ok(closedWith instanceof CodexTransportError);
    await client.close();
    assert.ok(isGone(pid));
  });
});
