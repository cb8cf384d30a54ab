import type { ClientRequestParams } from "../protocol/index.js";
import type { ThreadStartParams } from "../protocol/generated/v2/ThreadStartParams.js";
import type { TurnStartParams } from "../protocol/generated/v2/TurnStartParams.js";
import type { AskForApproval } from "../protocol/generated/v2/AskForApproval.js";
import type { SandboxPolicy as ProtocolSandboxPolicy } from "../protocol/generated/v2/SandboxPolicy.js";
import type { SandboxMode as ProtocolSandboxMode } from "../protocol/generated/v2/SandboxMode.js";
import type { UserInput } from "../protocol/generated/v2/UserInput.js";

/**
 * When the agent must ask before acting. The schema's values plus `"on-failure"`, which older
 * servers accepted: it is deprecated, still typed here, and refused by codex 0.169 (the SDK then
 * names the field and value in the error).
 */
export type ApprovalPolicy = AskForApproval | "on-failure";

/** Thread-level sandbox mode: `"read-only" | "workspace-write" | "danger-full-access"`. */
export type SandboxMode = ProtocolSandboxMode;

/** A `workspaceWrite` policy where the fields the server defaults may be left out. */
export interface WorkspaceWriteSandboxPolicy {
  type: "workspaceWrite";
  writableRoots?: string[];
  networkAccess?: boolean;
  excludeTmpdirEnvVar?: boolean;
  excludeSlashTmp?: boolean;
}

/** Any sandbox policy object, for server extensions the pinned schema does not know. */
export interface RawSandboxPolicy {
  type: string;
  [field: string]: unknown;
}

/**
 * A turn's sandbox policy: the schema's typed union (with `workspaceWrite` fields optional), or a
 * raw object passed through as is.
 */
export type SandboxPolicy =
  | Exclude<ProtocolSandboxPolicy, { type: "workspaceWrite" }>
  | WorkspaceWriteSandboxPolicy
  | RawSandboxPolicy;

/**
 * Thread-scoped settings, used by `thread/start`, `thread/resume` and `thread/fork`: every
 * `thread/start` field of the pinned schema. `undefined` leaves a field out; `null` sends null.
 */
export type ThreadConfig = Optional<Omit<ThreadStartParams, "approvalPolicy">> & {
  approvalPolicy?: ApprovalPolicy | null | undefined;
};

/** One turn's settings, forwarded to `turn/start`: every field but `threadId` and `input`. */
export type TurnOverrides = Optional<
  Omit<TurnStartParams, "threadId" | "input" | "approvalPolicy" | "sandboxPolicy">
> & {
  approvalPolicy?: ApprovalPolicy | null | undefined;
  sandboxPolicy?: SandboxPolicy | null | undefined;
};

/**
 * Every field optional, and `undefined` accepted (even under `exactOptionalPropertyTypes`): an
 * `undefined` field is left out of the request, `null` is sent as JSON null.
 */
export type Optional<T> = { [K in keyof T]?: T[K] | undefined };

// Turn input lives in input.ts; re-exported here for the modules that import it from config.
export { toUserInput } from "./input.js";
export type { TurnInput } from "./input.js";

/** The requests that carry thread or turn settings. */
export type SettingsMethod =
  | "thread/start"
  | "thread/resume"
  | "thread/fork"
  | "thread/settings/update"
  | "turn/start";

/**
 * The params of a settings-carrying request: `settings` plus the ids. `ThreadConfig`,
 * `TurnOverrides` and `ThreadSettings` are wider than the schema on purpose (`undefined` fields, the
 * deprecated `"on-failure"`, raw sandbox policies); this is the one place they become the
 * request's params type. The server refuses what it does not accept, and that error names the
 * field and value (`errors/from-rpc.ts`).
 */
export function settingsParams<M extends SettingsMethod>(
  _method: M,
  settings: object | undefined,
  ids: { threadId?: string; input?: UserInput[] } = {},
): ClientRequestParams<M> {
  return { ...settings, ...ids } as ClientRequestParams<M>;
}
