import { CodexError } from "../errors/index.js";
import type { ServerRequestMethod, ServerRequestParams, ServerRequestReply } from "../protocol/index.js";
import type { JsonValue } from "../protocol/generated/serde_json/JsonValue.js";
import type { DynamicToolCallParams } from "../protocol/generated/v2/DynamicToolCallParams.js";
import type { DynamicToolCallResponse } from "../protocol/generated/v2/DynamicToolCallResponse.js";
import type { GrantedPermissionProfile } from "../protocol/generated/v2/GrantedPermissionProfile.js";
import type { RequestPermissionProfile } from "../protocol/generated/v2/RequestPermissionProfile.js";
import { subscription, type Subscription } from "../events/emitter.js";
import { checkOptions } from "../internal/option-check.js";
import type { RequestId } from "../rpc/messages.js";
import type { GuardedRequest, GuardSpec, ServerRequestGuard } from "./guard.js";

/** Passed to every typed server-request hook. */
export interface HookContext {
  /** The server's JSON-RPC id of the request. */
  requestId: RequestId;
  /** Aborted when the answer is no longer wanted: timeout, `serverRequest/resolved`, or close. */
  signal: AbortSignal;
}

/** The shape of every typed hook: the request's params and context in, its reply (or a promise) out. */
export type Hook<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
  context: HookContext,
) => ServerRequestReply<M> | Promise<ServerRequestReply<M>>;

/** Answers `item/permissions/requestApproval`: the granted subset of what was asked, and its scope. */
export type PermissionsHandler = Hook<"item/permissions/requestApproval">;
/** Answers `item/tool/requestUserInput`: an answer per question id. */
export type UserInputHandler = Hook<"item/tool/requestUserInput">;
/** Answers `mcpServer/elicitation/request`. `content` and `_meta` may be left out (sent as null). */
export type ElicitationHandler = (
  params: ServerRequestParams<"mcpServer/elicitation/request">,
  context: HookContext,
) => ElicitationReply | Promise<ElicitationReply>;
export interface ElicitationReply {
  action: "accept" | "decline" | "cancel";
  content?: JsonValue | null;
  _meta?: JsonValue | null;
}

/**
 * Runs one dynamic tool (`item/tool/call`). Return text (a successful result) or the full
 * `{ contentItems, success }` reply.
 */
export type DynamicToolHandler = (
  args: JsonValue,
  call: DynamicToolCallParams & HookContext,
) => string | DynamicToolCallResponse | Promise<string | DynamicToolCallResponse>;

/** The methods with a typed hook and a safe default. */
type GuardedMethod =
  | "item/permissions/requestApproval"
  | "item/tool/requestUserInput"
  | "mcpServer/elicitation/request"
  | "item/tool/call";

interface Spec<M extends ServerRequestMethod> {
  /** The reply when there is no hook, or it failed, timed out or answered something invalid. */
  fallback(params: ServerRequestParams<M>): ServerRequestReply<M>;
  /** The reply to send for what the hook returned, or why it cannot be sent. */
  normalize(params: ServerRequestParams<M>, value: unknown): ServerRequestReply<M> | { invalid: string };
  /** The reply when the client is too busy to run the hook. Default: `fallback`. */
  busy?(params: ServerRequestParams<M>): ServerRequestReply<M>;
}

const DENIED_PERMISSIONS = (): ServerRequestReply<"item/permissions/requestApproval"> => ({
  permissions: {},
  scope: "turn",
});

