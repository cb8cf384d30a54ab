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

  it("a key or line the prompt does not take gets a one-line hint, then the prompt again", async () => {
    const out = Object.assign(new PassThrough(), { isTTY: true });
    const raw: boolean[] = [];
    const input = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: (on: boolean) => raw.push(on),
    });
    const term = new Terminal(out, input, { NO_COLOR: "1" });
    const answer = term.ask("Allow?", ["y", "n"], "n");
    input.write("x");
    input.write("\u001b[A");
    input.write("y");
    assert.equal(await answer, "y");
    assert.deepEqual(raw, [true, false]);
    assert.equal(
      String(out.read()),
      'Allow?\n> \n"x" is not an answer: press y, n (Ctrl-C quits).\n> ' +
        '\n"\\u001b[A" is not an answer: press y, n (Ctrl-C quits).\n> y\n',
    );

    const piped = terminal(false, {});
    piped.input.end("maybe\ny\n");
    assert.equal(await piped.term.ask("?", ["y", "n"], "n"), "y");
    assert.match(
      String(piped.out.read()),
      /^\?\n> \n"maybe" is not an answer: press y, n \(Ctrl-C quits\)\.\n> y\n$/,
    );
  });

  it("an aborted signal answers with the fallback", async () => {
    const { term } = terminal(false, {});
    const controller = new AbortController();
    const answer = term.ask("?", ["y"], "n", controller.signal);
    controller.abort();
    assert.equal(await answer, "n");
  });
});
