// What reaches the app-server's environment: the parent's by default, `env` when given, and
// `envFilter` removes what it rejects. The "server" here is a tiny script reporting its env keys.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import "../support/deprecation-guard.js";

const REPORT_ENV = `
process.stdin.once("data", (chunk) => {
  const { id } = JSON.parse(chunk.toString().split("\\n")[0]);
  const keys = Object.keys(process.env).join(",");
  process.stdout.write(JSON.stringify({ id, result: { userAgent: "env/1.0.0 " + keys, codexHome: "/", platformFamily: "unix", platformOs: "linux" } }) + "\\n");
});
`;

async function childEnvKeys(options: Parameters<typeof CodexClient.connectStdio>[0]): Promise<string[]> {
  await using client = CodexClient.connectStdio({
    ...options,
    command: [process.execPath, "-e", REPORT_ENV],
  });
  const info = await client.initialize();
  return info.userAgent.split(" ")[1]?.split(",") ?? [];
}

describe("the app-server's environment", () => {
  const env = { ...process.env, SDK_TEST_API_TOKEN: "s3cret-value" };

  it("is the given env, secrets included, when no filter is set", async () => {
    const keys = await childEnvKeys({ env });
    assert.ok(keys.includes("SDK_TEST_API_TOKEN"));
  });

  it("envFilter removes what it rejects and keeps the rest", async () => {
    const keys = await childEnvKeys({ env, envFilter: (name) => !/TOKEN|SECRET|KEY|PASSWORD/i.test(name) });
    assert.ok(!keys.includes("SDK_TEST_API_TOKEN"));
    assert.ok(keys.includes("PATH"));
  });

  it("an allow-list works too", async () => {
    const keys = await childEnvKeys({ env, envFilter: (name) => ["PATH", "HOME"].includes(name) });
    assert.deepEqual(keys.filter((k) => k !== "HOME").sort(), ["PATH"]);
  });
});
