// OpenTelemetry: the spans of one turn with an approved command, printed as a tree. Needs
// `@opentelemetry/api`, `@opentelemetry/sdk-trace-base` and `@opentelemetry/context-async-hooks`.
//   node --import tsx examples/telemetry-span-tree.ts [--mock]
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";
import { model } from "codex-app-server-sdk/testing";
import { openSession } from "./support/session.js";

// The context manager lets the span active when you call chatOnce() parent the turn's span.
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
const tracer = trace.getTracer("telemetry-example");

{
  await using session = await openSession({
    client: { telemetry: true }, // the global tracer provider registered above
    script: () => [
      model.exec("echo traced > traced.txt", { escalate: { justification: "write traced.txt" } }),
      model.say("Wrote traced.txt."),
    ],
  });
  const { client, cwd } = session;
  client.setApprovalHandler(() => "accept");
  const thread = await client.startThread({ cwd, approvalPolicy: "on-request", sandbox: "read-only" });
  await tracer.startActiveSpan("handle user request", async (span) => {
    try {
      console.log(`codex: ${(await thread.chatOnce("Write traced.txt")).finalText}`);
    } finally {
      span.end();
    }
  });
}

// The attributes worth showing for each kind of span.
const SHOWN = [
  "gen_ai.request.model",
  "codex.turn.status",
  "gen_ai.usage.input_tokens",
  "gen_ai.usage.output_tokens",
  "gen_ai.tool.type",
  "process.exit.code",
  "codex.tool.status",
  "codex.approval.decision",
  "codex.approval.decided_by",
  "error.type",
];

function printTree(spans: readonly ReadableSpan[]): void {
  const children = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const started = (s: ReadableSpan) => s.startTime[0] * 1e9 + s.startTime[1];
  for (const list of children.values()) list.sort((a, b) => started(a) - started(b));
  const print = (span: ReadableSpan, indent: string, last: boolean, top: boolean) => {
    const ms = (span.duration[0] * 1e3 + span.duration[1] / 1e6).toFixed(0);
    const attributes = SHOWN.filter((k) => span.attributes[k] !== undefined)
      .map((k) => `${k}=${String(span.attributes[k])}`)
      .join(" ");
    console.log(`${indent}${top ? "" : last ? "└─ " : "├─ "}${span.name} (${ms} ms) ${attributes}`.trimEnd());
    const next = children.get(span.spanContext().spanId) ?? [];
    const childIndent = top ? indent : indent + (last ? "   " : "│  ");
    next.forEach((child, i) => print(child, childIndent, i === next.length - 1, false));
  };
  for (const rootSpan of children.get(undefined) ?? []) print(rootSpan, "", true, true);
}

printTree(exporter.getFinishedSpans());
await provider.shutdown();
