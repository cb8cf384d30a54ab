// The per-message plumbing under the client: the notification hub (its last-method shortcut and
// the turn router's sink) and the bounded queue's ring.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { NotificationHub } from "../../src/rpc/notifications.js";
import { BoundedQueue } from "../../src/streams/bounded-queue.js";
import { CodexOverflowError } from "../../src/errors/index.js";

describe("NotificationHub", () => {
  it("a listener added or removed between two deliveries of the same method sees exactly the ones after", () => {
    const errors: Error[] = [];
    const hub = new NotificationHub((e) => errors.push(e));
    const seen: string[] = [];
    hub.deliver("m", 1); // remembered: no listener for "m"
    const off = hub.on("m", (p) => seen.push(`a${String(p)}`));
    hub.deliver("m", 2);
    const off2 = hub.on("m", (p) => seen.push(`b${String(p)}`));
    hub.deliver("m", 3);
    off();
    hub.deliver("m", 4);
    off2(); // the method's last listener: its emitter goes
    hub.deliver("m", 5);
    hub.on("m", (p) => seen.push(`c${String(p)}`));
    hub.deliver("m", 6);
    hub.deliver("other", 7);
    hub.deliver("m", 8);
    assert.deepEqual(seen, ["a2", "a3", "b3", "b4", "c6", "c8"]);
    assert.deepEqual(errors, []);
  });

  it("the sink sees every notification with its message, after the method's listeners; one that throws is reported", () => {
    const errors: Error[] = [];
    const hub = new NotificationHub((e) => errors.push(e));
    const order: string[] = [];
    hub.on("m", () => order.push("method"));
    hub.onAny(() => order.push("any"));
    const message = { method: "m", params: { x: 1 } };
    const off = hub.setSink((method, params, msg) => {
      order.push("sink");
      assert.equal(method, "m");
      assert.equal(params, message.params);
      assert.equal(msg, message);
      throw new Error("sink failed");
    });
    assert.throws(() => hub.setSink(() => {}), /already has a notification sink/);
    hub.deliver("m", message.params, message);
    assert.deepEqual(order, ["method", "sink", "any"]);
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as Error & { cause?: Error }).cause?.message), /sink failed/);
    off();
    hub.deliver("m", message.params, message);
    assert.deepEqual(order.slice(3), ["method", "any"]);
  });
});

describe("BoundedQueue", () => {
  it("behaves as a FIFO of its capacity however pushes and takes interleave (ring wrap-around)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { maxLength: 60 }),
        (capacity, ops) => {
          const queue = new BoundedQueue<number>({ capacity });
          const model: number[] = [];
          let next = 0;
          for (const push of ops) {
            if (queue.closed) break;
            if (push) {
              const accepted = queue.push(next);
              assert.equal(accepted, model.length < capacity);
              if (accepted) model.push(next);
              next++;
            } else {
              assert.equal(queue.takeSync(), model.shift());
            }
            assert.equal(queue.length, model.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("an overflow fails the reader after what was buffered", async () => {
    const queue = new BoundedQueue<number>({ capacity: 2 });
    queue.push(1);
    queue.push(2);
    assert.equal(queue.push(3), false);
    assert.deepEqual(await queue.next(), { value: 1, done: false });
    assert.deepEqual(await queue.next(), { value: 2, done: false });
    await assert.rejects(queue.next(), CodexOverflowError);
  });
});
