// Every public options type has a spec, and every spec refuses what it should: an unknown key (with
// the nearest valid one), a non-object, a wrong type for each key; and takes a valid value for every
// key, every schema field included. The first test reads the types with the TypeScript compiler,
// so an option added to a type without being listed in its spec fails here (as it fails the
// typecheck through `satisfies OptionSpec<…>`).
import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";
import { ACCOUNT_READ_OPTIONS, SIGN_IN_OPTIONS } from "../../src/account/service.js";
import { LOGIN_WAIT_OPTIONS } from "../../src/account/pending-login.js";
import {
  APPROVAL_REQUESTS_OPTIONS,
  APPROVE_OPTIONS,
  PENDING_APPROVALS_OPTIONS,
  RESPOND_OPTIONS,
} from "../../src/approvals/options.js";
import { APPROVAL_RULES_OPTIONS } from "../../src/approvals/rules.js";
import {
  CLIENT_OPTIONS,
  STDIO_OPTIONS,
  UNIX_OPTIONS,
  WEBSOCKET_OPTIONS,
} from "../../src/client/option-specs.js";
import { IMAGE_OPTIONS } from "../../src/conversation/input.js";
import {
  CANCEL_OPTIONS,
  CHAT_ONCE_OPTIONS,
  CHAT_OPTIONS,
  FORK_CONFIG,
  LIST_THREADS_PARAMS,
  READ_THREAD_OPTIONS,
  RESUME_CONFIG,
  REVIEW_START_PARAMS,
  ROLLBACK_OPTIONS,
  STEER_TURN_PARAMS,
  STREAM_TURN_OPTIONS,
  THREAD_CONFIG,
  THREAD_SETTINGS,
  TURN_OVERRIDES,
} from "../../src/conversation/option-specs.js";
import { ATTACH_GOAL_OPTIONS, GOAL_OPTIONS } from "../../src/goals/goal-types.js";
import {
  checkOptions,
  type AnyOptionSpec,
  type OptionCheck,
  type OptionKind,
} from "../../src/internal/option-check.js";
import { PARAM_FIELDS } from "../../src/protocol/generated/param-fields.js";
import { RECONNECT_OPTIONS } from "../../src/rpc/reconnect.js";
import { REQUEST_OPTIONS, RPC_CONNECTION_OPTIONS } from "../../src/rpc/options.js";
import { OVERLOAD_RETRY_OPTIONS } from "../../src/rpc/retry.js";
import { TEST_CODEX_HOME_OPTIONS } from "../../src/testing/codex-home.js";
import { HISTORY_OPTIONS, TURN_HISTORY_OPTIONS } from "../../src/conversation/history.js";
import { TELEMETRY_OPTIONS } from "../../src/telemetry/options.js";
import { THREAD_SEARCH_OPTIONS } from "../../src/conversation/thread-search.js";
import { MOCK_MODEL_SERVER_OPTIONS } from "../../src/testing/mock-model-server.js";
import { LISTENING_APP_SERVER_OPTIONS } from "../../src/testing/listening-app-server.js";
import { START_TEST_CLIENT_OPTIONS } from "../../src/testing/test-client.js";
import { STDIO_TRANSPORT_OPTIONS } from "../../src/transport/stdio.js";
import { WEBSOCKET_TRANSPORT_OPTIONS } from "../../src/transport/websocket.js";

const omit = (spec: AnyOptionSpec, ...keys: string[]): AnyOptionSpec =>
  Object.fromEntries(Object.entries(spec).filter(([k]) => !keys.includes(k)));