const SPECS: { [M in GuardedMethod]: Spec<M> } = {
  "item/permissions/requestApproval": {
    fallback: DENIED_PERMISSIONS,
    normalize(params, value) {
      const v = value as Partial<ServerRequestReply<"item/permissions/requestApproval">> | null;
      if (typeof v !== "object" || v === null || typeof v.permissions !== "object" || v.permissions === null)
        return { invalid: "expected { permissions, scope }" };
      if (v.scope !== "turn" && v.scope !== "session")
        return { invalid: `scope must be "turn" or "session", got ${JSON.stringify(v.scope)}` };
      const excess = grantExcess(params.permissions, v.permissions);
      if (excess) return { invalid: `it grants more than was requested: ${excess}` };
      return {
        permissions: v.permissions,
        scope: v.scope,
        ...(v.strictAutoReview !== undefined ? { strictAutoReview: v.strictAutoReview } : {}),
      };
    },
  },
  "item/tool/requestUserInput": {
    fallback: () => ({ answers: {} }),
    normalize(params, value) {
      const answers = (value as { answers?: unknown } | null)?.answers;
      if (typeof answers !== "object" || answers === null || Array.isArray(answers))
        return { invalid: "expected { answers: { [questionId]: { answers: string[] } } }" };
      const ids = new Set(params.questions.map((q) => q.id));
      for (const [id, answer] of Object.entries(answers as Record<string, unknown>)) {
        if (!ids.has(id)) return { invalid: `no question has the id ${JSON.stringify(id)}` };
        const list = (answer as { answers?: unknown } | null)?.answers;
        if (!Array.isArray(list) || !list.every((a) => typeof a === "string"))
          return { invalid: `the answer to ${JSON.stringify(id)} must be { answers: string[] }` };
      }
      return { answers: answers as ServerRequestReply<"item/tool/requestUserInput">["answers"] };
    },
  },
  "mcpServer/elicitation/request": {
    fallback: () => ({ action: "decline", content: null, _meta: null }),
    normalize(_params, value) {
      const v = value as Partial<ElicitationReply> | null;
      if (v?.action !== "accept" && v?.action !== "decline" && v?.action !== "cancel")
        return { invalid: 'expected { action: "accept" | "decline" | "cancel", content? }' };
      return { action: v.action, content: v.content ?? null, _meta: v._meta ?? null };
    },
  },
  "item/tool/call": {
    fallback: (params) => ({
      contentItems: [
        {
          type: "inputText",
          text: `The tool ${JSON.stringify(toolName(params))} is not available in this client.`,
        },
      ],
      success: false,
    }),
    // "Not available" would be untrue of a registered tool: say the client is busy.
    busy: () => ({
      contentItems: [
        {
          type: "inputText",
          text: "The client is busy: too many requests are waiting for an answer. Try again later.",
        },
      ],
      success: false,
    }),
    normalize(_params, value) {
      if (typeof value === "string")
        return { contentItems: [{ type: "inputText", text: value }], success: true };
      const v = value as Partial<DynamicToolCallResponse> | null;
      if (!Array.isArray(v?.contentItems) || typeof v.success !== "boolean")
        return { invalid: "expected a string or { contentItems, success }" };
      return { contentItems: v.contentItems, success: v.success };
    },
  },
};

/** Replies to the legacy approval requests of older protocol versions: always "denied". */
const LEGACY_DENIAL = "Denied by the SDK: register a handler with client.handleRequest() to answer it.";

const toolName = (p: { namespace: string | null; tool: string }) =>
  p.namespace ? `${p.namespace}/${p.tool}` : p.tool;

/**
 * The typed hooks of the server requests other than command and file-change approvals, each with
 * a default that grants nothing: no permissions, no answers, `decline`, "tool not available", and
 * "denied" for the legacy approvals. A hook that throws, times out or answers something the schema
 * does not allow gets the default sent instead, and the error goes to `onError`. Every request
 * runs on the guarded path ({@link ServerRequestGuard}).
 */
export class ServerRequestHooks {
  private readonly hooks = new Map<GuardedMethod, (params: never, context: HookContext) => unknown>();
  private readonly tools = new Map<string, DynamicToolHandler>();

  constructor(
    private readonly guard: ServerRequestGuard,
    options: { timeoutMs?: number | undefined } = {},
  ) {
    for (const method of Object.keys(SPECS) as GuardedMethod[]) {
      const spec = SPECS[method] as unknown as Spec<GuardedMethod>;
      const guardSpec: GuardSpec = {
        fallback: (params) => spec.fallback(params as never),
        ...(spec.busy ? { busy: (params: unknown) => spec.busy?.(params as never) } : {}),
        timeoutMs: () => options.timeoutMs,
        handle: (params, request) => this.run(method, spec, guardSpec, params as never, request),
      };
      guard.define(method, guardSpec);
    }
    const denial = () => ({ decision: { denied: { rejection: LEGACY_DENIAL } } });
    for (const legacy of ["execCommandApproval", "applyPatchApproval"]) {
      guard.define(legacy, { fallback: denial, handle: (_params, request) => request.answer(denial()) });
    }
    // Servers before codex 0.171 ask the client for the time (`currentTime/read`, gone from the
    // pinned schema); the local clock, in whole Unix seconds, grants nothing and keeps them working.
    const now = () => ({ currentTimeAt: Math.floor(Date.now() / 1000) });
    guard.define("currentTime/read", { fallback: now, handle: (_params, request) => request.answer(now()) });
  }

