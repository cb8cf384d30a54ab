import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findPinnedCodexBinary, resolveAppServerCommand, shellSplit } from "../../src/client/command.js";
import { CodexError } from "../../src/errors/index.js";

describe("shellSplit", () => {
  it("splits words and honours quotes and escapes without expanding anything", () => {
    assert.deepEqual(shellSplit(`codex app-server -c 'model="o3"' "a b" c\\ d $HOME`), [
      "codex",
      "app-server",
      "-c",
      'model="o3"',
      "a b",
      "c d",
      "$HOME",
    ]);
    assert.deepEqual(shellSplit(`  x   ""  `), ["x", ""]);
  });
  it("rejects an unterminated quote", () => {
    assert.throws(() => shellSplit(`codex 'oops`), /Unterminated/);
  });
});

describe("resolveAppServerCommand", () => {
  it("prefers the command option, then CODEX_APP_SERVER_CMD, then the pinned binary", () => {
    const env = { PATH: "", CODEX_APP_SERVER_CMD: "my-codex app-server --flag" };
    assert.deepEqual(resolveAppServerCommand({ command: "node server.js", env }), {
      file: "node",
      args: ["server.js"],
      source: "option",
    });
    assert.deepEqual(resolveAppServerCommand({ command: ["a b", "c"], env }), {
      file: "a b",
      args: ["c"],
      source: "option",
    });
    assert.deepEqual(resolveAppServerCommand({ env }), {
      file: "my-codex",
      args: ["app-server", "--flag"],
      source: "env",
    });
    const pinned = resolveAppServerCommand({ env: { PATH: "" }, appServerArgs: ["--listen", "stdio://"] });
    assert.equal(pinned.source, "pinned-package");
    assert.equal(pinned.file, findPinnedCodexBinary());
    assert.deepEqual(pinned.args, ["app-server", "--listen", "stdio://"]);
  });

  it("the pinned binary is the one from @openai/codex in node_modules", () => {
    assert.match(findPinnedCodexBinary() ?? "", /node_modules[\\/]@openai[\\/]codex/);
  });

  it("rejects an empty command option", () => {
    assert.throws(() => resolveAppServerCommand({ command: "  " }), CodexError);
  });
});
