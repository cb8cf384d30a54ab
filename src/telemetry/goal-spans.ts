// One span per goal run: from the `thread/goal/set` that starts (or resumes) it to the point where
// the runtime starts no more turns for it. The turns the runtime starts become its children.
import type { Span, Tracer } from "@opentelemetry/api";
import { BoundedSpans } from "./bounded-spans.js";
import type { OpenTelemetryApi } from "./load.js";

export interface OpenGoal {
  span: Span;
  threadId: string;
  turns: number;
  /** The goal's last status, as `thread/goal/updated` reported it. */
  status?: string;
}

export class GoalSpans {
  readonly #open = new BoundedSpans<OpenGoal>((goal) => this.#finish(goal, "codex.telemetry.evicted"));

  constructor(
    readonly api: OpenTelemetryApi,
    readonly tracer: Tracer,
    readonly captureContent: boolean,
  ) {}

  open(threadId: string): OpenGoal | undefined {
    return this.#open.get(threadId);
  }

  /** On an outgoing `thread/goal/set`: a new span when it sets an objective or makes the goal active. */
  startIfNew(threadId: string, params: { objective?: unknown; status?: unknown }): OpenGoal | undefined {
    const starts = typeof params.objective === "string" || params.status === "active";
    if (!starts) return undefined;
    const current = this.#open.get(threadId);
    if (current && typeof params.objective !== "string") return undefined;
    if (current) this.end(threadId, undefined, "replaced");
    const span = this.tracer.startSpan(
      "codex.goal",
      {
        kind: this.api.SpanKind.INTERNAL,
        attributes: {
          "gen_ai.operation.name": "invoke_agent",
          "gen_ai.agent.name": "codex",
          "gen_ai.conversation.id": threadId,
          ...(this.captureContent && typeof params.objective === "string"
            ? { "codex.goal.objective": params.objective }
            : {}),
        },
      },
      this.api.context.active(),
    );
    const goal: OpenGoal = { span, threadId, turns: 0 };
    this.#open.set(threadId, goal);
    return goal;
  }

  turnStarted(threadId: string): void {
    const goal = this.#open.get(threadId);
    if (goal) goal.turns++;
  }

  /** After a turn of the thread: the run is over once the goal left `active`, or the turn was interrupted. */
  turnCompleted(threadId: string, turnStatus: string | undefined): void {
    const goal = this.#open.get(threadId);
    if (!goal) return;
    if (turnStatus === "interrupted") this.end(threadId, undefined, "interrupted");
    else if (goal.status !== undefined && goal.status !== "active") this.end(threadId, undefined, "status");
  }

  /** `thread/goal/updated` or `thread/goal/cleared`; `busy` when a turn of the thread still runs. */
  updated(threadId: string, method: string, goal: unknown, busy: boolean): void {
    const open = this.#open.get(threadId);
    if (!open) return;
    if (method === "thread/goal/cleared") return this.end(threadId, undefined, "cleared");
    const g = goal as { status?: unknown; tokensUsed?: unknown } | null;
    if (typeof g?.status === "string") open.status = g.status;
    if (typeof g?.tokensUsed === "number") open.span.setAttribute("codex.goal.tokens_used", g.tokensUsed);
    if (!busy && open.status !== undefined && open.status !== "active")
      this.end(threadId, undefined, "status");
  }

  end(threadId: string, error: string | undefined, reason?: string): void {
    const goal = this.#open.get(threadId);
    if (!goal) return;
    this.#open.delete(threadId);
    this.#finish(goal, error, reason);
  }

  endAll(error: string): void {
    for (const goal of [...this.#open.values()]) this.#finish(goal, error);
    this.#open.clear();
  }

  #finish(goal: OpenGoal, error: string | undefined, reason?: string): void {
    goal.span.setAttribute("codex.goal.turns", goal.turns);
    if (goal.status) goal.span.setAttribute("codex.goal.status", goal.status);
    if (reason) goal.span.setAttribute("codex.goal.end_reason", reason);
    if (error) {
      goal.span.setAttribute("error.type", error);
      goal.span.setStatus({ code: this.api.SpanStatusCode.ERROR });
    }
    goal.span.end();
  }
}
