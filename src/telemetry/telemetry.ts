// OpenTelemetry spans and metrics of what a client's agent does. It observes what the client
// already emits (notifications, settled approvals) plus one hook on outgoing requests, which
// starts the turn and goal spans at call time and fills each request's JSON-RPC `trace` field.
import type { Attributes, Context, Span, Tracer } from "@opentelemetry/api";
import type { ApprovalSettledRecord } from "../approvals/requests.js";
import type { Subscription } from "../events/emitter.js";
import { sdkPackageInfo } from "../internal/package-info.js";
import type { NotificationListener } from "../rpc/notifications.js";
import type { ConnectionObserver, RequestObservation, TraceContext } from "../rpc/options.js";
import { loadOpenTelemetryApi, type OpenTelemetryApi } from "./load.js";
import { createInstruments, recordTurn, type TelemetryInstruments } from "./metrics.js";
import type { TelemetrySetting } from "./options.js";
import { asToolItem, toolEndAttributes, toolStartAttributes } from "./tool-items.js";
import { GoalSpans, type OpenGoal } from "./goal-spans.js";
import { approvalAttributes } from "./approval-spans.js";
import { BoundedSpans } from "./bounded-spans.js";

/** What telemetry needs of a client: its connection's hooks and its settled approvals. */
export interface TelemetryPort {
  setObserver(observer: ConnectionObserver | undefined): void;
  onAnyNotification(listener: NotificationListener): Subscription;
  onClose(listener: () => void): Subscription;
  onApprovalSettled(listener: (record: ApprovalSettledRecord) => void): Subscription;
}

interface OpenTurn {
  span: Span;
  threadId: string;
  turnId?: string;
  startedAt: number;
  model?: string;
  usageBase?: { input: number; output: number };
  usage?: { input: number; output: number };
  lastText?: string;
  /** The server's error while it retries the model with no progress since (cleared by any item). */
  retrying?: string;
}

interface ThreadFacts {
  model?: string;
  provider?: string;
  /** The thread's cumulative usage as last reported, to derive each turn's own. */
  total?: { input: number; output: number };
}

type Params = Record<string, unknown> & { threadId?: string; turnId?: string };

/** Loads `@opentelemetry/api` (or throws the `TypeError` saying what to install) and starts observing. */
export function attachTelemetry(setting: TelemetrySetting, port: TelemetryPort): void {
  checkSetting(setting);
  new ClientTelemetry(loadOpenTelemetryApi(), setting === true ? {} : setting, port);
}

/** A `TypeError` for a setting that is not `true` or `{ tracer?, meter?, captureContent? }` of the right kinds. */
function checkSetting(setting: unknown): asserts setting is TelemetrySetting {
  const hint = "Pass `telemetry: true` or `{ tracer?, meter?, captureContent? }`.";
  if (setting === true) return;
  if (typeof setting !== "object" || setting === null || Array.isArray(setting))
    throw new TypeError(`telemetry must be true or an options object, got ${typeof setting}. ${hint}`);
  const { tracer, meter, captureContent } = setting as Record<string, unknown>;
  if (tracer !== undefined && typeof (tracer as { startSpan?: unknown } | null)?.startSpan !== "function")
    throw new TypeError(
      `telemetry.tracer must be an OpenTelemetry Tracer (e.g. trace.getTracer("my-app")). ${hint}`,
    );
  const m = meter as { createHistogram?: unknown; createCounter?: unknown } | null;
  if (
    meter !== undefined &&
    (typeof m?.createHistogram !== "function" || typeof m.createCounter !== "function")
  )
    throw new TypeError(
      `telemetry.meter must be an OpenTelemetry Meter (e.g. metrics.getMeter("my-app")). ${hint}`,
    );
  if (captureContent !== undefined && typeof captureContent !== "boolean")
    throw new TypeError(`telemetry.captureContent must be a boolean. ${hint}`);
}

