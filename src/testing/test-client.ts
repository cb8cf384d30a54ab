import { CodexClient } from "../client/client.js";
import type { StdioConnectOptions } from "../client/options.js";
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
  command: ["string", "array"],
  appServerArgs: "array",
  envFilter: "function",
  onStderr: "function",
  killGraceMs: "number",
  maxMessageBytes: "number",
  maxBufferedBytes: "number",
  stderrTailBytes: "number",
  script: "array",
} as const satisfies OptionSpec<StartTestClientOptions>;

/** A started client on the real pinned app-server, wired to a scripted model. */
export interface TestClient extends AsyncDisposable {
  client: CodexClient;
  modelServer: MockModelServer;
  home: TestCodexHome;
  /** The workspace folder (use it as the thread's `cwd`). */
  workspace: string;
  /** Closes the client, stops the model server, removes the folders. Idempotent. */
  dispose(): Promise<void>;
}

/**
 * Starts a {@link MockModelServer}, an isolated CODEX_HOME pointing at it and a real
 * `codex app-server` (the pinned binary) over stdio, and initializes the client.
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
    approvalPolicy,
    sandbox,
    model,
    features,
    extraToml,
    parentDir,
    ...clientOptions
  } = options;
  const modelServer = await MockModelServer.start(script);
  const home = createTestCodexHome({
    modelServer,
    ...(approvalPolicy !== undefined ? { approvalPolicy } : {}),
    ...(sandbox !== undefined ? { sandbox } : {}),
    ...(model !== undefined ? { model } : {}),
    ...(features !== undefined ? { features } : {}),
    ...(extraToml !== undefined ? { extraToml } : {}),
    ...(parentDir !== undefined ? { parentDir } : {}),
  });
  let client: CodexClient | undefined;
  let disposed: Promise<void> | undefined;
  const dispose = () =>
    (disposed ??= (async () => {
      await client?.close();
      await modelServer.close();
      home.dispose();
    })());
  try {
    // connectStdio checks the nested client options: a refusal stops what was started
    client = CodexClient.connectStdio({ ...clientOptions, env: home.env, cwd: home.workspace });
    await client.initialize();
  } catch (error) {
    await dispose();
    throw error;
  }
  return { client, modelServer, home, workspace: home.workspace, dispose, [Symbol.asyncDispose]: dispose };
}
