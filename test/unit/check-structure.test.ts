// The structure check on a copy of the repository's src/ and layer map: it passes as the tree is,
// and fails, naming the files and layers, when an upward import (even a type-only one) is planted.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

const root = path.resolve(import.meta.dirname, "..", "..");
const checker = path.join(root, "scripts", "check-structure.mjs");

/** Runs the checker on `dir`; resolves with its exit code and output, whatever the code. */
async function check(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [checker, dir], {
      timeout: 60_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

describe("scripts/check-structure.mjs: layers", () => {
  let copy: string;
  before(() => {
    copy = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-structure-"));
    cpSync(path.join(root, "src"), path.join(copy, "src"), { recursive: true });
    mkdirSync(path.join(copy, "docs"));
    cpSync(path.join(root, "docs", "architecture.md"), path.join(copy, "docs", "architecture.md"));
  });
  after(() => rmSync(copy, { recursive: true, force: true }));

  it("passes on the tree as it is", async () => {
    const { code, output } = await check(copy);
    assert.equal(code, 0, output);
    assert.match(output, /no upward import/);
  });

  it("fails on a type-only import from the transport layer up to the client", async () => {
    const file = path.join(copy, "src", "transport", "stdio.ts");
    const original = readFileSync(file, "utf8");
    try {
      appendFileSync(file, '\nexport type { CodexClient as Planted } from "../client/client.js";\n');
      const { code, output } = await check(copy);
      assert.equal(code, 1, output);
      assert.match(
        output,
        /src\/transport\/stdio\.ts \(transport\) imports src\/client\/client\.ts \(client\)/,
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  it("fails on a folder the layer table does not list", async () => {
    const file = path.join(copy, "src", "stray", "thing.ts");
    mkdirSync(path.dirname(file));
    cpSync(path.join(copy, "src", "internal", "as-error.ts"), file);
    try {
      const { code, output } = await check(copy);
      assert.equal(code, 1, output);
      assert.match(output, /src\/stray\/ is not in the layer table of docs\/architecture\.md/);
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });

  it("reads the order from the table: moving a row changes what counts as upward", async () => {
    const doc = path.join(copy, "docs", "architecture.md");
    const original = readFileSync(doc, "utf8");
    try {
      // Put the transport row on top: every import of transport/ from above becomes upward.
      const lines = original.split("\n");
      const at = lines.findIndex((l) => l.includes("`src/transport/`"));
      const header = lines.findIndex((l) => l.startsWith("| Layer"));
      const [row] = lines.splice(at, 1);
      lines.splice(header + 2, 0, row as string);
      writeFileSync(doc, lines.join("\n"));
      const { code, output } = await check(copy);
      assert.equal(code, 1, output);
      assert.match(
        output,
        /src\/rpc\/connection\.ts \(rpc\) imports src\/transport\/transport\.ts \(transport\)/,
      );
    } finally {
      writeFileSync(doc, original);
    }
  });
});
