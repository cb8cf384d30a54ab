// Sign-in and account against the real app-server, offline: API-key sign-in and read-back, logout,
// a ChatGPT sign-in started and cancelled (its callback port on 127.0.0.1 opens and closes; the URL
// is never opened), and waits that end on timeout and on close. Device-code sign-in asks OpenAI for
// a code, so it is only tested in test/unit/account.test.ts.
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, it } from "node:test";
import { useRealServer } from "../support/real-server.js";
import { CodexTimeoutError, CodexTransportError } from "../../src/errors/index.js";
import type { AccountUpdatedNotification } from "../../src/protocol/generated/v2/AccountUpdatedNotification.js";

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Polls until `listening(port)` is `want` (bounded). */
async function untilListening(port: number, want: boolean): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if ((await listening(port)) === want) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/** The local port the server waits on for the browser, read from the URL's redirect_uri. */
function callbackPort(authUrl: string): number {
  const redirect = new URL(new URL(authUrl).searchParams.get("redirect_uri") ?? "");
  assert.equal(redirect.hostname, "127.0.0.1");
  return Number(redirect.port);
}

describe("client.account against the real app-server", () => {
  // account/read reports an account only when the provider requires OpenAI auth. extraToml lands
  // at the end of config.toml, inside the mock provider's table.
  const rs = useRealServer({ client: "per-test", home: { extraToml: "requires_openai_auth = true\n" } });

  it("API-key sign-in reads back as an apiKey account; logout signs out and deletes auth.json", async () => {
    const updates: AccountUpdatedNotification[] = [];
    const off = rs.client.account.onUpdated((u) => updates.push(u));
    const authFile = path.join(rs.home.codexHome, "auth.json");
    const before = await rs.client.account.read();
    assert.equal(before.account, null);
    assert.equal(before.requiresOpenaiAuth, true);

    await rs.client.account.loginWithApiKey("sk-test-not-a-real-key");
    assert.deepEqual((await rs.client.account.read()).account, { type: "apiKey" });
    assert.ok(existsSync(authFile));

    await rs.client.account.logout();
    assert.equal((await rs.client.account.read()).account, null);
    assert.equal(existsSync(authFile), false);
    off();
    assert.deepEqual(
      updates.map((u) => u.authMode),
      ["apikey", null],
    );
  });

  it("a ChatGPT sign-in gives the URL, listens on 127.0.0.1, and cancel ends it and frees the port", async () => {
    const signIn = await rs.client.account.loginWithChatGpt();
    assert.match(signIn.authUrl, /^https:\/\/auth\.openai\.com\/oauth\/authorize\?/);
    const port = callbackPort(signIn.authUrl);
    assert.ok(await untilListening(port, true), `nothing listens on 127.0.0.1:${port}`);

    assert.equal(await signIn.cancel(), "canceled");
    const completion = await signIn.completed;
    assert.equal(completion.loginId, signIn.loginId);
    assert.equal(completion.success, false);
    assert.ok(await untilListening(port, false), `127.0.0.1:${port} still listens after cancel`);
    assert.equal(await rs.client.account.cancelLogin(signIn.loginId), "notFound");
    assert.equal((await rs.client.account.read()).account, null);
  });

  it("a sign-in nobody finishes times out with CodexTimeoutError and is cancelled on the server", async () => {
    const signIn = await rs.client.account.loginWithChatGpt({ timeoutMs: 300 });
    const port = callbackPort(signIn.authUrl);
    const error = await signIn.completed.then(
      () => assert.fail("expected a timeout"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof CodexTimeoutError);
    assert.equal(error.timeoutMs, 300);
    // The SDK sent account/login/cancel: the server no longer knows it and freed its port.
    assert.ok(await untilListening(port, false), `127.0.0.1:${port} still listens after the timeout`);
    assert.equal(await rs.client.account.cancelLogin(signIn.loginId), "notFound");
  });

  it("an AbortSignal ends the wait; closing the client ends another", async () => {
    const controller = new AbortController();
    const first = await rs.client.account.loginWithChatGpt({ signal: controller.signal });
    controller.abort();
    await assert.rejects(first.completed, { name: "CodexAbortError" });

    const second = await rs.client.account.loginWithChatGpt();
    await rs.client.close();
    await assert.rejects(second.completed, CodexTransportError);
  });

  it("methods whose params are optional are in the typed map and may be called without params", async () => {
    // Generated from `params?: X | undefined` (and `| null`) members of the schema's union, which
    // the generator used to skip: these calls did not type-check before.
    const gateway = await rs.client.request("account/gatewayOAuth/read");
    assert.equal(gateway.providerId, "mock_provider");
    assert.equal(typeof gateway.required, "boolean");
    // Rate limits and usage need a ChatGPT account: the real server says so, for the typed call too.
    await assert.rejects(
      rs.client.request("account/rateLimits/read"),
      /authentication required to read rate limits/,
    );
    await assert.rejects(
      rs.client.request("account/usage/read", {}),
      /authentication required to read token usage/,
    );
  });
});
