import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { hasLongDigitRun, parseJsonExact } from "../../src/transport/exact-json.js";

describe("parseJsonExact on hostile shapes", () => {
  it("the 16-digit pre-check agrees with /\\d{16}/ on any text", () => {
    const digitHeavy = fc.string({ unit: fc.constantFrom("0", "1", "9", "5", "a", '"', ",", "-", " ") });
    fc.assert(
      fc.property(fc.oneof(digitHeavy, fc.string()), (text) => {
        assert.equal(hasLongDigitRun(text), /\d{16}/.test(text), JSON.stringify(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("a message nested 100 000 deep that JSON.parse accepts is parsed, its unsafe integer kept exact", () => {
    const depth = 100_000;
    const text = `{"id":1,"result":${"[".repeat(depth)}12345678901234567890${"]".repeat(depth)}}`;
    let value = (parseJsonExact(text) as { result: unknown }).result;
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0];
    assert.equal(value, "12345678901234567890");
  });

  it("deep nesting with only safe numbers, short and long, parses as JSON.parse does", () => {
    for (const depth of [10, 5_000, 100_000]) {
      const text = `${'{"a":['.repeat(depth)}1234567890123456,"${"9".repeat(20)}"${"]}".repeat(depth)}`;
      let value = parseJsonExact(text) as { a: unknown[] };
      for (let i = 1; i < depth; i++) value = value.a[0] as { a: unknown[] };
      assert.deepEqual(value.a, [1234567890123456, "9".repeat(20)]);
    }
  });

  it("a long text (past the pre-check) still gets its unsafe integers kept exact", () => {
    const text = JSON.stringify({ pad: "x".repeat(20_000) }).slice(0, -1) + ',"n":9007199254740993}';
    assert.equal((parseJsonExact(text) as { n: unknown }).n, "9007199254740993");
  });
});