  /** Sets or (with `null`) removes the hook of one guarded method. */
  set(method: Exclude<GuardedMethod, "item/tool/call">, hook: ((...args: never[]) => unknown) | null): void {
    if (hook !== null && typeof hook !== "function") {
      throw new TypeError(`The hook for "${method}" must be a function or null.`);
    }
    if (hook === null) this.hooks.delete(method);
    else this.hooks.set(method, hook as (params: never, context: HookContext) => unknown);
  }

  /** Registers a dynamic tool by name (and namespace). Returns a function that unregisters it. */
  registerTool(
    name: string,
    handler: DynamicToolHandler,
    options: { namespace?: string } = {},
  ): Subscription {
    if (typeof name !== "string" || name === "") throw new TypeError("registerTool needs a tool name.");
    checkOptions(options, { namespace: "string" }, "registerTool(name, handler, options)");
    if (typeof handler !== "function")
      throw new TypeError(`registerTool("${name}") needs a handler function.`);
    const k = toolName({ namespace: options.namespace ?? null, tool: name });
    if (this.tools.has(k))
      throw new CodexError(`A handler for the tool "${k}" is already registered; dispose it first.`);
    this.tools.set(k, handler);
    return subscription(() => {
      if (this.tools.get(k) === handler) this.tools.delete(k);
    });
  }

  private hookFor(
    method: GuardedMethod,
    params: unknown,
  ): ((params: never, ctx: HookContext) => unknown) | undefined {
    if (method !== "item/tool/call") return this.hooks.get(method);
    const call = params as DynamicToolCallParams;
    const tool = this.tools.get(toolName(call));
    return tool && ((_p: never, ctx: HookContext) => tool(call.arguments, { ...call, ...ctx }));
  }

  private run(
    method: GuardedMethod,
    spec: Spec<GuardedMethod>,
    guardSpec: GuardSpec,
    params: never,
    request: GuardedRequest,
  ): void {
    const hook = this.hookFor(method, params);
    if (!hook) {
      request.answer(spec.fallback(params));
      return;
    }
    Promise.resolve()
      .then(() => hook(params, { requestId: request.id, signal: request.signal }))
      .then(
        (value) => {
          if (!request.pending) return;
          const normalized = spec.normalize(params, value);
          if (typeof normalized === "object" && normalized !== null && "invalid" in normalized) {
            this.guard.fail(
              request,
              guardSpec,
              new TypeError(
                `The hook for "${method}" answered wrongly (${normalized.invalid}); sent the safe default.`,
              ),
            );
          } else {
            request.answer(normalized);
          }
        },
        (error: unknown) =>
          this.guard.fail(
            request,
            guardSpec,
            new CodexError(`The hook for "${method}" failed; sent the safe default.`, { cause: error }),
          ),
      );
  }
}

/** What `granted` gives beyond `requested`, or undefined when it is a subset. */
function grantExcess(
  requested: RequestPermissionProfile,
  granted: GrantedPermissionProfile,
): string | undefined {
  if (granted.network?.enabled === true && requested.network?.enabled !== true) return "network access";
  const g = granted.fileSystem;
  if (!g) return undefined;
  const r = requested.fileSystem;
  for (const field of ["read", "write"] as const) {
    const allowed = new Set(r?.[field] ?? []);
    const extra = (g[field] ?? []).find((p) => !allowed.has(p));
    if (extra !== undefined) return `${field} access to ${extra}`;
  }
  const entries = new Set((r?.entries ?? []).map((e) => JSON.stringify(e)));
  const extraEntry = (g.entries ?? []).find((e) => !entries.has(JSON.stringify(e)));
  if (extraEntry !== undefined) return `file-system entry ${JSON.stringify(extraEntry)}`;
  return undefined;
}
