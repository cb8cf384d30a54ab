// AccountService over a fake connection: what the real server cannot show offline (device code, a
// completion that overtakes the reply, a refusal that quotes the API key) and that no listener or
// timer outlives a sign-in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AccountService } from "../../src/account/service.js";
import type { AccountConnection } from "../../src/account/connection.js";
import { CodexError, CodexProtocolError, CodexTimeoutError } from "../../src/errors/index.js";

type Listener = (params: never) => void;

/** A scripted connection: `reply` answers each request; `emit` sends a notification. */
function fakeConnection(reply: (method: string, params: unknown) => unknown) {
  const listeners = new Map<string, Set<Listener>>();
  const closeListeners = new Set<(error?: Error) => void>();
  const sent: { method: string; params: unknown }[] = [];
  const connection: AccountConnection = {
    request: (async (method: string, params: unknown) => {
      sent.push({ method, params });
      return reply(method, params);
    }) as AccountConnection["request"],
    on: ((method: string, listener: Listener) => {
      const set = listeners.get(method) ?? new Set();
      listeners.set(method, set);
      set.add(listener);
      return () => set.delete(listener);
    }) as AccountConnection["on"],
    onClose: (listener) => {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };
  return {
    connection,
    sent,
    emit: (method: string, params: unknown) => {
      for (const l of [...(listeners.get(method) ?? [])]) l(params as never);
    },
    count: () => [...listeners.values()].reduce((n, s) => n + s.size, 0) + closeListeners.size,
  };
}

const completed = (loginId: string | null, success: boolean, error: string | null = null) => ({
  loginId,
  success,
  error,
  onboardingEntrypoint: null,
});

describe("AccountService", () => {
  it("device code: returns the URL and code, settles on its own completion only", async () => {
    const fake = fakeConnection(() => ({
      type: "chatgptDeviceCode",
      loginId: "L1",
      verificationUrl: "https://example.invalid/device",
      userCode: "ABCD-EFGH",
    }));
    const signIn = await new AccountService(fake.connection).loginWithDeviceCode();
    assert.deepEqual(fake.sent, [{ method: "account/login/start", params: { type: "chatgptDeviceCode" } }]);
    assert.equal(signIn.userCode, "ABCD-EFGH");
    assert.equal(signIn.verificationUrl, "https://example.invalid/device");
    assert.equal(fake.count(), 2); // the completion listener and the close listener
    fake.emit("account/login/completed", completed("OTHER", true));
    fake.emit("account/login/completed", completed("L1", false, "expired"));
    assert.deepEqual(await signIn.completed, { loginId: "L1", success: false, error: "expired" });
    assert.equal(fake.count(), 0);
  });

  it("a completion that arrives before the reply is not lost", async () => {
    const fake: ReturnType<typeof fakeConnection> = fakeConnection(() => {
      fake.emit("account/login/completed", completed("L2", true));
      return { type: "chatgpt", loginId: "L2", authUrl: "https://example.invalid/auth" };
    });
    const signIn = await new AccountService(fake.connection).loginWithChatGpt();
    assert.equal((await signIn.completed).success, true);
    assert.equal(fake.count(), 0);
  });

  it("a timed-out wait sends account/login/cancel and leaves no listener", async () => {
    const fake = fakeConnection((method) =>
      method === "account/login/cancel"
        ? { status: "canceled" }
        : { type: "chatgpt", loginId: "L3", authUrl: "https://example.invalid/auth" },
    );
    const signIn = await new AccountService(fake.connection).loginWithChatGpt({ timeoutMs: 20 });
    await assert.rejects(
      signIn.completed,
      (e: unknown) => e instanceof CodexTimeoutError && e.timeoutMs === 20,
    );
    assert.deepEqual(fake.sent.at(-1), { method: "account/login/cancel", params: { loginId: "L3" } });
    assert.equal(fake.count(), 0);
  });

  it("a failed login/start leaves no listener behind", async () => {
    const fake = fakeConnection(() => {
      throw new CodexProtocolError("device code login failed", { code: -32603 });
    });
    await assert.rejects(new AccountService(fake.connection).loginWithDeviceCode(), CodexProtocolError);
    assert.equal(fake.count(), 0);
  });

  it("a login/start reply without a type is a CodexProtocolError and leaves no listener behind", async () => {
    for (const reply of [null, {}, { type: 5 }]) {
      const fake = fakeConnection(() => reply);
      await assert.rejects(
        new AccountService(fake.connection).loginWithChatGpt(),
        (e: unknown) => e instanceof CodexProtocolError && /without a login type/.test(e.message),
      );
      assert.equal(fake.count(), 0);
    }
  });

  it("the API key never appears in an error, in the message or the data", async () => {
    const key = "sk-secret-1234567890";
    const fake = fakeConnection(() => {
      throw new CodexProtocolError(`invalid api key ${key}`, { code: -32600, data: { key }, method: "x" });
    });
    const error = await new AccountService(fake.connection).loginWithApiKey(key).then(
      () => assert.fail("expected a refusal"),
      (e: unknown) => e as CodexProtocolError,
    );
    assert.ok(error instanceof CodexProtocolError);
    assert.equal(error.code, -32600);
    assert.doesNotMatch(`${error.message} ${JSON.stringify(error.data)} ${String(error.cause)}`, /sk-secret/);
    assert.match(error.message, /invalid api key \[redacted\]/);
    assert.equal(fake.count(), 0);
  });

  it("API-key sign-in waits for the completion and reports a failed one", async () => {
    const fake: ReturnType<typeof fakeConnection> = fakeConnection(() => {
      setTimeout(() => fake.emit("account/login/completed", completed(null, false, "disk full")), 5);
      return { type: "apiKey" };
    });
    await assert.rejects(new AccountService(fake.connection).loginWithApiKey("sk-x"), (e: unknown) => {
      assert.ok(e instanceof CodexError);
      assert.match(e.message, /API-key sign-in failed: disk full/);
      return true;
    });
    assert.equal(fake.count(), 0);
    await assert.rejects(new AccountService(fake.connection).loginWithApiKey(" "), TypeError);
  });

  it("read sends {} (the server refuses a missing params) and refreshToken when asked", async () => {
    const fake = fakeConnection(() => ({ account: null, requiresOpenaiAuth: true }));
    const account = new AccountService(fake.connection);
    await account.read();
    await account.read({ refreshToken: true });
    assert.deepEqual(
      fake.sent.map((s) => s.params),
      [{}, { refreshToken: true }],
    );
  });
});
