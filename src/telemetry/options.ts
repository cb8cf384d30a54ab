// The public options of telemetry. Typed structurally, so this package's declarations never need
// `@opentelemetry/api`, which is an optional peer dependency.
import type { OptionSpec } from "../internal/option-check.js";

/** An OpenTelemetry `Tracer` from `@opentelemetry/api` (e.g. `trace.getTracer("my-app")`). */
export interface TelemetryTracer {
  startSpan(name: string, options?: object, context?: unknown): unknown;
}

/** An OpenTelemetry `Meter` from `@opentelemetry/api` (e.g. `metrics.getMeter("my-app")`). */
export interface TelemetryMeter {
  createHistogram(name: string, options?: object): unknown;
  createCounter(name: string, options?: object): unknown;
}

/**
 * What the client reports to OpenTelemetry. Spans follow the GenAI semantic conventions
 * (`invoke_agent codex` per turn, `execute_tool …` per tool item, `codex.approval …` per approval,
 * `codex.goal` per goal run); see docs/observability.md.
 *
 * @example
 * ```ts
 * import { metrics, trace } from "@opentelemetry/api";
 * const client = CodexClient.connectStdio({
 *   telemetry: { tracer: trace.getTracer("my-app"), meter: metrics.getMeter("my-app") },
 * });
 * ```
 */
export interface TelemetryOptions {
  /** Where spans go. Default: the global tracer provider's `codex-app-server-sdk` tracer. */
  tracer?: TelemetryTracer | undefined;
  /**
   * Where metrics go (token usage, turn duration, approval waits and decisions). Default: the
   * global meter provider's `codex-app-server-sdk` meter (a no-op until one is registered).
   */
  meter?: TelemetryMeter | undefined;
  /**
   * Record content: prompts, replies, commands and their output, diffs, MCP arguments and results,
   * approval justifications, goal objectives. These can hold secrets, so the default is `false`.
   */
  captureContent?: boolean | undefined;
}

/** `true` for the global providers with the defaults, or the options. */
export type TelemetrySetting = true | TelemetryOptions;

/** The keys of {@link TelemetryOptions}, checked at each connect call. */
export const TELEMETRY_OPTIONS = {
  tracer: "object",
  meter: "object",
  captureContent: "boolean",
} as const satisfies OptionSpec<TelemetryOptions>;