class ClientTelemetry {
  readonly #api: OpenTelemetryApi;
  readonly #tracer: Tracer;
  readonly #instruments: TelemetryInstruments;
  readonly #content: boolean;
  readonly #threads = new Map<string, ThreadFacts>();
  /** Turns whose `turn/start` is on the wire, by thread, until their id is known. */
  readonly #starting: BoundedSpans<OpenTurn>;
  readonly #turns: BoundedSpans<OpenTurn>;
  readonly #tools: BoundedSpans<{ span: Span }>;
  readonly #goals: GoalSpans;

  constructor(api: OpenTelemetryApi, options: Exclude<TelemetrySetting, true>, port: TelemetryPort) {
    this.#api = api;
    const { name, version } = sdkPackageInfo();
    this.#tracer = (options.tracer as Tracer | undefined) ?? api.trace.getTracer(name, version);
    this.#instruments = createInstruments(
      (options.meter as Parameters<typeof createInstruments>[0] | undefined) ??
        api.metrics.getMeter(name, version),
    );
    this.#content = options.captureContent === true;
    const endTurn = (t: OpenTurn) => this.#endTurn(t, "codex.telemetry.evicted");
    this.#starting = new BoundedSpans(endTurn);
    this.#turns = new BoundedSpans(endTurn);
    this.#tools = new BoundedSpans((t) => t.span.end());
    this.#goals = new GoalSpans(api, this.#tracer, this.#content);
    // Messages are dispatched outside any trace context: a transport's callbacks would otherwise run
    // in the context active when it started, and a request sent from a listener would join that trace.
    port.setObserver({
      request: (method, params) => this.#observe(method, params as Params | undefined),
      dispatch: (run) => api.context.with(api.ROOT_CONTEXT, run),
    });
    port.onAnyNotification((params, method) => this.#notified(method, (params ?? {}) as Params));
    port.onApprovalSettled((record) => this.#approvalSettled(record));
    port.onClose(() => this.#closed());
  }

  // ------------------------------------------------------------------------------ outgoing requests

  #observe(method: string, params: Params | undefined): RequestObservation | undefined {
    const threadId = typeof params?.threadId === "string" ? params.threadId : undefined;
    if (method === "turn/start" && threadId) return this.#turnStart(threadId, params as Params);
    if (method === "thread/goal/set" && threadId) {
      const goal = this.#goals.startIfNew(threadId, params as { objective?: unknown; status?: unknown });
      if (goal) return this.#goalStart(goal);
    }
    if (method === "thread/start" || method === "thread/resume" || method === "thread/fork") {
      return {
        trace: this.#traceOf(this.#api.context.active()),
        settled: (_, result) => this.#threadOpened(result),
      };
    }
    const trace = this.#traceOf(this.#api.context.active());
    return trace ? { trace } : undefined;
  }

  #turnStart(threadId: string, params: Params): RequestObservation {
    const facts = this.#facts(threadId);
    if (typeof params.model === "string") facts.model = params.model;
    const goal = this.#goals.open(threadId);
    const parent = this.#api.trace.getSpan(this.#api.context.active())
      ? this.#api.context.active()
      : goal
        ? this.#api.trace.setSpan(this.#api.ROOT_CONTEXT, goal.span)
        : this.#api.context.active();
    const turn = this.#openTurn(threadId, parent);
    if (this.#content) turn.span.setAttribute("gen_ai.input.messages", inputMessages(params.input));
    this.#starting.set(threadId, turn);
    return {
      trace: this.#traceOf(this.#api.trace.setSpan(parent, turn.span)),
      settled: (error, result) => {
        if (this.#starting.get(threadId) === turn) this.#starting.delete(threadId);
        if (error !== undefined) {
          if (turn.turnId === undefined) this.#endTurn(turn, errorName(error));
          return;
        }
        const turnId = (result as { turn?: { id?: unknown } } | null)?.turn?.id;
        if (typeof turnId === "string") this.#bind(turn, turnId);
      },
    };
  }

  #goalStart(goal: OpenGoal): RequestObservation {
    return {
      trace: this.#traceOf(this.#api.trace.setSpan(this.#api.context.active(), goal.span)),
      settled: (error) => {
        if (error !== undefined) this.#goals.end(goal.threadId, errorName(error));
      },
    };
  }

  #threadOpened(result: unknown): void {
    const r = result as { thread?: { id?: unknown }; model?: unknown; modelProvider?: unknown } | null;
    if (typeof r?.thread?.id !== "string") return;
    const facts = this.#facts(r.thread.id);
    if (typeof r.model === "string") facts.model = r.model;
    if (typeof r.modelProvider === "string") facts.provider = r.modelProvider;
  }

