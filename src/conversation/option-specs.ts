// The keys and value types every thread and turn option takes. Thread and turn settings come from
// the pinned schema (generated), so a field a newer server adds needs no SDK release; the SDK's own
// options are listed here, and `satisfies OptionSpec<…>` fails the typecheck when one is missing.
import {
  checkOptions,
  closest,
  describe,
  isPlainObject,
  nested,
  type AnyOptionSpec,
  type NestedCheck,
  type OptionCheck,
  type OptionKind,
  type OptionSpec,
} from "../internal/option-check.js";
import { PARAM_FIELDS, SANDBOX_POLICY_FIELDS } from "../protocol/generated/param-fields.js";
import type { ChatOnceOptions, ChatOptions, StreamTurnOptions, ThreadSettings } from "./chat-types.js";
import type { ThreadConfig, TurnOverrides } from "./config.js";

type Fields = Readonly<Record<string, readonly string[]>>;

/** The schema's fields as option checks, without the ids the SDK fills in. */
export function fromSchema(fields: Fields, omit: readonly string[] = []): Record<string, OptionCheck> {
  const spec: Record<string, OptionCheck> = {};
  for (const [name, types] of Object.entries(fields))
    if (!omit.includes(name))
      spec[name] = name === "sandboxPolicy" ? SANDBOX_POLICY : (types as OptionKind[]);
  return spec;
}

const SANDBOX_TYPES = Object.keys(SANDBOX_POLICY_FIELDS);

/**
 * A sandbox policy: a variant of the schema (its keys checked), or `null`. A `type` the schema
 * does not know passes as is (a newer server's variant), unless it is a near miss of a known one
 * (`"workspace-write"` for `"workspaceWrite"`).
 */
const SANDBOX_POLICY: NestedCheck = {
  kinds: ["null"],
  sample: { type: "workspaceWrite", writableRoots: [] },
  check(value, at) {
    if (!isPlainObject(value) || typeof value.type !== "string")
      throw new TypeError(
        `${at} must be a sandbox policy object { type: ${SANDBOX_TYPES.join(" | ")}, … } or null, got ` +
          `${isPlainObject(value) ? "an object without a string `type`" : describe(value)}.`,
      );
    const type = value.type;
    const fields = (SANDBOX_POLICY_FIELDS as Readonly<Record<string, Fields>>)[type];
    if (fields) return checkOptions(value, fromSchema(fields), `${at} (type "${type}")`);
    const near = closest(type, SANDBOX_TYPES);
    if (near !== undefined)
      throw new TypeError(`${at}.type "${type}" is not a sandbox policy type; did you mean "${near}"?`);
  },
};

/** `startThread(config)`: every `thread/start` field. */
export const THREAD_CONFIG: AnyOptionSpec = fromSchema(PARAM_FIELDS.ThreadStartParams);
/** `resumeThread(id, config)`: a `ThreadConfig`, plus what `thread/resume` alone takes. */
export const RESUME_CONFIG: AnyOptionSpec = {
  ...THREAD_CONFIG,
  ...fromSchema(PARAM_FIELDS.ThreadResumeParams, ["threadId"]),
};
/** `forkThread(id, config)`: a `ThreadConfig`, plus what `thread/fork` alone takes. */
export const FORK_CONFIG: AnyOptionSpec = {
  ...THREAD_CONFIG,
  ...fromSchema(PARAM_FIELDS.ThreadForkParams, ["threadId"]),
};
/** A turn's `turnOverrides`: every `turn/start` field but the thread and the input. */
export const TURN_OVERRIDES: AnyOptionSpec = fromSchema(PARAM_FIELDS.TurnStartParams, ["threadId", "input"]);
/** `setThreadDefaults(id, settings)`: every `thread/settings/update` field but the thread. */
export const THREAD_SETTINGS: AnyOptionSpec = fromSchema(PARAM_FIELDS.ThreadSettingsUpdateParams, [
  "threadId",
]);

/** Fails the typecheck when the option types and the generated field sets disagree. */
type SameKeys<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : false;
type Assert<T extends true> = T;
export type ThreadConfigMatchesSchema = Assert<
  SameKeys<keyof ThreadConfig, keyof typeof PARAM_FIELDS.ThreadStartParams>
>;
export type TurnOverridesMatchSchema = Assert<
  SameKeys<keyof TurnOverrides, Exclude<keyof typeof PARAM_FIELDS.TurnStartParams, "threadId" | "input">>
>;
export type ThreadSettingsMatchSchema = Assert<
  SameKeys<keyof ThreadSettings, Exclude<keyof typeof PARAM_FIELDS.ThreadSettingsUpdateParams, "threadId">>
>;

const approvalHandler: OptionCheck = {
  kinds: ["function"],
  sample: "hold",
  check(value, at) {
    if (value !== "hold")
      throw new TypeError(`${at} must be a handler function or "hold", got ${describe(value)}.`);
  },
};

/** `chatOnce(input, options)`. */
export const CHAT_ONCE_OPTIONS = {
  threadId: "string",
  threadConfig: nested(RESUME_CONFIG),
  turnOverrides: nested(TURN_OVERRIDES),
  inactivityTimeoutMs: "number",
  modelRetryTimeoutMs: "number",
  continuation: "object",
  signal: "signal",
  keepItems: "number",
  // checked with their own messages by structured-output.ts
  outputSchema: "any",
  jsonSchema: "any",
  approvalHandler,
  approvalTimeoutMs: "number",
} as const satisfies OptionSpec<ChatOnceOptions>;

/** `chat(input, options)`: chatOnce's but structured output. */
export const CHAT_OPTIONS = (({ outputSchema: _o, jsonSchema: _j, ...rest }) => rest)(
  CHAT_ONCE_OPTIONS,
) satisfies OptionSpec<ChatOptions>;

/** `streamTurn(threadId, input, options)`. */
export const STREAM_TURN_OPTIONS = {
  threadConfig: nested(RESUME_CONFIG),
  turnOverrides: nested(TURN_OVERRIDES),
  signal: "signal",
  bufferSize: "number",
  modelRetryTimeoutMs: "number",
  approvalHandler,
  approvalTimeoutMs: "number",
} as const satisfies OptionSpec<StreamTurnOptions>;

/** `listThreads(params)`. */
export const LIST_THREADS_PARAMS: AnyOptionSpec = fromSchema(PARAM_FIELDS.ThreadListParams);
/** `startReview(params)` (`thread.startReview(target)` fills in the thread). */
export const REVIEW_START_PARAMS: AnyOptionSpec = fromSchema(PARAM_FIELDS.ReviewStartParams);

/** `steerTurn(params)`: the fields it passes on. */
export const STEER_TURN_PARAMS = {
  threadId: "string",
  expectedTurnId: "string",
  input: "any",
} as const satisfies OptionSpec<{ threadId: string; expectedTurnId: string; input: unknown }>;

/** `rollbackThread(threadId, options)`. */
export const ROLLBACK_OPTIONS = { numTurns: "number" } as const satisfies OptionSpec<{ numTurns: number }>;

/** `readThread(id, options)`. */
export const READ_THREAD_OPTIONS = { includeTurns: "boolean" } as const satisfies OptionSpec<{
  includeTurns?: boolean;
}>;

/** `cancel(continuation, options)`. */
export const CANCEL_OPTIONS = { timeoutMs: "number" } as const satisfies OptionSpec<{ timeoutMs?: number }>;
