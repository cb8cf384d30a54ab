import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexTransportError } from "../../src/errors/index.js";
import { checkWebSocketUrl, isLoopbackHost } from "../../src/transport/websocket.js";

describe("WebSocket URL policy", () => {
  it("treats 127.0.0.0/8, ::1 and localhost as loopback, nothing else", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "[::1]", "::1", "localhost", "LOCALHOST"])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ["10.0.0.1", "192.168.1.1", "example.com", "128.0.0.1", "[::2]", "localhost.evil.com"])
      assert.ok(!isLoopbackHost(h), h);
  });

  it("refuses plaintext ws:// to a remote host at construction: nothing is opened or resolved", () => {
    // connectWebSocket throws synchronously, before any socket exists; there is no async step in
    // which a DNS lookup or connection could start.
    assert.throws(
      () => CodexClient.connectWebSocket({ url: "ws://codex.example.com:8765", token: "s3cret-token" }),
      (e: unknown) => {
        assert.ok(e instanceof CodexTransportError);
        assert.match(e.message, /Refusing plaintext ws:\/\//);
        assert.match(e.message, /allowInsecureRemote/);
        assert.doesNotMatch(e.message, /s3cret-token/);
        return true;
      },
    );
  });

  it("allows wss://, ws+unix:// and an explicit opt-in", () => {
    assert.doesNotThrow(() => checkWebSocketUrl("wss://codex.example.com/", false));
    assert.doesNotThrow(() => checkWebSocketUrl("ws+unix:///run/codex.sock:/", false));
    assert.doesNotThrow(() => checkWebSocketUrl("ws://codex.example.com:1/", true));
    assert.throws(() => checkWebSocketUrl("http://127.0.0.1/", false), /Unsupported WebSocket URL scheme/);
    assert.throws(() => checkWebSocketUrl("not a url", false), /Invalid WebSocket URL/);
  });

  it("keeps the token out of util.inspect of the client", async () => {
    const { inspect } = await import("node:util");
    const client = CodexClient.connectWebSocket({ url: "ws://127.0.0.1:1", token: "tok-SECRET-123" });
    assert.doesNotMatch(inspect(client, { depth: 10, showHidden: true }), /tok-SECRET-123/);
  });
});
