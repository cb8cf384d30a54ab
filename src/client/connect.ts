// How each `connect…` factory builds its transport: command resolution, environment, URLs.
import os from "node:os";
import path from "node:path";
import type { ReconnectOptions } from "../rpc/reconnect.js";
import { StdioTransport } from "../transport/stdio.js";
import type { Transport } from "../transport/transport.js";
import { WebSocketTransport } from "../transport/websocket.js";
import { checkOptions, pickOptions } from "../internal/option-check.js";
import { resolveAppServerCommand } from "./command.js";
import { CLIENT_OPTIONS, STDIO_OPTIONS, UNIX_OPTIONS, WEBSOCKET_OPTIONS } from "./option-specs.js";

// the client's one params check beyond its connect options, reached through this module
export { execParams } from "./option-specs.js";
import type {
  ClientOptions,
  ReconnectSetting,
  StdioConnectOptions,
  UnixConnectOptions,
  WebSocketConnectOptions,
} from "./options.js";

/** A transport, how to make the next one when the connection reconnects, and the client's options. */
export interface ConnectPlan {
  transport: Transport;
  reconnect?: ReconnectOptions | undefined;
  /** The client options among the connect call's (checked, like all of them). */
  options: ClientOptions;
}

/** The child-process transport; resolves the command now, so a missing binary fails fast. */
export function stdioPlan(options: StdioConnectOptions): ConnectPlan {
  checkOptions(options, STDIO_OPTIONS, "connectStdio(options)");
  const env = filterEnv(options.env ?? process.env, options.envFilter);
  const command = resolveAppServerCommand({
    command: options.command,
    env,
    appServerArgs: options.appServerArgs,
  });
  const transport = new StdioTransport({
    file: command.file,
    args: command.args,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    env,
    ...(options.onStderr !== undefined ? { onStderr: options.onStderr } : {}),
    ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
    ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
    ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}),
    ...(options.stderrTailBytes !== undefined ? { stderrTailBytes: options.stderrTailBytes } : {}),
  });
  return { transport, options: pickOptions(options, CLIENT_OPTIONS) };
}

/** A WebSocket transport; the plaintext-remote check runs here, before any socket exists. */
export function webSocketPlan(options: WebSocketConnectOptions): ConnectPlan {
  checkOptions(options, WEBSOCKET_OPTIONS, "connectWebSocket(options)");
  const url = options.url ?? process.env.CODEX_APP_SERVER_WS_URL ?? "ws://127.0.0.1:8765";
  const token = options.token ?? process.env.CODEX_APP_SERVER_TOKEN;
  const make = () =>
    new WebSocketTransport({
      url,
      token,
      headers: options.headers,
      maxMessageBytes: options.maxMessageBytes,
      maxBufferedBytes: options.maxBufferedBytes,
      allowInsecureRemote: options.allowInsecureRemote,
      connectTimeoutMs: options.connectTimeoutMs,
    });
  return {
    transport: make(),
    reconnect: reconnectOptions(options.reconnect, make),
    options: pickOptions(options, CLIENT_OPTIONS),
  };
}

/** WebSocket over a Unix socket (`codex app-server --listen unix://PATH`). */
export function unixPlan(options: UnixConnectOptions): ConnectPlan {
  checkOptions(options, UNIX_OPTIONS, "connectUnix(options)");
  const socketPath = options.socketPath ?? defaultControlSocketPath();
  const make = () =>
    new WebSocketTransport({
      url: `ws+unix://${path.resolve(socketPath)}:/`,
      token: options.token,
      headers: options.headers,
      maxMessageBytes: options.maxMessageBytes,
      maxBufferedBytes: options.maxBufferedBytes,
      connectTimeoutMs: options.connectTimeoutMs,
    });
  return {
    transport: make(),
    reconnect: reconnectOptions(options.reconnect, make),
    options: pickOptions(options, CLIENT_OPTIONS),
  };
}

/** The rpc layer's reconnect options from the connect option (`true` = defaults). */
function reconnectOptions(
  option: ReconnectSetting | undefined,
  transport: () => Transport,
): ReconnectOptions | undefined {
  if (!option) return undefined;
  return {
    transport,
    ...(typeof option === "object" && option.maxAttempts !== undefined
      ? { maxAttempts: option.maxAttempts }
      : {}),
    ...(typeof option === "object" && option.backoffMs !== undefined ? { backoffMs: option.backoffMs } : {}),
  };
}

/** The child's environment: `env`, minus what `envFilter` rejects. */
function filterEnv(
  env: NodeJS.ProcessEnv,
  envFilter: ((name: string, value: string) => boolean) | undefined,
): NodeJS.ProcessEnv {
  if (envFilter === undefined) return env;
  if (typeof envFilter !== "function")
    throw new TypeError("envFilter must be a function (name, value) => boolean.");
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && envFilter(name, value)) kept[name] = value;
  }
  return kept;
}

/** `$CODEX_HOME/app-server-control/app-server-control.sock`, CODEX_HOME defaulting to `~/.codex`. */
export function defaultControlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const home =
    env.CODEX_HOME && env.CODEX_HOME.length > 0 ? env.CODEX_HOME : path.join(os.homedir(), ".codex");
  return path.join(home, "app-server-control", "app-server-control.sock");
}
