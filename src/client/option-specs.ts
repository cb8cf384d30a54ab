// The keys and value types of the connect options, checked before anything starts. Each spec is
// typed `satisfies OptionSpec<…>`: an option added to a type without being listed here fails the
// typecheck.
import { TELEMETRY_OPTIONS } from "../telemetry/options.js";
import { checkOptions, nested, type OptionCheck, type OptionSpec } from "../internal/option-check.js";
import { fromSchema } from "../conversation/option-specs.js";
import { absolutePaths } from "../conversation/paths.js";
import { PARAM_FIELDS } from "../protocol/generated/param-fields.js";
import type { ClientInfo } from "../protocol/generated/ClientInfo.js";
import type { InitializeCapabilities } from "../protocol/generated/InitializeCapabilities.js";
import { OVERLOAD_RETRY_OPTIONS } from "../rpc/retry.js";
import { WEBSOCKET_TRANSPORT_OPTIONS } from "../transport/websocket.js";
import type {
  ClientOptions,
  ReconnectSetting,
  StdioConnectOptions,
  UnixConnectOptions,
  WebSocketConnectOptions,
} from "./options.js";

const CLIENT_INFO = {
  name: "string",
  title: ["string", "null"],
  version: "string",
} as const satisfies OptionSpec<ClientInfo>;

const CAPABILITIES = {
  requiredHumanApproval: "boolean",
  explicitGatewayOauth: "boolean",
  experimentalApi: "boolean",
  requestAttestation: "boolean",
  mcpServerOpenaiFormElicitation: "boolean",
  optOutNotificationMethods: ["array", "null"],
  extensions: ["object", "null"],
} as const satisfies OptionSpec<InitializeCapabilities>;

const RECONNECT: OptionCheck = nested(
  { maxAttempts: "number", backoffMs: "number" } satisfies OptionSpec<Exclude<ReconnectSetting, boolean>>,
  "boolean",
);

/** Options of every connect call and of `new CodexClient(transport, options)`. */
export const CLIENT_OPTIONS = {
  requestTimeoutMs: "number",
  overloadRetry: nested(OVERLOAD_RETRY_OPTIONS, "boolean"),
  notificationBufferSize: "number",
  clientInfo: nested(CLIENT_INFO),
  experimentalApi: "boolean",
  inactivityTimeoutMs: "number",
  modelRetryTimeoutMs: "number",
  turnBufferSize: "number",
  approvalTimeoutMs: "number",
  approvalBufferSize: "number",
  maxPendingServerRequests: "number",
  capabilities: nested(CAPABILITIES),
  telemetry: nested(TELEMETRY_OPTIONS, "boolean"),
} as const satisfies OptionSpec<ClientOptions>;

/** `connectStdio(options)`. */
export const STDIO_OPTIONS = {
  ...CLIENT_OPTIONS,
  command: ["string", "array"],
  appServerArgs: "array",
  cwd: "string",
  env: "object",
  envFilter: "function",
  onStderr: "function",
  killGraceMs: "number",
  maxMessageBytes: "number",
  maxBufferedBytes: "number",
  stderrTailBytes: "number",
} as const satisfies OptionSpec<StdioConnectOptions>;

/** `connectWebSocket(options)`. */
export const WEBSOCKET_OPTIONS = {
  ...CLIENT_OPTIONS,
  ...WEBSOCKET_TRANSPORT_OPTIONS,
  reconnect: RECONNECT,
} as const satisfies OptionSpec<WebSocketConnectOptions>;

/** `connectUnix(options)`. */
export const UNIX_OPTIONS = {
  ...CLIENT_OPTIONS,
  socketPath: "string",
  token: "string",
  headers: "object",
  maxMessageBytes: "number",
  maxBufferedBytes: "number",
  connectTimeoutMs: "number",
  reconnect: RECONNECT,
} as const satisfies OptionSpec<UnixConnectOptions>;

/** `execCommand(command, options)`: the `command/exec` fields but `command`. */
const EXEC_OPTIONS = fromSchema(PARAM_FIELDS.CommandExecParams, ["command"]);

/** The options of `execCommand`, checked, with the sandbox policy's roots made absolute. */
export function execParams<T extends object | undefined>(options: T): T {
  checkOptions(options, EXEC_OPTIONS, "execCommand(command, options)");
  return absolutePaths(options, "CommandExecParams", undefined);
}
