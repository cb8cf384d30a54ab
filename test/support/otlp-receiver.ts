// A tiny OTLP/HTTP receiver on 127.0.0.1 for codex's own span export (`protocol = "json"`): it
// keeps the spans' ids and names. Request bodies are capped; a larger one gets 413.
import http from "node:http";

export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
}

export interface OtlpReceiver {
  /** The endpoint for codex's `trace_exporter` (`http://127.0.0.1:PORT/v1/traces`). */
  endpoint: string;
  spans: ReceivedSpan[];
  /** Resolves once `predicate` holds for the spans received, or rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

interface OtlpJson {
  resourceSpans?: { scopeSpans?: { spans?: Partial<ReceivedSpan>[] }[] }[];
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const waiters = new Set<() => void>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpJson;
        for (const r of body.resourceSpans ?? [])
          for (const s of r.scopeSpans ?? [])
            for (const span of s.spans ?? [])
              spans.push({
                name: String(span.name),
                traceId: String(span.traceId),
                spanId: String(span.spanId),
                parentSpanId: String(span.parentSpanId ?? ""),
              });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } catch {
        res.writeHead(400).end();
      }
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    waitFor(predicate, timeoutMs) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(spans)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching span from codex within ${timeoutMs} ms (${spans.length} received)`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
