import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseJsonExact } from "../../src/transport/exact-json.js";
import { LineDecoder, parseJsonLine } from "../../src/transport/line-decoder.js";

function decodeChunks(chunks: Buffer[], max = 1 << 20): { lines: string[]; oversize: number[] } {
  const lines: string[] = [];
  const oversize: number[] = [];
  const decoder = new LineDecoder(
    max,
    (l) => lines.push(l),
    (n) => oversize.push(n),
  );
  for (const c of chunks) decoder.push(c);
  decoder.end();
  return { lines, oversize };
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe("LineDecoder", () => {
  it("yields the same lines however the bytes are chunked, even inside multi-byte characters", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, "")),
          {
            minLength: 1,
            maxLength: 8,
          },
        ),
        fc.array(fc.nat(), { maxLength: 12 }),
        (lines, cuts) => {
          const nonEmpty = lines.filter((l) => l.length > 0);
          const bytes = Buffer.from(lines.map((l) => l + "\n").join(""), "utf8");
          assert.deepEqual(decodeChunks(splitAt(bytes, cuts)).lines, nonEmpty);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("splits a 4-byte emoji across chunks byte by byte", () => {
    const bytes = Buffer.from('{"t":"a😀b"}\n', "utf8");
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    assert.deepEqual(decodeChunks(chunks).lines, ['{"t":"a😀b"}']);
  });

  it("strips CR of CRLF and flushes a last line without newline", () => {
    assert.deepEqual(decodeChunks([Buffer.from("a\r\nb")]).lines, ["a", "b"]);
  });

  it("drops an oversized line, reports it once, and keeps decoding", () => {
    const big = "x".repeat(5000);
    const { lines, oversize } = decodeChunks(
      [Buffer.from("ok1\n" + big.slice(0, 2000)), Buffer.from(big.slice(2000) + "\nok2\n")],
      1000,
    );
    assert.deepEqual(lines, ["ok1", "ok2"]);
    assert.equal(oversize.length, 1);
  });
});

describe("LineDecoder on long lines", () => {
  it("reports a line with no newline once, as soon as it passes the limit, then holds nothing", () => {
    const lines: string[] = [];
    const oversize: number[] = [];
    const decoder = new LineDecoder(
      10_000,
      (l) => lines.push(l),
      (n) => oversize.push(n),
    );
    const chunk = Buffer.alloc(4096, 0x61);
    for (let i = 0; i < 100; i++) decoder.push(chunk);
    assert.deepEqual(oversize, [12_288]);
    decoder.push(Buffer.from('tail"}\n{"ok":1}\n'));
    decoder.end();
    assert.deepEqual(lines, ['{"ok":1}']);
  });

  it("a line of exactly the limit passes; one byte more is dropped", () => {
    const exact = "é".repeat(500); // 1000 bytes
    const { lines, oversize } = decodeChunks([Buffer.from(`${exact}\n${exact}x\n`)], 1000);
    assert.deepEqual(lines, [exact]);
    assert.deepEqual(oversize, [1001]);
  });

  it("keeps unsafe integers exact however the lines share chunks (the per-chunk digit scan)", () => {
    const message = fc.oneof(
      fc.record({ method: fc.constant("n"), params: fc.record({ text: fc.string(), n: fc.integer() }) }),
      fc
        .bigInt({ min: 2n ** 53n + 1n, max: 10n ** 22n })
        .map((big) => `{"method":"big","params":{"v":${big}}}`),
      fc
        .bigInt({ min: 2n ** 53n + 1n, max: 10n ** 22n })
        .map((big) => `{"method":"s","params":{"t":"id ${big}"}}`),
    );
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (ms, cuts) => {
          const lines = ms.map((m) => (typeof m === "string" ? m : JSON.stringify(m)));
          const parsed: unknown[] = [];
          const decoder = new LineDecoder(
            1 << 20,
            (line, noLongDigitRun) =>
              parseJsonLine(
                line,
                (value) => parsed.push(value),
                (error) => assert.fail(error),
                noLongDigitRun,
              ),
            (bytes) => assert.fail(`oversize ${bytes}`),
          );
          for (const chunk of splitAt(Buffer.from(lines.join("\n") + "\n"), cuts)) decoder.push(chunk);
          decoder.end();
          assert.deepEqual(
            parsed,
            lines.map((l) => parseJsonExact(l)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