/** Each public options type → the spec its calls are checked with. */
const SPECS: Record<string, AnyOptionSpec> = {
  ClientOptions: CLIENT_OPTIONS,
  StdioConnectOptions: STDIO_OPTIONS,
  WebSocketConnectOptions: WEBSOCKET_OPTIONS,
  UnixConnectOptions: UNIX_OPTIONS,
  ThreadConfig: THREAD_CONFIG,
  TurnOverrides: TURN_OVERRIDES,
  ThreadSettings: THREAD_SETTINGS,
  ChatOnceOptions: CHAT_ONCE_OPTIONS,
  ChatOptions: CHAT_OPTIONS,
  // thread.chatOnce passes its options, with the handle's thread id, to chatOnce's check
  ThreadChatOptions: omit(CHAT_ONCE_OPTIONS, "threadId", "threadConfig"),
  StreamTurnOptions: STREAM_TURN_OPTIONS,
  GoalOptions: GOAL_OPTIONS,
  ResumeGoalOptions: GOAL_OPTIONS,
  AttachGoalOptions: ATTACH_GOAL_OPTIONS,
  ApprovalRulesOptions: APPROVAL_RULES_OPTIONS,
  ApproveOptions: APPROVE_OPTIONS,
  RespondOptions: RESPOND_OPTIONS,
  ApprovalRequestsOptions: APPROVAL_REQUESTS_OPTIONS,
  SignInOptions: SIGN_IN_OPTIONS,
  LoginWaitOptions: LOGIN_WAIT_OPTIONS,
  ImageOptions: IMAGE_OPTIONS,
  RequestOptions: REQUEST_OPTIONS,
  RpcConnectionOptions: RPC_CONNECTION_OPTIONS,
  ReconnectOptions: RECONNECT_OPTIONS,
  OverloadRetryOptions: OVERLOAD_RETRY_OPTIONS,
  StdioTransportOptions: STDIO_TRANSPORT_OPTIONS,
  WebSocketTransportOptions: WEBSOCKET_TRANSPORT_OPTIONS,
  TestCodexHomeOptions: TEST_CODEX_HOME_OPTIONS,
  MockModelServerOptions: MOCK_MODEL_SERVER_OPTIONS,
  HistoryOptions: HISTORY_OPTIONS,
  TurnHistoryOptions: TURN_HISTORY_OPTIONS,
  ThreadSearchOptions: THREAD_SEARCH_OPTIONS,
  TelemetryOptions: TELEMETRY_OPTIONS,
  StartTestClientOptions: START_TEST_CLIENT_OPTIONS,
  ListeningAppServerOptions: LISTENING_APP_SERVER_OPTIONS,
};

/** Exported types that are not options objects, though their names say so or they take keys. */
const NOT_OPTIONS = new Set([
  // `boolean | { maxAttempts, backoffMs }`: its object form is checked inside the connect options
  "ReconnectSetting",
]);

/** Specs of calls whose options type is written inline (no exported name). */
const INLINE_SPECS: [string, AnyOptionSpec][] = [
  ["resumeThread(threadId, config)", RESUME_CONFIG],
  ["forkThread(threadId, config)", FORK_CONFIG],
  ["account.read(options)", ACCOUNT_READ_OPTIONS],
  ["pendingApprovals(options)", PENDING_APPROVALS_OPTIONS],
  ["listThreads(params)", LIST_THREADS_PARAMS],
  ["startReview(params)", REVIEW_START_PARAMS],
  ["steerTurn(params)", STEER_TURN_PARAMS],
  ["rollbackThread(threadId, options)", ROLLBACK_OPTIONS],
  ["readThread(threadId, options)", READ_THREAD_OPTIONS],
  ["cancel(continuation, options)", CANCEL_OPTIONS],
];

const root = path.resolve(import.meta.dirname, "..", "..");

