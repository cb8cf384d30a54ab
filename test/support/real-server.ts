// The set-up most end-to-end suites share: a scripted model, an isolated CODEX_HOME pointing at it,
// and (optionally) a client on the real pinned app-server, registered as node:test hooks.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, afterEach, before, beforeEach } from "node:test";
import { CodexClient } from "../../src/client/client.js";
import { resolveAppServerCommand } from "../../src/client/command.js";
import type { StdioConnectOptions } from "../../src/client/options.js";
import { GENERATED_FROM_CODEX_VERSION } from "../../src/protocol/index.js";
import "./deprecation-guard.js";
import {
  createTestCodexHome,
  MockModelServer,
  type TestCodexHome,
  type TestCodexHomeOptions,
} from "../../src/testing/index.js";

export interface RealServer {
  modelServer: MockModelServer;
  home: TestCodexHome;
  /** The client: one per suite, or a fresh one per test (`client: "per-test"`). */
  client: CodexClient;
}

export interface RealServerOptions {
  home?: Omit<TestCodexHomeOptions, "modelServer">;
  /** `"suite"` (default): one initialized client; `"per-test"`: a new one each test; `"none"`. */
  client?: "suite" | "per-test" | "none";
  clientOptions?: Omit<StdioConnectOptions, "env" | "cwd">;
  /** Fail a test that leaves scripted model steps unused. Default true. */
  checkScriptUsed?: boolean;
}

/** Registers before/after hooks in the current suite; the returned object is filled in `before`. */
export function useRealServer(options: RealServerOptions = {}): RealServer {
  const ctx = {} as RealServer;
  const mode = options.client ?? "suite";
  const connect = async () => {
    ctx.client = CodexClient.connectStdio({
      ...options.clientOptions,
      env: ctx.home.env,
      cwd: ctx.home.workspace,
    });
    await ctx.client.initialize();
  };
  before(async () => {
    ctx.modelServer = await MockModelServer.start();
    ctx.home = createTestCodexHome({ ...options.home, modelServer: ctx.modelServer });
    if (mode === "suite") await connect();
  });
  beforeEach(async () => {
    ctx.modelServer.reset();
    if (mode === "per-test") await connect();
  });
  afterEach(async () => {
    if (mode === "per-test") await ctx.client.close();
    if (options.checkScriptUsed ?? true)
      assert.equal(ctx.modelServer.remaining, 0, "the test left scripted model steps unused");
  });
  after(async () => {
    if (mode === "suite") await ctx.client?.close();
    await ctx.modelServer?.close();
    ctx.home?.dispose();
  });
  return ctx;
}

/**
 * The version the server under test reports (`"0.171.0"`): the pinned one the types were generated
 * from, or, when CODEX_APP_SERVER_CMD points the suite at another release, that binary's own.
 */
export function expectedServerVersion(): string {
  const fromEnv = process.env.CODEX_APP_SERVER_CMD;
  const text =
    fromEnv !== undefined && fromEnv.trim() !== ""
      ? execFileSync(resolveAppServerCommand({}).file, ["--version"], { encoding: "utf8" })
      : GENERATED_FROM_CODEX_VERSION;
  const version = /\d+\.\d+\.\d+(?:-[\w.]+)?/.exec(text)?.[0];
  assert.ok(version, `no version in ${JSON.stringify(text)}`);
  return version;
}

/** Everything an async iterable yields (Node 20 has no `Array.fromAsync`). */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}