  // ---------------------------------------------------------------------------------- notifications

  #notified(method: string, params: Params): void {
    switch (method) {
      case "turn/started":
        return this.#turnStarted(params);
      case "item/started":
        return this.#itemStarted(params);
      case "item/completed":
        return this.#itemCompleted(params);
      case "thread/tokenUsage/updated":
        return this.#usage(params);
      case "turn/completed":
        return this.#turnCompleted(params);
      case "error":
        return this.#error(params);
      case "thread/goal/updated":
      case "thread/goal/cleared":
        if (typeof params.threadId === "string") {
          const busy = [...this.#turns.values()].some((t) => t.threadId === params.threadId);
          this.#goals.updated(params.threadId, method, params.goal, busy);
        }
        return;
    }
  }

  #turnStarted(params: Params): void {
    const turnId = (params.turn as { id?: unknown } | undefined)?.id;
    if (typeof params.threadId !== "string" || typeof turnId !== "string" || this.#turns.get(turnId)) return;
    const threadId = params.threadId;
    this.#goals.turnStarted(threadId);
    const starting = this.#starting.get(threadId);
    if (starting) {
      this.#starting.delete(threadId);
      this.#bind(starting, turnId);
      return;
    }
    // A turn the runtime started itself (a goal's) or another client's: under the goal, if any.
    const goal = this.#goals.open(threadId);
    const parent = goal ? this.#api.trace.setSpan(this.#api.ROOT_CONTEXT, goal.span) : this.#api.ROOT_CONTEXT;
    this.#bind(this.#openTurn(threadId, parent), turnId);
  }