/** Each exported options type of the public entry points, with its property names. */
function exportedOptionTypes(): Map<string, string[]> {
  const config = ts.readConfigFile(path.join(root, "tsconfig.json"), (f) => ts.sys.readFile(f));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const entries = [path.join(root, "src", "index.ts"), path.join(root, "src", "testing", "index.ts")];
  const program = ts.createProgram(entries, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const out = new Map<string, string[]>();
  for (const entry of entries) {
    const file = program.getSourceFile(entry);
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    assert.ok(moduleSymbol, `no module symbol for ${entry}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const name = exported.getName();
      const isOptions =
        /Options$/.test(name) || ["ThreadConfig", "TurnOverrides", "ThreadSettings"].includes(name);
      if (!isOptions || NOT_OPTIONS.has(name)) continue;
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const type = checker.getDeclaredTypeOfSymbol(symbol);
      out.set(
        name,
        checker.getPropertiesOfType(type).map((p) => p.getName()),
      );
    }
  }
  return out;
}

describe("every public options type has a complete spec", () => {
  it("lists exactly the type's keys, for every exported options type", () => {
    const types = exportedOptionTypes();
    assert.ok(types.size >= Object.keys(SPECS).length, `found only ${[...types.keys()].join(", ")}`);
    for (const [name, keys] of types) {
      const spec = SPECS[name];
      assert.ok(
        spec,
        `${name} is exported but has no spec: list its keys (OptionSpec<${name}>) and check it at its calls`,
      );
      assert.deepEqual(
        Object.keys(spec).sort(),
        [...keys].sort(),
        `${name}: the spec and the type list different keys`,
      );
    }
    for (const name of Object.keys(SPECS))
      assert.ok(types.has(name), `${name} has a spec but is not exported`);
  });

  it("takes every field of the server's params, from the generated schema", () => {
    const omitIds = (fields: object, ...ids: string[]) => Object.keys(fields).filter((k) => !ids.includes(k));
    assert.deepEqual(Object.keys(THREAD_CONFIG).sort(), omitIds(PARAM_FIELDS.ThreadStartParams).sort());
    for (const key of omitIds(PARAM_FIELDS.ThreadResumeParams, "threadId"))
      assert.ok(key in RESUME_CONFIG, key);
    for (const key of omitIds(PARAM_FIELDS.ThreadForkParams, "threadId")) assert.ok(key in FORK_CONFIG, key);
    assert.deepEqual(
      Object.keys(TURN_OVERRIDES).sort(),
      omitIds(PARAM_FIELDS.TurnStartParams, "threadId", "input").sort(),
    );
    assert.deepEqual(
      Object.keys(THREAD_SETTINGS).sort(),
      omitIds(PARAM_FIELDS.ThreadSettingsUpdateParams, "threadId").sort(),
    );
    // fields the issue names: present, and checked by their JSON type only
    for (const key of ["approvalsReviewer", "personality", "config", "cwd"])
      assert.ok(key in THREAD_CONFIG, key);
  });
});

const SAMPLES: Record<OptionKind, () => unknown> = {
  string: () => "x",
  number: () => 1.5,
  integer: () => 2,
  boolean: () => true,
  null: () => null,
  object: () => ({}),
  array: () => [],
  function: () => () => undefined,
  signal: () => new AbortController().signal,
  any: () => 1,
};

function sample(check: OptionCheck): unknown {
  if (typeof check === "string") return SAMPLES[check]();
  if (Array.isArray(check)) return SAMPLES[(check as readonly OptionKind[])[0] as OptionKind]();
  return (check as { sample: unknown }).sample;
}

const acceptsAnything = (check: OptionCheck) =>
  check === "any" || (Array.isArray(check) && (check as readonly string[]).includes("any"));

describe("each spec refuses what it should and takes what it should", () => {
  for (const [name, spec] of [...Object.entries(SPECS), ...INLINE_SPECS]) {
    it(name, () => {
      const where = `${name}(options)`;
      // a valid value for every key (every schema field included) passes
      const all = Object.fromEntries(Object.entries(spec).map(([k, c]) => [k, sample(c)]));
      checkOptions(all, spec, where);
      // `undefined` leaves any key out
      checkOptions(Object.fromEntries(Object.keys(spec).map((k) => [k, undefined])), spec, where);
      // not an object
      for (const bad of ["hello", 42, [], () => undefined, null])
        assert.throws(() => checkOptions(bad, spec, where), {
          name: "TypeError",
          message: new RegExp(`^${escape(where)} takes an options object, got `),
        });
      for (const [key, check] of Object.entries(spec)) {
        // a near miss names the key it missed
        assert.throws(() => checkOptions({ [`${key}x`]: 1 }, spec, where), {
          name: "TypeError",
          message: `unknown option \`${key}x\` in ${where}; did you mean \`${key}\`?`,
        });
        // a wrong type names the key and what it takes
        if (!acceptsAnything(check))
          assert.throws(() => checkOptions({ [key]: Symbol("wrong") }, spec, where), {
            name: "TypeError",
            message: new RegExp(`^${escape(`${where}.${key}`)} must be .*, got a symbol\\.$`),
          });
      }
    });
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
