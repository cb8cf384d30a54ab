import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexAbortError, CodexTransportError } from "../../src/errors/index.js";
import { OutgoingQueue, STREAM_HIGH_WATER_BYTES } from "../../src/transport/outgoing-queue.js";
import { StderrTail } from "../../src/transport/stderr-tail.js";

/** A stream that only completes writes when told to. */
function slowStream() {
  const written: string[] = [];
  const callbacks: ((error?: Error | null) => void)[] = [];
  return {
    written,
    write: (text: string, done: (error?: Error | null) => void) => {
      written.push(text);
      callbacks.push(done);
    },
    /** Completes every write handed over so far. */
    flush() {
      for (const done of callbacks.splice(0)) done();
    },
  };
}

const KiB = 1024;

describe("OutgoingQueue", () => {
  it("writes in order, holds messages back past the stream's high-water mark, and hands them over as writes complete", async () => {
    const stream = slowStream();
    const queue = new OutgoingQueue(stream.write, { peer: "the test peer" });
    const text = (i: number) => `${i}`.padEnd(64 * KiB, ".");
    const sends = Array.from({ length: 10 }, (_, i) => queue.send({ i }, text(i)));
    assert.equal(stream.written.length, STREAM_HIGH_WATER_BYTES / (64 * KiB));
    assert.equal(queue.bufferedBytes, 10 * 64 * KiB);
    while (stream.written.length < 10) stream.flush();
    stream.flush();
    await Promise.all(sends);
    assert.deepEqual(
      stream.written.map((t) => t.slice(0, 2).replace(/\./g, "")),
      Array.from({ length: 10 }, (_, i) => `${i}`),
    );
    assert.equal(queue.bufferedBytes, 0);
  });

  it("discard drops a queued message (its send rejects with CodexAbortError) and never one in the stream", async () => {
    const stream = slowStream();
    const queue = new OutgoingQueue(stream.write, { peer: "the test peer" });
    const first = { id: 1 };
    const second = { id: 2 };
    const third = { id: 3 };
    const sent1 = queue.send(first, "x".repeat(STREAM_HIGH_WATER_BYTES));
    const sent2 = queue.send(second, "second");
    const sent3 = queue.send(third, "third");
    assert.equal(queue.discard(first), false, "already in the stream");
    assert.equal(queue.discard(second), true);
    assert.equal(queue.discard(second), false);
    await assert.rejects(sent2, CodexAbortError);
    assert.equal(queue.bufferedBytes, STREAM_HIGH_WATER_BYTES + "third".length);
    stream.flush();
    stream.flush();
    await Promise.all([sent1, sent3]);
    assert.deepEqual(stream.written.slice(1), ["third"]);
  });

  it("past maxBufferedBytes, send rejects at once; a single message over the cap still goes when nothing waits", async () => {
    const stream = slowStream();
    const queue = new OutgoingQueue(stream.write, { peer: "the test peer", maxBufferedBytes: 1000 });
    const big = queue.send({}, "b".repeat(5000));
    await assert.rejects(queue.send({}, "x"), (e: unknown) => {
      assert.ok(e instanceof CodexTransportError);
      assert.match(e.message, /5000 bytes are already waiting to be written to the test peer/);
      assert.match(e.message, /maxBufferedBytes: 1000/);
      return true;
    });
    stream.flush();
    await big;
    await Promise.all([queue.send({}, "a".repeat(600)), queue.send({}, "b".repeat(401))]).then(
      () => assert.fail("the second should not fit"),
      (e: unknown) => assert.ok(e instanceof CodexTransportError),
    );
  });

  it("close rejects what waits in the stream and in the queue, once; later write callbacks are ignored", async () => {
    const stream = slowStream();
    const queue = new OutgoingQueue(stream.write, { peer: "the test peer" });
    const sends = [queue.send({}, "x".repeat(STREAM_HIGH_WATER_BYTES)), queue.send({}, "queued")].map((p) =>
      p.then(
        () => "resolved",
        (e: unknown) => e,
      ),
    );
    let made = 0;
    queue.close(() => {
      made++;
      return new CodexTransportError("gone");
    });
    stream.flush();
    const results = await Promise.all(sends);
    assert.equal(made, 1);
    for (const r of results) assert.ok(r instanceof CodexTransportError && r.message === "gone");
    await assert.rejects(queue.send({}, "late"), /gone/);
    assert.equal(queue.bufferedBytes, 0);
  });

  it("a stream that completes writes synchronously drains 100 000 queued messages without deep recursion", async () => {
    let sync = false;
    const pending: (() => void)[] = [];
    const queue = new OutgoingQueue((_text, done) => (sync ? done() : pending.push(() => done())), {
      peer: "the test peer",
      maxBufferedBytes: 1 << 30,
    });
    const first = queue.send({}, "x".repeat(STREAM_HIGH_WATER_BYTES));
    const rest = Array.from({ length: 100_000 }, (_, i) => queue.send({ i }, "m"));
    sync = true;
    pending.splice(0).forEach((f) => f());
    await Promise.all([first, ...rest]);
    assert.equal(queue.bufferedBytes, 0);
  });
});

describe("StderrTail", () => {
  it("keeps exactly the last N bytes, trimming inside a chunk, so a short last line keeps its context", () => {
    const tail = new StderrTail(1000);
    tail.push("a".repeat(5000));
    tail.push("b".repeat(700));
    tail.push("FATAL\n");
    const text = tail.text();
    assert.equal(Buffer.byteLength(text), 1000);
    assert.equal(text, "a".repeat(294) + "b".repeat(700) + "FATAL\n");
  });

  it("drops a character cut by the trim instead of showing a broken one", () => {
    const tail = new StderrTail(5);
    tail.push("€€"); // 6 bytes: the first byte of the first € is trimmed
    assert.equal(tail.text(), "€");
  });

  it("an error message gets at most 20 lines and 2 KiB, starting at a line", () => {
    const tail = new StderrTail();
    for (let i = 0; i < 500; i++) tail.push(`line ${i} ${"x".repeat(i % 7 === 0 ? 300 : 10)}\n`);
    const short = tail.forMessage();
    assert.ok(Buffer.byteLength(short) <= 2048);
    assert.ok(short.split("\n").length <= 20);
    assert.match(short, /^line \d+ /);
    assert.ok(short.endsWith("line 499 " + "x".repeat(10)));
    assert.equal(Buffer.byteLength(tail.text()), 16 * 1024);
  });
});
