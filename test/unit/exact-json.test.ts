import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { hasLongDigitRun, hasLongDigitRunInBytes, parseJsonExact } from "../../src/transport/exact-json.js";

describe("parseJsonExact on hostile shapes", () => {
  it("the 16-digit pre-check agrees with /\\d{16}/ on any text", () => {
    const digitHeavy = fc
      .array(
        fc.oneof(
          fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String),
          fc.constantFrom("a", '"', ",", "-", " "),
        ),
        {
          maxLength: 12,
        },
      )
      .map((pieces) => pieces.join(""));
    fc.assert(
      fc.property(fc.oneof(digitHeavy, fc.string()), (text) => {
        assert.equal(hasLongDigitRun(text), /\d{16}/.test(text), JSON.stringify(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("the pre-check over UTF-8 bytes agrees with /\\d{16}/ on the decoded text, for any byte range", () => {
    const digitHeavy = fc
      .array(
        fc.oneof(fc.bigInt({ min: 0n, max: 10n ** 20n }).map(String), fc.constantFrom("é", "€", "😀", "a")),
        {
          maxLength: 12,
        },
      )
      .map((pieces) => pieces.join(""));
    fc.assert(
      fc.property(fc.oneof(digitHeavy, fc.string({ unit: "grapheme" })), fc.nat(), fc.nat(), (text, a, b) => {
        const bytes = Buffer.from(`xx${text}yy`);
        // a range cut at character boundaries, as the line decoder cuts at newlines
        const cut = (n: number) => {
          let i = n % (bytes.length + 1);
          while (i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80) i++;
          return i;
        };
        const [from, to] = [cut(a), cut(b)].sort((x, y) => x - y) as [number, number];
        const decoded = bytes.toString("utf8", from, to);
        assert.equal(
          hasLongDigitRunInBytes(bytes, from, to),
          /\d{16}/.test(decoded),
          JSON.stringify(decoded),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("both pre-checks find a run of exactly 16 digits at every offset, and never one of 15", () => {
    for (const length of [15, 16]) {
      for (let at = 0; at < 48; at++) {
        const text = `${"a".repeat(at)}${"7".repeat(length)}${"b".repeat(48 - at)}`;
        assert.equal(hasLongDigitRun(text), length === 16, `string, run of ${length} at ${at}`);
        const bytes = Buffer.from(`€${text}`);
        assert.equal(
          hasLongDigitRunInBytes(bytes, 3, bytes.length),
          length === 16,
          `bytes, ${length} at ${at}`,
        );
      }
    }
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
