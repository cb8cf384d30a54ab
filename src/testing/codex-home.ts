import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { MockModelServer } from "./mock-model-server.js";
import { withoutTestRunnerEnv } from "./runner-env.js";

/** The approval policies config.toml may hold; see {@link TestCodexHomeOptions.approvalPolicy}. */
export type TestApprovalPolicy = "on-request" | "never";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";

/** Options of {@link createTestCodexHome}. */
export interface TestCodexHomeOptions {
  /** The scripted model the server should talk to. */
  modelServer: MockModelServer;
  /**
   * `approval_policy` in config.toml. Default `"on-request"`. `"untrusted"` is refused with a
   * `TypeError`: the pinned server no longer starts with it in config.toml, and takes it only per
   * thread, so pass it there: `startThread({ cwd, approvalPolicy: "untrusted" })`.
   */
  approvalPolicy?: TestApprovalPolicy;
  /** `sandbox_mode` in config.toml. Default `"read-only"`. */
  sandbox?: "read-only" | "workspace-write" | "danger-full-access";
  /**
   * Model slug. Default `"gpt-5.5"`: a slug from the server's bundled catalog, which offers both the
   * `exec_command` and `apply_patch` tools. An unknown slug gets no `apply_patch`.
   */
  model?: string;
  /** Feature flags for `[features]` (e.g. `{ request_permissions_tool: true }`). */
  features?: Record<string, boolean>;
  /** Extra TOML appended to config.toml. */
  extraToml?: string;
  /** Parent folder. Default: the home directory (the server refuses helper links under /tmp). */
  parentDir?: string;
}

/** The keys of {@link TestCodexHomeOptions}. */
export const TEST_CODEX_HOME_OPTIONS = {
  modelServer: "object",
  approvalPolicy: "string",
  sandbox: "string",
  model: "string",
  features: "object",
  extraToml: "string",
  parentDir: "string",
} as const satisfies OptionSpec<TestCodexHomeOptions>;

/** An isolated CODEX_HOME and workspace, removed by `dispose()`. */
export interface TestCodexHome {
  /** The scripted model its config.toml points at. */
  modelServer: MockModelServer;
  /** The CODEX_HOME folder (holds config.toml, sessions, logs). */
  codexHome: string;
  /** An empty folder to use as the thread's cwd. */
  workspace: string;
  /**
   * `process.env` plus `CODEX_HOME`, and `HOME` set to the test folder: the agent's login shells
   * (`bash -lc`) then read no dotfiles of the machine's user, which keeps commands fast and the
   * test hermetic. The test runner's own variables are left out, so the agent's test commands run
   * as they would outside your test: `NODE_TEST_CONTEXT`, `NODE_V8_COVERAGE`, `JEST_WORKER_ID`,
   * `VITEST` and `VITEST_*`, and node's `--test…` flags in `NODE_OPTIONS`.
   */
  env: NodeJS.ProcessEnv;
  /** Removes both folders. Idempotent. */
  dispose(): void;
  [Symbol.dispose](): void;
}

const tomlString = (value: string) => JSON.stringify(value);

/**
 * Writes a CODEX_HOME whose config points the app-server at `modelServer`, with retries off so a
 * scripted failure surfaces at once. Both folders live outside /tmp (see docs/testing.md).
 */
export function createTestCodexHome(options: TestCodexHomeOptions): TestCodexHome {
  checkOptions(options, TEST_CODEX_HOME_OPTIONS, "createTestCodexHome(options)");
  if (options?.modelServer === undefined)
    throw new TypeError("createTestCodexHome(options) needs `modelServer`, a started MockModelServer.");
  const approvalPolicy = checkApprovalPolicy(options.approvalPolicy);
  const root = mkdtempSync(path.join(options.parentDir ?? os.homedir(), ".codex-sdk-test-"));
  const codexHome = path.join(root, "codex-home");
  const workspace = path.join(root, "workspace");
  mkdirSync(codexHome);
  mkdirSync(workspace);
  const lines = [
    `model = ${tomlString(options.model ?? "gpt-5.5")}`,
    `approval_policy = ${tomlString(approvalPolicy)}`,
    `sandbox_mode = ${tomlString(options.sandbox ?? "read-only")}`,
    `model_provider = "mock_provider"`,
    "",
    "[model_providers.mock_provider]",
    `name = "Mock"`,
    `base_url = ${tomlString(options.modelServer.baseUrl)}`,
    `wire_api = "responses"`,
    "request_max_retries = 0",
    "stream_max_retries = 0",
    "",
  ];
  if (options.features && Object.keys(options.features).length > 0) {
    lines.push("[features]");
    for (const [name, on] of Object.entries(options.features)) lines.push(`${name} = ${on}`);
    lines.push("");
  }
  if (options.extraToml) lines.push(options.extraToml);
  writeFileSync(path.join(codexHome, "config.toml"), lines.join("\n"));
  let disposed = false;
  const dispose = () => {
    if (disposed) return;
    disposed = true;
    rmSync(root, { recursive: true, force: true });
  };
  return {
    modelServer: options.modelServer,
    codexHome,
    workspace,
    env: { ...withoutTestRunnerEnv(process.env), CODEX_HOME: codexHome, HOME: root },
    dispose,
    [Symbol.dispose]: dispose,
  };
}

function checkApprovalPolicy(policy: unknown): TestApprovalPolicy {
  if (policy === undefined) return "on-request";
  if (policy === "on-request" || policy === "never") return policy;
  if (policy === "untrusted")
    throw new TypeError(
      'createTestCodexHome: approvalPolicy "untrusted" cannot go in config.toml (the pinned app-server refuses to start with it). Set it per thread instead: startThread({ cwd, approvalPolicy: "untrusted" }).',
    );
  throw new TypeError(
    `createTestCodexHome: approvalPolicy must be "on-request" or "never", got ${typeof policy === "string" ? JSON.stringify(policy) : typeof policy}. Other policies go per thread: startThread({ cwd, approvalPolicy }).`,
  );
}
