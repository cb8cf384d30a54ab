import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "node:test";
import { Terminal } from "../../demo/terminal.js";

function terminal(isTTY: boolean, env: NodeJS.ProcessEnv) {
  const out = Object.assign(new PassThrough(), { isTTY });
  const input = new PassThrough();
  return { term: new Terminal(out, input, env), out, input };
}

describe("demo terminal", () => {
  it("colours only on a TTY, and never with NO_COLOR or TERM=dumb", () => {
    assert.equal(terminal(true, {}).term.paint("red", "x"), "\u001b[31mx\u001b[39m");
    assert.equal(terminal(false, {}).term.paint("red", "x"), "x");
    assert.equal(terminal(true, { NO_COLOR: "1" }).term.paint("red", "x"), "x");
    assert.equal(terminal(true, { TERM: "dumb" }).term.paint("red", "x"), "x");
  });

  it("answers from piped lines one prompt at a time, and falls back once input ends", async () => {
    const { term, input } = terminal(false, {});
    input.write("maybe\ny\nc\n");
    input.end();
    assert.equal(await term.ask("?", ["y", "n", "c"], "n"), "y");
    assert.equal(await term.ask("?", ["y", "n", "c"], "n"), "c");
    assert.equal(await term.ask("?", ["y", "n", "c"], "n"), "n");
  });

  it("an aborted signal answers with the fallback", async () => {
    const { term } = terminal(false, {});
    const controller = new AbortController();
    const answer = term.ask("?", ["y"], "n", controller.signal);
    controller.abort();
    assert.equal(await answer, "n");
  });
});
