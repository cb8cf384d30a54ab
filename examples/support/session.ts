// Shared by the examples: run against your own Codex (default) or, with --mock, against the real
// pinned app-server driven by a scripted model (codex-app-server-sdk/testing), offline.
import { CodexClient, type ClientOptions } from "codex-app-server-sdk";
import { startTestClient, type ModelStep, type StartTestClientOptions } from "codex-app-server-sdk/testing";

/** True when the example was started with `--mock`. */
export const MOCK = process.argv.includes("--mock");

export interface ExampleSession extends AsyncDisposable {
  client: CodexClient;
  /** The folder the agent works in: a scratch workspace with --mock, else the current directory. */
  cwd: string;
}

/**
 * Opens a connected client. `script` is only used with --mock: the model's answers, one per model
 * step, built for the workspace folder.
 */
export async function openSession(
  options: {
    script?: (workspace: string) => ModelStep[];
    client?: ClientOptions;
    mock?: Omit<StartTestClientOptions, keyof ClientOptions | "script">;
  } = {},
): Promise<ExampleSession> {
  if (MOCK) {
    const t = await startTestClient({ ...options.mock, ...options.client });
    t.modelServer.enqueue(...(options.script?.(t.workspace) ?? []));
    return { client: t.client, cwd: t.workspace, [Symbol.asyncDispose]: () => t.dispose() };
  }
  const client = CodexClient.connectStdio(options.client);
  await client.initialize();
  return { client, cwd: process.cwd(), [Symbol.asyncDispose]: () => client.close() };
}
