import { existsSync } from "node:fs";
import path from "node:path";
import { CodexError } from "../errors/index.js";
import { shellSplit } from "../internal/shell-split.js";
import { checkOptions } from "../internal/option-check.js";
import { findPinnedCodexBinary, PINNED_CODEX_PACKAGE } from "./pinned-binary.js";

export { shellSplit, findPinnedCodexBinary };

/** Where the app-server command came from; useful in diagnostics. */
export type AppServerCommandSource = "option" | "env" | "pinned-package" | "path";

/** A resolved, spawnable app-server command line. */
export interface ResolvedCommand {
  file: string;
  args: string[];
  source: AppServerCommandSource;
}

function findOnPath(name: string, envPath: string | undefined): string | undefined {
  if (!envPath) return undefined;
  const exts = process.platform === "win32" ? [".exe", ".cmd", ""] : [""];
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

const COMMAND_OPTIONS = { command: ["string", "array"], env: "object", appServerArgs: "array" } as const;

/**
 * Decides which app-server to start, in this order:
 * 1. the `command` option (a command line string, shell-split, or an argv array);
 * 2. the `CODEX_APP_SERVER_CMD` environment variable (shell-split);
 * 3. the pinned `@openai/codex` package's binary, run as `codex app-server`;
 * 4. `codex` on `PATH`, run as `codex app-server`.
 */
export function resolveAppServerCommand(options: {
  command?: string | readonly string[] | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Extra arguments appended after `app-server` (only for the pinned binary / PATH cases). */
  appServerArgs?: readonly string[] | undefined;
}): ResolvedCommand {
  checkOptions(options, COMMAND_OPTIONS, "resolveAppServerCommand(options)");
  const env = options.env ?? process.env;
  if (options.command !== undefined) {
    const argv = typeof options.command === "string" ? shellSplit(options.command) : [...options.command];
    const [file, ...args] = argv;
    if (!file)
      throw new CodexError("The `command` option is empty: give the app-server command line to run.");
    return { file, args, source: "option" };
  }
  const fromEnv = env.CODEX_APP_SERVER_CMD;
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const [file, ...args] = shellSplit(fromEnv);
    if (!file) throw new CodexError("CODEX_APP_SERVER_CMD is empty.");
    return { file, args, source: "env" };
  }
  const extra = options.appServerArgs ?? [];
  const pinned = findPinnedCodexBinary();
  if (pinned) return { file: pinned, args: ["app-server", ...extra], source: "pinned-package" };
  const onPath = findOnPath("codex", env.PATH);
  if (onPath) return { file: onPath, args: ["app-server", ...extra], source: "path" };
  throw new CodexError(
    "Cannot find a codex app-server to start. Do one of: " +
      "(1) pass the `command` option, e.g. connectStdio({ command: 'codex app-server' }); " +
      "(2) set CODEX_APP_SERVER_CMD to the command line; " +
      `(3) install the pinned package with \`npm install ${PINNED_CODEX_PACKAGE}\` ` +
      "(its platform binary is an optional dependency, so do not use --no-optional), " +
      "or put `codex` on PATH.",
  );
}