  #openTurn(threadId: string, parent: Context): OpenTurn {
    const facts = this.#facts(threadId);
    const attributes: Attributes = {
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.provider.name": facts.provider ?? "openai",
      "gen_ai.agent.name": "codex",
      "gen_ai.conversation.id": threadId,
    };
    if (facts.model) attributes["gen_ai.request.model"] = facts.model;
    const span = this.#tracer.startSpan(
      "invoke_agent codex",
      { kind: this.#api.SpanKind.CLIENT, attributes },
      parent,
    );
    return { span, threadId, startedAt: performance.now(), ...(facts.model ? { model: facts.model } : {}) };
  }

  #bind(turn: OpenTurn, turnId: string): void {
    if (turn.turnId !== undefined) return;
    const existing = this.#turns.get(turnId);
    if (existing && existing !== turn) {
      // A busy thread took the text into its running turn: that turn's span stands for both.
      turn.span.setAttribute("codex.turn.id", turnId);
      turn.span.end();
      return;
    }
    turn.turnId = turnId;
    turn.span.setAttribute("codex.turn.id", turnId);
    this.#turns.set(turnId, turn);
  }

  #itemStarted(params: Params): void {
    if (typeof params.turnId === "string") this.#progress(params.turnId);
    const item = asToolItem(params.item);
    if (!item) return;
    const turn = typeof params.turnId === "string" ? this.#turns.get(params.turnId) : undefined;
    const parent = turn ? this.#api.trace.setSpan(this.#api.ROOT_CONTEXT, turn.span) : this.#api.ROOT_CONTEXT;
    const attributes = toolStartAttributes(item, this.#content);
    const span = this.#tracer.startSpan(
      `execute_tool ${String(attributes["gen_ai.tool.name"])}`,
      { kind: this.#api.SpanKind.INTERNAL, attributes },
      parent,
    );
    if (typeof params.threadId === "string") span.setAttribute("gen_ai.conversation.id", params.threadId);
    this.#tools.set(item.id, { span });
  }

  #progress(turnId: string): void {
    const turn = this.#turns.get(turnId);
    if (turn) delete turn.retrying;
  }

  #itemCompleted(params: Params): void {
    if (typeof params.turnId === "string") this.#progress(params.turnId);
    const item = params.item as { type?: unknown; id?: unknown; text?: unknown } | undefined;
    if (item?.type === "agentMessage" && typeof item.text === "string" && typeof params.turnId === "string") {
      const turn = this.#turns.get(params.turnId);
      if (turn) turn.lastText = item.text;
      return;
    }
    const tool = asToolItem(item);
    const open = tool ? this.#tools.get(tool.id) : undefined;
    if (!tool || !open) return;
    this.#tools.delete(tool.id);
    const { attributes, error } = toolEndAttributes(tool, this.#content);
    open.span.setAttributes(attributes);
    if (error) {
      open.span.setAttribute("error.type", error);
      open.span.setStatus({ code: this.#api.SpanStatusCode.ERROR });
    }
    open.span.end();
  }

  #usage(params: Params): void {
    const usage = params.tokenUsage as { total?: Breakdown; last?: Breakdown } | undefined;
    if (typeof params.threadId !== "string" || !usage?.total) return;
    const facts = this.#facts(params.threadId);
    const total = { input: usage.total.inputTokens, output: usage.total.outputTokens };
    const turn = typeof params.turnId === "string" ? this.#turns.get(params.turnId) : undefined;
    if (turn) {
      turn.usageBase ??= facts.total ?? {
        input: total.input - (usage.last?.inputTokens ?? 0),
        output: total.output - (usage.last?.outputTokens ?? 0),
      };
      turn.usage = {
        input: total.input - turn.usageBase.input,
        output: total.output - turn.usageBase.output,
      };
    }
    facts.total = total;
  }

  #error(params: Params): void {
    const turn = typeof params.turnId === "string" ? this.#turns.get(params.turnId) : undefined;
    if (!turn) return;
    const error = params.error as { codexErrorInfo?: unknown } | undefined;
    const type = codexErrorType(error?.codexErrorInfo) ?? "error";
    // A turn interrupted in a run of retries (the SDK's modelRetryTimeoutMs, or a person giving up)
    // ended because its model could not be reached: that error is its error.type.
    if (params.willRetry === true) turn.retrying = type;
    turn.span.addEvent("codex.error", {
      "error.type": type,
      "codex.error.will_retry": params.willRetry === true,
    });
  }

  #turnCompleted(params: Params): void {
    const t = params.turn as { id?: unknown; status?: unknown; error?: { codexErrorInfo?: unknown } | null };
    if (typeof t?.id !== "string") return;
    const turn = this.#turns.get(t.id);
    if (turn) {
      const status = typeof t.status === "string" ? t.status : "completed";
      turn.span.setAttribute("codex.turn.status", status);
      const error =
        status === "failed"
          ? (codexErrorType(t.error?.codexErrorInfo) ?? "failed")
          : status === "interrupted"
            ? (turn.retrying ?? "interrupted")
            : undefined;
      this.#endTurn(turn, error);
    }
    if (typeof params.threadId === "string")
      this.#goals.turnCompleted(params.threadId, typeof t.status === "string" ? t.status : undefined);
  }

  #endTurn(turn: OpenTurn, error: string | undefined): void {
    if (turn.turnId !== undefined) this.#turns.delete(turn.turnId);
    const span = turn.span;
    if (turn.usage) {
      span.setAttribute("gen_ai.usage.input_tokens", turn.usage.input);
      span.setAttribute("gen_ai.usage.output_tokens", turn.usage.output);
    }
    if (this.#content && turn.lastText !== undefined)
      span.setAttribute("gen_ai.output.messages", outputMessages(turn.lastText));
    const metricAttributes: Attributes = {
      "gen_ai.operation.name": "invoke_agent",
      "gen_ai.provider.name": this.#facts(turn.threadId).provider ?? "openai",
    };
    if (turn.model) metricAttributes["gen_ai.request.model"] = turn.model;
    if (error) {
      span.setAttribute("error.type", error);
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR });
      metricAttributes["error.type"] = error;
    }
    span.end();
    recordTurn(this.#instruments, metricAttributes, (performance.now() - turn.startedAt) / 1000, turn.usage);
  }

  // -------------------------------------------------------------------------------------- approvals

  #approvalSettled(record: ApprovalSettledRecord): void {
    const request = record.request;
    const parent =
      this.#tools.get(request.itemId)?.span ??
      this.#turns.get(request.turnId)?.span ??
      this.#goals.open(request.threadId)?.span;
    const { attributes, decision } = approvalAttributes(record, this.#content);
    const now = Date.now();
    const span = this.#tracer.startSpan(
      `codex.approval ${request.type}`,
      { kind: this.#api.SpanKind.INTERNAL, attributes, startTime: now - record.latencyMs },
      parent ? this.#api.trace.setSpan(this.#api.ROOT_CONTEXT, parent) : this.#api.ROOT_CONTEXT,
    );
    span.end(now);
    const metric: Attributes = {
      "codex.approval.decision": decision,
      "codex.approval.outcome": record.outcome,
    };
    this.#instruments.approvals.add(1, metric);
    this.#instruments.approvalWait.record(record.latencyMs / 1000, {
      ...metric,
      ...(record.decidedBy ? { "codex.approval.decided_by": record.decidedBy } : {}),
    });
  }

  // -------------------------------------------------------------------------------------- lifecycle

  #closed(): void {
    for (const tool of [...this.#tools.values()]) tool.span.end();
    this.#tools.clear();
    for (const turn of [...this.#starting.values(), ...this.#turns.values()])
      this.#endTurn(turn, "connection_closed");
    this.#starting.clear();
    this.#turns.clear();
    this.#goals.endAll("connection_closed");
  }

  #facts(threadId: string): ThreadFacts {
    let facts = this.#threads.get(threadId);
    if (!facts) {
      // Facts of threads long gone are dropped first: the map stays bounded.
      if (this.#threads.size >= 10_000) this.#threads.delete(this.#threads.keys().next().value as string);
      this.#threads.set(threadId, (facts = {}));
    }
    return facts;
  }

  /** The W3C trace context of the span in `context`, for a request's `trace` field. */
  #traceOf(context: Context): TraceContext | undefined {
    const sc = this.#api.trace.getSpanContext(context);
    if (!sc || !this.#api.trace.isSpanContextValid(sc)) return undefined;
    const flags = (sc.traceFlags & 0xff).toString(16).padStart(2, "0");
    const trace: TraceContext = { traceparent: `00-${sc.traceId}-${sc.spanId}-${flags}` };
    const state = sc.traceState?.serialize();
    if (state) trace.tracestate = state;
    return trace;
  }
}

interface Breakdown {
  inputTokens: number;
  outputTokens: number;
}

/** `error.type` of a server error: the `codexErrorInfo` variant (a string, or an object's one key). */
function codexErrorType(info: unknown): string | undefined {
  if (typeof info === "string") return info;
  if (info && typeof info === "object") return Object.keys(info)[0];
  return undefined;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : "Error";
}

/** `gen_ai.input.messages`: the turn's input as one user message of text parts. */
function inputMessages(input: unknown): string {
  const parts = Array.isArray(input)
    ? input.map((part: { type?: unknown; text?: unknown }) =>
        part?.type === "text" ? { type: "text", content: part.text } : { type: String(part?.type) },
      )
    : [];
  return JSON.stringify([{ role: "user", parts }]);
}

/** `gen_ai.output.messages`: the turn's final assistant message. */
function outputMessages(text: string): string {
  return JSON.stringify([
    { role: "assistant", parts: [{ type: "text", content: text }], finish_reason: "stop" },
  ]);
}
