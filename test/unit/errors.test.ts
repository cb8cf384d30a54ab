// The error tree: subclassing, and recognising SDK errors across two copies of the package (an app
// that loads both the ESM and the CommonJS build, or two installed versions).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import * as errors from "../../src/errors/index.js";
import {
  CodexError,
  CodexProtocolError,
  CodexTimeoutError,
  CodexTransportError,
  CodexTurnInactiveError,
  isCodexError,
} from "../../src/errors/index.js";

// A query string makes the loader evaluate the module a second time: a second copy of every class.
const other = (await import(`../../src/errors/index.js?copy=${Date.now()}`)) as typeof errors;
const continuation = { threadId: "T", turnId: "U", cursor: 3, mode: "once" as const };

describe("error tree", () => {
  it("CodexTurnInactiveError is a CodexTimeoutError whose timeoutMs is the inactivity timeout", () => {
    const e = new CodexTurnInactiveError("quiet", continuation, 1234, 1000);
    assert.ok(e instanceof CodexTimeoutError);
    assert.ok(e instanceof CodexError);
    assert.equal(e.timeoutMs, 1000);
    assert.equal(e.idleMs, 1234);
    assert.deepEqual(e.continuation, continuation);
    assert.equal(e.name, "CodexTurnInactiveError");
    assert.equal(new CodexTurnInactiveError("quiet", continuation, 50).timeoutMs, 50);
  });

  it("the brand stays out of inspect output and own enumerable keys", () => {
    const e = new CodexTimeoutError("late", 10);
    assert.doesNotMatch(inspect(e), /codex-app-server-sdk/);
    assert.deepEqual(
      Object.getOwnPropertySymbols(e).filter((s) => Object.prototype.propertyIsEnumerable.call(e, s)),
      [],
    );
  });
});

describe("errors from another copy of the package", () => {
  it("the second copy really has its own classes", () => {
    assert.notEqual(other.CodexError, CodexError);
    const foreign = new other.CodexTimeoutError("late", 5);
    assert.ok(!Object.prototype.isPrototypeOf.call(CodexError.prototype, foreign));
  });

  it("isCodexError recognises SDK errors of either copy and nothing else", () => {
    assert.ok(isCodexError(new other.CodexTransportError("gone")));
    assert.ok(other.isCodexError(new CodexProtocolError("bad", { code: -32600 })));
    assert.ok(!isCodexError(new Error("plain")));
    assert.ok(!isCodexError({ message: "look-alike", name: "CodexError" }));
    assert.ok(!isCodexError(null));
    assert.ok(!isCodexError("CodexError"));
  });

  it("instanceof matches the same class, and its base classes, across copies", () => {
    const foreign = new other.CodexTurnInactiveError("quiet", continuation, 20, 10);
    assert.ok(foreign instanceof CodexTurnInactiveError);
    assert.ok(foreign instanceof CodexTimeoutError);
    assert.ok(foreign instanceof CodexError);
    assert.ok(!(foreign instanceof CodexTransportError));
    assert.ok(!(foreign instanceof CodexProtocolError));
    assert.ok(foreign instanceof Error);
    const mine = new CodexTransportError("gone");
    assert.ok(mine instanceof other.CodexError);
    assert.ok(!(mine instanceof other.CodexTimeoutError));
  });

  it("every SDK error class is recognised across copies (a new class must be named in the registry)", () => {
    const classes = Object.entries(errors).filter(
      (entry): entry is [string, typeof CodexError] =>
        typeof entry[1] === "function" &&
        (entry[1] === CodexError || entry[1].prototype instanceof CodexError),
    );
    assert.ok(classes.length >= 10);
    for (const [name, cls] of classes) {
      const foreignCls = (other as unknown as Record<string, new (...args: never[]) => unknown>)[name];
      assert.ok(foreignCls, name);
      // Construct with throwaway arguments: the constructors only store them.
      const foreign = Reflect.construct(foreignCls, ["m", 1, 1]) as object;
      assert.ok(foreign instanceof cls, `${name} of another copy is not instanceof ${name}`);
    }
  });

  it("a class the user derives keeps the ordinary prototype check", () => {
    class MyTimeout extends CodexTimeoutError {}
    assert.ok(!(new CodexTimeoutError("x", 1) instanceof MyTimeout));
    assert.ok(!(new other.CodexTimeoutError("x", 1) instanceof MyTimeout));
    assert.ok(new MyTimeout("x", 1) instanceof MyTimeout);
    assert.ok(new MyTimeout("x", 1) instanceof other.CodexTimeoutError);
  });
});
