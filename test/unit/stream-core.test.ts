// The stream core that a turn's state and a goal run share: one queue, one completion, the kept items.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexOverflowError } from "../../src/errors/index.js";
import { StreamCore } from "../../src/streams/stream-core.js";

const core = (bufferSize = 4, keepItems = 3) =>
  new StreamCore<number, string, number>({ bufferSize, keepItems, overflowMessage: "reader fell behind" });

describe("StreamCore", () => {
  it("keeps the newest keepItems items and counts the rest, however many arrive", () => {
    const c = core(0, 3);
    for (let i = 1; i <= 1000; i++) c.keepItem(i);
    assert.deepEqual(c.keptItems(), { items: [998, 999, 1000], itemsDropped: 997 });
    const none = core(0, 0);
    none.keepItem(1);
    assert.deepEqual(none.keptItems(), { items: [], itemsDropped: 1 });
  });

  it("settles once: a later end or fail changes nothing", async () => {
    const c = core();
    c.end("first");
    c.fail(new Error("late"));
    c.end("second");
    assert.equal(await c.done(), "first");
    assert.equal(c.failure, undefined);
    const f = core();
    const boom = new Error("boom");
    f.fail(boom);
    f.end("late");
    await assert.rejects(f.done(), boom);
    assert.equal(f.failure, boom);
  });

  it("the reader drains what was queued before the end, and a full queue fails the reader", async () => {
    const c = core(2);
    c.push(1);
    c.push(2);
    c.end("done");
    const events = c.events;
    assert.ok(events);
    const read: number[] = [];
    for await (const e of events) read.push(e);
    assert.deepEqual(read, [1, 2]);
    const full = core(2);
    for (const e of [1, 2, 3]) full.push(e);
    await full.events?.next();
    await full.events?.next();
    await assert.rejects(full.events!.next(), CodexOverflowError);
    assert.equal(core(0).events, undefined, "no queue without a buffer");
  });
});
