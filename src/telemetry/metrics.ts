// The instruments of a client's telemetry, created once per client on its meter.
import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";

export interface TelemetryInstruments {
  tokenUsage: Histogram;
  operationDuration: Histogram;
  approvalWait: Histogram;
  approvals: Counter;
}

/** Explicit bucket advice of the GenAI conventions, for tokens and for seconds. */
const TOKEN_BUCKETS = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
const SECOND_BUCKETS = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

export function createInstruments(meter: Meter): TelemetryInstruments {
  return {
    tokenUsage: meter.createHistogram("gen_ai.client.token.usage", {
      description: "Tokens used by a turn, by gen_ai.token.type (input, output).",
      unit: "{token}",
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    }),
    operationDuration: meter.createHistogram("gen_ai.client.operation.duration", {
      description: "Duration of a turn, from turn/start (or turn/started) to turn/completed.",
      unit: "s",
      advice: { explicitBucketBoundaries: SECOND_BUCKETS },
    }),
    approvalWait: meter.createHistogram("codex.approval.wait.duration", {
      description: "How long an approval request waited, from its arrival to its end.",
      unit: "s",
      advice: { explicitBucketBoundaries: SECOND_BUCKETS },
    }),
    approvals: meter.createCounter("codex.approval.count", {
      description: "Approval requests, by codex.approval.decision and codex.approval.outcome.",
      unit: "{approval}",
    }),
  };
}

/** Records a finished turn's duration and tokens. */
export function recordTurn(
  instruments: TelemetryInstruments,
  attributes: Attributes,
  seconds: number,
  usage: { input: number; output: number } | undefined,
): void {
  instruments.operationDuration.record(seconds, attributes);
  if (!usage) return;
  instruments.tokenUsage.record(usage.input, { ...attributes, "gen_ai.token.type": "input" });
  instruments.tokenUsage.record(usage.output, { ...attributes, "gen_ai.token.type": "output" });
}
