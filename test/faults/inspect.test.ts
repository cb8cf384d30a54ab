// util.inspect of a client, at any depth and in any state, never shows a token, a secret header
// or an Authorization header.
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { CodexAuthenticationError, CodexTimeoutError, CodexTransportError } from "../../src/errors/index.js";
import { startBlackHole, startSocketFake } from "./socket-fakes.js";
import { guardProcess, STDIO_FAKE } from "./support.js";

guardProcess();

const TOKEN = "tok-SECRET-d41d8cd98f00b204";
const HEADER = "hdr-SECRET-e9800998ecf8427e";

/** Fails if any view of `value` shows a secret. `what` names the state, for the message. */
function assertNothingSecret(value: unknown, what: string): void {
  const views = [
    inspect(value),
    inspect(value, { depth: 3 }),
    inspect(value, { depth: Infinity }),
    inspect(value, { depth: Infinity, showHidden: true }),
  ];
  for (const text of views) {
    assert.doesNotMatch(text, /SECRET/, `${what}: a secret is visible`);
    assert.doesNotMatch(text, /authorization|bearer/i, `${what}: an Authorization header is visible`);
  }
}

function wsClient(
  url: string,
  token: string,
  extra: Parameters<typeof CodexClient.connectWebSocket>[0] = {},
) {
  return CodexClient.connectWebSocket({ url, token, headers: { "X-Extra": HEADER }, ...extra });
}

describe("util.inspect never shows a secret", () => {
  it("WebSocket client: new, connecting, open, after an initialize timeout, after close", async () => {
    const fake = await startSocketFake({ token: TOKEN, silentInitialize: true });
    const client = wsClient(fake.url, TOKEN, { requestTimeoutMs: 200 });
    try {
      assertNothingSecret(client, "new");
      const initializing = client.initialize().catch((e: unknown) => e);
      assertNothingSecret(client, "connecting");
      const error = await initializing;
      assert.ok(error instanceof CodexTimeoutError, String(error));
      assert.equal(fake.authorizations[0], `Bearer ${TOKEN}`, "the token did go on the wire");
      assertNothingSecret(client, "open, after an initialize timeout");
      assertNothingSecret(error, "the timeout error");
    } finally {
      await client.close();
      await fake.close();
    }
    assertNothingSecret(client, "closed");
  });

  it("WebSocket client refused with 401", async () => {
    const fake = await startSocketFake({ token: TOKEN });
    const client = wsClient(fake.url, `${TOKEN}-wrong`);
    try {
      const error = await client.initialize().catch((e: unknown) => e);
      assert.ok(error instanceof CodexAuthenticationError, String(error));
      assertNothingSecret(client, "after 401");
      assertNothingSecret(error, "the 401 error");
    } finally {
      await client.close();
      await fake.close();
    }
    assertNothingSecret(client, "closed after 401");
  });

  it("WebSocket client whose upgrade is never answered (connect timeout)", async () => {
    const hole = await startBlackHole();
    const client = wsClient(hole.url, TOKEN, { connectTimeoutMs: 200 });
    try {
      const initializing = client.initialize().catch((e: unknown) => e);
      await hole.connected;
      assertNothingSecret(client, "upgrade pending");
      const error = await initializing;
      assert.ok(error instanceof CodexTransportError, String(error));
      assertNothingSecret(client, "after connect timeout");
      assertNothingSecret(error, "the connect-timeout error");
    } finally {
      await client.close();
      await hole.close();
    }
  });

  it("Unix-socket client, open and closed", async () => {
    const fake = await startSocketFake({ token: TOKEN, unix: true });
    const client = CodexClient.connectUnix({
      socketPath: fake.socketPath,
      token: TOKEN,
      headers: { "X-Extra": HEADER },
    });
    try {
      await client.initialize();
      assertNothingSecret(client, "unix open");
    } finally {
      await client.close();
      await fake.close();
    }
    assertNothingSecret(client, "unix closed");
  });

  it("stdio client: the child's environment is not shown", async () => {
    const client = CodexClient.connectStdio({
      command: STDIO_FAKE,
      env: { ...process.env, OPENAI_API_KEY: "sk-SECRET-0123456789" },
    });
    try {
      assertNothingSecret(client, "stdio new");
      await client.initialize();
      assertNothingSecret(client, "stdio open");
    } finally {
      await client.close();
    }
    assertNothingSecret(client, "stdio closed");
  });
});
