// The `input` builders and the normalisation of turn input: shapes sent to `turn/start`, and the
// TypeErrors a wrong shape gets before anything is sent.
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { input, toUserInput, type TurnInput } from "../../src/conversation/input.js";

describe("input builders", () => {
  it("build every UserInput kind of the schema", () => {
    assert.deepEqual(input.text("hi"), { type: "text", text: "hi", text_elements: [] });
    assert.deepEqual(input.image("https://example.com/a.png"), {
      type: "image",
      url: "https://example.com/a.png",
    });
    assert.deepEqual(input.image(new URL("https://example.com/b.png"), { detail: "high" }), {
      type: "image",
      url: "https://example.com/b.png",
      detail: "high",
    });
    assert.deepEqual(input.image({ fileId: "file_1" }), { type: "image", fileId: "file_1" });
    assert.deepEqual(input.localImage("/abs/a.png", { detail: "low" }), {
      type: "localImage",
      path: "/abs/a.png",
      detail: "low",
    });
    assert.deepEqual(input.audio("https://example.com/a.wav"), {
      type: "audio",
      url: "https://example.com/a.wav",
    });
    assert.deepEqual(input.localAudio("/abs/a.wav"), { type: "localAudio", path: "/abs/a.wav" });
    assert.deepEqual(input.skill("greeter", "/abs/SKILL.md"), {
      type: "skill",
      name: "greeter",
      path: "/abs/SKILL.md",
    });
    assert.deepEqual(input.mention("Docs", "app://docs"), {
      type: "mention",
      name: "Docs",
      path: "app://docs",
    });
  });

  it("make a relative local path absolute against the working directory", () => {
    assert.equal(
      (input.localImage("shots/a.png") as { path: string }).path,
      path.resolve(process.cwd(), "shots/a.png"),
    );
  });

  it("refuse wrong arguments with a TypeError that says what to pass", () => {
    assert.throws(() => input.image(""), { name: "TypeError", message: /input\.image\(url\) needs a URL/ });
    assert.throws(() => input.image({ fileId: "" }), /takes a URL string, a URL object or \{ fileId \}/);
    assert.throws(
      () => input.localImage(undefined as unknown as string),
      /input\.localImage\(path\) needs a file path/,
    );
    assert.throws(
      () => input.localImage("/a.png", { detail: "medium" as "low" }),
      /detail must be one of auto, low, high, original/,
    );
    assert.throws(() => input.skill("", "/SKILL.md"), /needs the skill's name/);
    assert.throws(
      () => input.text(42 as unknown as string),
      /input\.text\(text\) needs a string, got number/,
    );
  });
});

describe("toUserInput", () => {
  it("turns a string, and strings mixed with items, into UserInput items", () => {
    assert.deepEqual(toUserInput("hello"), [{ type: "text", text: "hello", text_elements: [] }]);
    assert.deepEqual(toUserInput(["look", input.localImage("/a.png"), "and this"]), [
      { type: "text", text: "look", text_elements: [] },
      { type: "localImage", path: "/a.png" },
      { type: "text", text: "and this", text_elements: [] },
    ]);
  });

  it("fills text_elements of a hand-written text item", () => {
    assert.deepEqual(toUserInput([{ type: "text", text: "hi" } as never]), [
      { type: "text", text: "hi", text_elements: [] },
    ]);
  });

  it("refuses wrong shapes before anything is sent", () => {
    const bad = (value: unknown) => () => toUserInput(value as TurnInput);
    assert.throws(bad(42), {
      name: "TypeError",
      message: /must be a string or an array of strings and UserInput/,
    });
    assert.throws(bad([]), /empty array/);
    assert.throws(bad([null]), /item 0 must be a string or a UserInput item/);
    assert.throws(
      bad(["ok", { url: "x" }]),
      /item 1 must be a string or a UserInput item .* without a string type/,
    );
    // The Python SDK's snake_case kind names are a common slip: the error names the camelCase ones.
    assert.throws(
      bad([{ type: "local_image", path: "/a.png" }]),
      /unknown type "local_image"; the kinds are .*localImage/,
    );
    assert.throws(bad([{ type: "image" }]), /item 0 \(type "image"\) needs a string url or fileId/);
    assert.throws(bad([{ type: "skill", name: "x" }]), /item 0 \(type "skill"\) needs a string path/);
    assert.throws(bad([{ type: "text" }]), /needs a string text/);
  });
});
