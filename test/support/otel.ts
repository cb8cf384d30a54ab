// An OpenTelemetry set-up for tests: spans in memory, metrics read on demand, and the
// AsyncLocalStorage context manager so the span active at call time is seen through awaits.
import { context, type Span } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";

let contextManagerSet = false;

class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TestTelemetry {
  exporter: InMemorySpanExporter;
  tracer: ReturnType<BasicTracerProvider["getTracer"]>;
  meter: ReturnType<MeterProvider["getMeter"]>;
  spans(): ReadableSpan[];
  /** Every data point of the metric `name` collected now, with its attributes. */
  points(name: string): Promise<DataPoint<number | Histogram>[]>;
  shutdown(): Promise<void>;
}

export function startTestTelemetry(): TestTelemetry {
  if (!contextManagerSet) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    contextManagerSet = true;
  }
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new TestMetricReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    exporter,
    tracer: provider.getTracer("test"),
    meter: meterProvider.getMeter("test"),
    spans: () => exporter.getFinishedSpans(),
    async points(name) {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((s) => s.metrics)
        .filter((m) => m.descriptor.name === name)
        .flatMap((m) => m.dataPoints as DataPoint<number | Histogram>[]);
    },
    async shutdown() {
      await provider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The span named `name` (exactly one), else a failed assertion listing what there is. */
export function onlySpan(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one span "${name}", got ${found.length} of ${JSON.stringify(spans.map((s) => s.name))}`,
    );
  return found[0] as ReadableSpan;
}

/** The id of a span's parent (sdk-trace-base 2.x keeps it in parentSpanContext). */
export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export type { Span };
