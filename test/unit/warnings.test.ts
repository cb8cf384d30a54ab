// client.onWarning: every warning notification of the schema as { kind, summary, details }, and one
// process warning per kind and client when nobody listens.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import type { CodexWarning } from "../../src/client/warnings.js";
import { createFakeServer } from "../support/fake-server.js";

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function fakeClient() {
  const { clientTransport, server } = createFakeServer();
  const client = new CodexClient(clientTransport);
  await client.start();
  return { client, server };
}

/** Collects the process warnings emitted while `run` runs (they are emitted on the next tick). */
async function processWarnings(run: () => Promise<void>): Promise<(Error & { code?: string })[]> {
  const seen: (Error & { code?: string })[] = [];
  const onWarning = (w: Error & { code?: string }) => seen.push(w);
  process.on("warning", onWarning);
  try {
    await run();
    await tick();
    return seen.filter((w) => w.name === "CodexServerWarning");
  } finally {
    process.off("warning", onWarning);
  }
}

const bubblewrap = {
  method: "configWarning",
  params: { summary: "Codex could not find bubblewrap on PATH.", details: null },
};

describe("client.onWarning", () => {
  it("gives each warning notification of the schema a kind, a summary and details", async () => {
    const { client, server } = await fakeClient();
    const seen: CodexWarning[] = [];
    client.onWarning((w) => seen.push(w));
    await server.send({
      method: "configWarning",
      params: { summary: "Unknown key", details: "remove it", path: "/h/config.toml" },
    });
    await server.send({
      method: "deprecationNotice",
      params: { summary: "Full-history hydration is deprecated", details: null },
    });
    await server.send({ method: "warning", params: { threadId: "T1", message: "Falling back to HTTPS" } });
    await server.send({ method: "guardianWarning", params: { threadId: "T2", message: "Risky command" } });
    await server.send({
      method: "windows/worldWritableWarning",
      params: { samplePaths: ["C:\\a", "C:\\b"], extraCount: 3, failedScan: false },
    });
    await tick();
    assert.deepEqual(
      seen.map(({ kind, summary, details, threadId, method }) => ({
        kind,
        summary,
        details,
        threadId,
        method,
      })),
      [
        {
          kind: "config",
          summary: "Unknown key",
          details: "remove it",
          threadId: null,
          method: "configWarning",
        },
        {
          kind: "deprecation",
          summary: "Full-history hydration is deprecated",
          details: null,
          threadId: null,
          method: "deprecationNotice",
        },
        {
          kind: "server",
          summary: "Falling back to HTTPS",
          details: null,
          threadId: "T1",
          method: "warning",
        },
        {
          kind: "guardian",
          summary: "Risky command",
          details: null,
          threadId: "T2",
          method: "guardianWarning",
        },
        {
          kind: "windowsWorldWritable",
          summary: "Some folders are writable by everyone, and the Windows sandbox cannot protect them.",
          details: "C:\\a, C:\\b and 3 more.",
          threadId: null,
          method: "windows/worldWritableWarning",
        },
      ],
    );
    const config = seen[0];
    assert.ok(config?.kind === "config");
    assert.equal(config.params.path, "/h/config.toml", "the notification itself comes along");
    await client.close();
  });

  it("a notification missing its fields still arrives, with a summary that names the method", async () => {
    const { client, server } = await fakeClient();
    const seen: CodexWarning[] = [];
    client.onWarning((w) => seen.push(w));
    await server.send({ method: "deprecationNotice", params: { details: 42 } });
    await tick();
    assert.equal(seen[0]?.summary, "The server sent deprecationNotice without a message.");
    assert.equal(seen[0]?.details, null);
    await client.close();
  });

  it("returns a Subscription: after unsubscribing, the listener hears nothing", async () => {
    const { client, server } = await fakeClient();
    const seen: CodexWarning[] = [];
    client.onWarning(() => {}); // keeps the process warning away
    const off = client.onWarning((w) => seen.push(w));
    await server.send(bubblewrap);
    await tick();
    off();
    await server.send(bubblewrap);
    await tick();
    assert.equal(seen.length, 1);
    assert.equal(typeof off[Symbol.dispose], "function");
    await client.close();
  });

  it("with no listener: one process warning per kind and client, and none while someone listens", async () => {
    const first = await fakeClient();
    const second = await fakeClient();
    const warnings = await processWarnings(async () => {
      await first.server.send(bubblewrap);
      await first.server.send(bubblewrap);
      await first.server.send({
        method: "deprecationNotice",
        params: { summary: "Old call", details: "Use X" },
      });
      await second.server.send(bubblewrap);
    });
    assert.deepEqual(
      warnings.map((w) => w.code),
      ["CODEX_SERVER_WARNING_CONFIG", "CODEX_SERVER_WARNING_DEPRECATION", "CODEX_SERVER_WARNING_CONFIG"],
    );
    assert.match(warnings[0]?.message ?? "", /^codex app-server: Codex could not find bubblewrap.*onWarning/);
    assert.match(warnings[1]?.message ?? "", /Old call Use X/);

    const listening = await fakeClient();
    const heard: string[] = [];
    listening.client.onWarning((w) => heard.push(w.kind));
    const none = await processWarnings(() => listening.server.send(bubblewrap));
    assert.deepEqual(none, []);
    assert.deepEqual(heard, ["config"]);
    await Promise.all([first.client.close(), second.client.close(), listening.client.close()]);
  });

  it("a listener that throws is reported on onError, and the next listener still hears the warning", async () => {
    const { client, server } = await fakeClient();
    const errors: Error[] = [];
    client.onError((e) => errors.push(e));
    const heard: string[] = [];
    client.onWarning(() => {
      throw new Error("listener bug");
    });
    client.onWarning((w) => heard.push(w.summary));
    await server.send(bubblewrap);
    await tick();
    assert.deepEqual(heard, ["Codex could not find bubblewrap on PATH."]);
    assert.match(errors[0]?.message ?? "", /onWarning listener threw/);
    assert.equal((errors[0]?.cause as Error).message, "listener bug");
    await client.close();
  });
});
