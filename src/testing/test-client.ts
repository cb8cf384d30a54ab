import { existsSync } from "node:fs";
import { CodexClient } from "../client/client.js";
import type { StdioConnectOptions } from "../client/options.js";
import type { CodexWarning } from "../client/warnings.js";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";
import {
  createTestCodexHome,
  TEST_CODEX_HOME_OPTIONS,
  type TestCodexHome,
  type TestCodexHomeOptions,
} from "./codex-home.js";
import { MockModelServer, type ModelStep } from "./mock-model-server.js";

/** Options of {@link startTestClient}. */
export interface StartTestClientOptions
  extends Omit<TestCodexHomeOptions, "modelServer">,
    Omit<StdioConnectOptions, "env" | "cwd"> {
  /** The model script (one entry per model step). More can be queued later on `modelServer`. */
  script?: ModelStep[];
  /**
   * Run on this existing home (e.g. `t.home` of an earlier test client) instead of a new one: the
   * new app-server sees the threads and files the earlier one left, which is how a test restarts
   * the app. Its model server comes along. `dispose()` then leaves the home in place. The options
   * that shape a new home (`approvalPolicy`, `sandbox`, `model`, `features`, `extraToml`,
   * `parentDir`) cannot be combined with it.
   */
  home?: TestCodexHome;
  /**
   * Talk to this running model server instead of starting one; `dispose()` then leaves it running.
   * With `home`, it must be the one the home points at (`home.modelServer`), which is the default.
   */
  modelServer?: MockModelServer;
  /**
   * `keepRequests` of the model server this call starts (see `MockModelServer.start`); refused
   * with `home` or `modelServer`, whose model server already runs.
   */
  keepRequests?: number;
}

/** The keys of {@link StartTestClientOptions}: the home's (but the model server), the client's (but env and cwd), the script. */
export const START_TEST_CLIENT_OPTIONS = {
  ...(({ modelServer: _m, ...home }) => home)(TEST_CODEX_HOME_OPTIONS),
  // The client's options (its types are checked again by connectStdio). Listed here, as the
  // testing bundle imports from the SDK only what the package exports; the typecheck keeps the
  // list complete.
  requestTimeoutMs: "number",
  overloadRetry: ["object", "boolean"],
  notificationBufferSize: "number",
  clientInfo: "object",
  experimentalApi: "boolean",
  inactivityTimeoutMs: "number",
  turnBufferSize: "number",
  approvalTimeoutMs: "number",
  approvalBufferSize: "number",
  maxPendingServerRequests: "number",
  capabilities: "object",
  telemetry: ["object", "boolean"],
  command: ["string", "array"],
  appServerArgs: "array",
  envFilter: "function",
  onStderr: "function",
  killGraceMs: "number",
  maxMessageBytes: "number",
  maxBufferedBytes: "number",
  stderrTailBytes: "number",
  modelRetryTimeoutMs: "number",
  script: "array",
  home: "object",
  modelServer: "object",
  keepRequests: "number",
} as const satisfies OptionSpec<StartTestClientOptions>;

/** A started client on the real pinned app-server, wired to a scripted model. */
export interface TestClient extends AsyncDisposable {
  client: CodexClient;
  modelServer: MockModelServer;
  home: TestCodexHome;
  /** The workspace folder (use it as the thread's `cwd`). */
  workspace: string;
  /**
   * The server's warnings (`client.onWarning`), oldest first, the last 100. The kit listens from
   * the start, so they do not become process warnings; on a machine without bubblewrap, the first
   * is the server's `config` warning about it.
   */
  warnings: CodexWarning[];
  /**
   * Closes the client and the app-server, then stops the model server and removes the folders,
   * unless they were passed in (`home`, `modelServer`). Idempotent.
   */
  dispose(): Promise<void>;
}

const KEPT_WARNINGS = 100;
const HOME_SHAPING = ["approvalPolicy", "sandbox", "model", "features", "extraToml", "parentDir"] as const;

/**
 * Starts a {@link MockModelServer}, an isolated CODEX_HOME pointing at it and a real
 * `codex app-server` (the pinned binary) over stdio, and initializes the client. Pass `home`
 * (and its model server) of an earlier test client to start a new app-server on the same state.
 *
 * @example
 * ```ts
 * await using t = await startTestClient({ script: [model.say("hi")] });
 * const { thread } = await t.client.request("thread/start", { cwd: t.workspace });
 * ```
 */
export async function startTestClient(options: StartTestClientOptions = {}): Promise<TestClient> {
  checkOptions(options, START_TEST_CLIENT_OPTIONS, "startTestClient(options)");
  const {
    script = [],
    home: givenHome,
    modelServer: givenModelServer,
    keepRequests,
    approvalPolicy,
    sandbox,
    model,
    features,
    extraToml,
    parentDir,
    ...clientOptions
  } = options;
  if (givenHome !== undefined) checkReusedHome(options, givenHome);
  if ((givenModelServer ?? givenHome) !== undefined && keepRequests !== undefined)
    throw new TypeError(
      "startTestClient: keepRequests applies to a model server it starts; set it on MockModelServer.start(script, { keepRequests }) instead.",
    );
  const modelServer =
    givenModelServer ??
    givenHome?.modelServer ??
    (await MockModelServer.start([], keepRequests !== undefined ? { keepRequests } : {}));
  const ownsModelServer = modelServer !== givenModelServer && modelServer !== givenHome?.modelServer;
  modelServer.enqueue(...script);
  let home: TestCodexHome;
  try {
    home =
      givenHome ??
      createTestCodexHome({
        modelServer,
        ...(approvalPolicy !== undefined ? { approvalPolicy } : {}),
        ...(sandbox !== undefined ? { sandbox } : {}),
        ...(model !== undefined ? { model } : {}),
        ...(features !== undefined ? { features } : {}),
        ...(extraToml !== undefined ? { extraToml } : {}),
        ...(parentDir !== undefined ? { parentDir } : {}),
      });
  } catch (error) {
    if (ownsModelServer) await modelServer.close();
    throw error;
  }
  const warnings: CodexWarning[] = [];
  let client: CodexClient | undefined;
  let disposed: Promise<void> | undefined;
  const dispose = () =>
    (disposed ??= (async () => {
      await client?.close();
      if (ownsModelServer) await modelServer.close();
      if (givenHome === undefined) home.dispose();
    })());
  try {
    // connectStdio checks the nested client options: a refusal stops what was started
    client = CodexClient.connectStdio({ ...clientOptions, env: home.env, cwd: home.workspace });
    client.onWarning((warning) => {
      if (warnings.length >= KEPT_WARNINGS) warnings.shift();
      warnings.push(warning);
    });
    await client.initialize();
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    client,
    modelServer,
    home,
    workspace: home.workspace,
    warnings,
    dispose,
    [Symbol.asyncDispose]: dispose,
  };
}

function checkReusedHome(options: StartTestClientOptions, home: TestCodexHome): void {
  const shaping = HOME_SHAPING.filter((key) => options[key] !== undefined);
  if (shaping.length > 0)
    throw new TypeError(
      `startTestClient: ${shaping.join(", ")} shape a new home and cannot apply to the given one; leave them out, or create the home with them.`,
    );
  if (options.modelServer !== undefined && options.modelServer !== home.modelServer)
    throw new TypeError(
      "startTestClient: the given home points at another model server; leave modelServer out to use home.modelServer.",
    );
  if (!existsSync(home.codexHome))
    throw new TypeError(
      `startTestClient: the given home's folder ${home.codexHome} is gone (was it disposed?). Dispose the earlier test client after the new one.`,
    );
}
