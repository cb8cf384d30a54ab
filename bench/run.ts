// `npm run bench`: the SDK against a raw baseline, side by side in one run, as ratios.
// `npm run bench -- --smoke`: small N, no targets, nothing written (CI runs it so the suite never rots).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type * as Sdk from "../src/index.js";
import type * as Kit from "../src/testing/index.js";
import { runApprovalLoad } from "../test/support/approval-load.js";
import { buildPackage, coldImportMs, packageContents } from "./package-cost.js";

const smoke = process.argv.includes("--smoke");
// `npm run bench -- --only=steps,approvals`: just those rows, printed, BENCHMARKS.md not written.
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const SECTIONS = [
  "import",
  "steps",
  "deltas",
  "approvals",
  "requests",
  "memory",
  "concurrency",
  "real",
  "reconnect",
  "load",
  "telemetry",
];
for (const name of only ?? []) {
  if (!SECTIONS.includes(name)) {
    console.error(`--only: unknown section "${name}"; choose from ${SECTIONS.join(", ")}.`);
    process.exit(2);
  }
}
const wanted = (name: string) => !only || only.includes(name);

// The SDK side runs the built package (dist/), as users do: the sources run through the TypeScript
// loader carry its helpers (a name-keeping call per closure made), which the shipped code has not.
// A full run builds it from the current sources; a smoke run (in CI, right after the pack check
// built dist/) reuses it, unless a source file is newer: a stale build would time old code.
const DIST = path.join(import.meta.dirname, "..", "dist");
const newestSource = (dir: string): number =>
  Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs;
    }),
  );
const built = path.join(DIST, "index.js");
if (!smoke || !existsSync(built) || statSync(built).mtimeMs < newestSource(path.join(DIST, "..", "src")))
  buildPackage();
const { CodexClient, resolveAppServerCommand, WebSocketTransport } = (await import(
  path.join(DIST, "index.js")
)) as typeof Sdk;
type CodexClient = InstanceType<typeof CodexClient>;
const { createTestCodexHome, MockModelServer, model, startListeningAppServer } = (await import(
  path.join(DIST, "testing.js")
)) as typeof Kit;
// `reps`: how many alternating SDK/baseline runs each ratio is the median of (the smoke run only
// proves that the alternation works).
const N = smoke
  ? {
      items: 2_000,
      deltas: 10_000,
      approvals: 200,
      requests: 200,
      threads: 20,
      heldThreads: 5,
      load: 5,
      reps: 2,
      importReps: 3,
    }
  : {
      items: 200_000,
      deltas: 1_000_000,
      approvals: 10_000,
      requests: 10_000,
      threads: 200,
      heldThreads: 20,
      load: 100,
      reps: 5,
      importReps: 11,
    };
const FAKE = path.join(import.meta.dirname, "fake-app-server.mjs");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

const rows: {
  name: string;
  sdk: string;
  baseline: string;
  ratio: string;
  target: string;
  ok: boolean | null;
}[] = [];
const notes: string[] = [
  "## What was profiled and fixed",
  "",
  "- **Deltas through `streamTurn()` were at 0.67× of the baseline** on the first full run. `--cpu-prof`",
  "  showed the consumer side paying for three promises per event: the stream's iterator was an async",
  "  generator awaiting an async `nextEvent()`, which awaited the queue's `next()`. The iterator is now",
  "  hand-written and takes buffered events synchronously (one resolved promise per event), and",
  "  `chat()` takes buffered events without arming an inactivity timer each. The same run then gave 0.79×.",
  "- Steps through `chat()` then measured between 0.67× and 1.01× over four runs (noise on a shared",
  "  2-core machine). `chat()`'s step iterator was still an async generator; it is now hand-written too.",
  "- What remains is `JSON.parse` (about a third of the profile, as in the baseline) and waiting on the pipe.",
  "- **The per-message path (first round).** Profiles of 400k steps showed, beside `JSON.parse` (about",
  "  1.5 µs a step, as in the baseline): the line decoder (~160 ns), the exact-integer check (~80 ns,",
  "  now skipped for messages with no 16-digit run), dispatch to the turn's queue (~180 ns) and the",
  "  consumer side (`next()`, `toStep`, resuming `for await`: ~285 ns, of which the async-iterator",
  "  protocol alone is ~75 ns). Fixed: a hand-written lazy generator for `chat()`, emitters that walk an",
  "  array, no copy or key string per event, one clock read per transport read, abort reasons without",
  "  stack traces. Steps and deltas went from 0.66× to about 0.73× in alternating runs; old and new",
  "  code side by side: 200k steps 506 → 442 ms, 1M deltas 1,148 → 1,020 ms (medians of 5).",
  "- **The per-message path (next round).** Ablations in one process (the same 64 KiB chunks fed",
  '  to each side, no pipe) against a "floor" (the raw loop plus a queue, one resolved promise per',
  "  value and a step object: what any async-iterator API must do) showed the SDK's remaining cost in",
  "  routing (a classification object per message, a method hashed into a map and into a set per",
  "  event, an event object copied from the message), the integer pre-check reading decoded strings",
  "  (50 ns a step), and `toStep`'s keyed lookup. Fixed: a direct path for notifications of the",
  "  server's shape, the turn router as the hub's one sink queuing the parsed message itself, a",
  "  last-method shortcut, the ring advanced without `%`, `chat()` queuing steps by a flag, the",
  "  pre-check over the chunk's bytes (20 ns a step), `toStep` by a switch. Partial runs: steps",
  "  0.74× → 0.80×, deltas 0.77× → 0.80×, the SDK at 0.91–0.93× of the floor.",
  "- **Approvals.** A round trip answered at once wrote its reply one microtask after the request's",
  "  signal had aborted and its settled listeners had run; the signal itself (an `AbortController` per",
  "  request, for two internal listeners) and a `WeakMap` entry per request made every scavenge walk",
  "  an ephemeron table (3–8 ms each over 10,000 approvals; 0.6 ms without). The reply is now",
  "  written in the handler's call stack, no signal is made unless read, and the map is gone: p50",
  "  as the raw loop's, p99 +0.02 to +0.14 ms over it in four full runs (was +0.20 ms).",
  "- **The SDK side now runs the built package** (`dist/`), as users do. Run from `src/` through the",
  "  TypeScript loader, every closure the SDK made paid a name-keeping helper call that the shipped",
  "  code does not have.",
  "- **Import took 63–84 ms (ESM) and 41–66 ms (CommonJS)** inside a fresh process: the package was",
  "  ~2,000 compiled modules, most of them empty ones from type-only protocol files, and it loaded `ws`",
  "  (with `http`, `https` and `crypto`) at import. The build now bundles each entry point into one",
  "  module per format, ships protocol types as declarations only, and `ws` loads when a WebSocket",
  "  connection starts: 17–26 ms (ESM) and 12–14 ms (CommonJS), 11 runs alternating the two builds.",
  "",
  "## Why ≥ 0.95× for steps and deltas is out of reach",
  "",
  '- The "`for await` floor" rows run the raw loop with only what an async-iterator API forces:',
  "  each parsed message queued, one resolved promise and one microtask per value, a step object per",
  "  item. No routing, no integer check, no bounds. That floor itself reaches 0.86–0.92× of the raw",
  "  loop, below the 0.95× target, so no SDK that hands events out through `for await` can meet it",
  "  against this baseline; the distance between the SDK and the floor is the SDK's own cost.",
  "- Why the floor is not lower: the fake server builds 2,000 lines, then writes them with a",
  "  blocking pipe write, so the consumer waits during every build. The raw loop spends ~0.58 µs of",
  "  CPU per delta and is idle ~29% of the time (CPU profile); a consumer's extra cost is only partly",
  "  hidden by that wait.",
  "",
  "## Reading the numbers",
  "",
  "- Ratios compare runs made one after the other in the same process tree; the machine is shared and",
  "  noisy, so a ratio moves by ±0.1 or more between runs (deltas: 0.71× to 0.87× after the fix). The baseline's own N→2N ratio is shown for scale.",
  "- The SDK side runs the built package (`dist/`, built from the current sources at the start).",
  "- Each ratio is the median of the per-run ratios of alternating SDK and baseline runs, so a run",
  "  made while the machine was busy pairs with a baseline made in the same conditions.",
  "- Import rows: the baseline is `ws` imported the same way, a small and widely used package. The",
  "  package row counts what `npm pack` would publish.",
  "- Memory: the heap is sampled every 50 ms while the deltas stream without being retained; after the",
  "  turn and a GC the heap is back where it started.",
  "- The real-server row is start plus `initialize` of the pinned binary: its own start-up dominates.",
  "- The reconnect row restarts the real server (WebSocket, same port and CODEX_HOME) under a client",
  "  holding idle threads that each ran one turn, and times the new connection's opening to `onReconnected`",
  "  and then to the answer of one more turn on a held thread; its baseline is the same client holding one thread.",
  "- The load rows time the turns only (the threads are started first). Each turn makes two model calls",
  "  and runs one escalated `echo` after its approval; the real server's own work dominates.",
  "- The telemetry rows compare `telemetry` on (a tracer with an in-memory exporter) and off, alternating.",
  "  The first times `import()` of the built package plus one `connectStdio()` in a fresh process: on, it",
  "  includes loading `@opentelemetry/api`; off, the row checks that the package is not in the module cache.",
  "  The second is the steps flood through `chat()`, where every notification passes the telemetry's listener.",
];
function record(
  name: string,
  sdk: string,
  baseline: string,
  ratio: string,
  target: string,
  ok: boolean | null,
) {
  rows.push({ name, sdk, baseline, ratio, target, ok: smoke ? null : ok });
  console.log(
    `${name}: sdk ${sdk} | baseline ${baseline} | ${ratio} | target ${target}${smoke ? "" : ok ? " ✓" : " ✗"}`,
  );
}
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;

/** Median, min and max of a series of runs. */
interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number;
}
function spread(xs: number[]): Spread {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, runs: sorted.length };
}
/** `0.82× (0.75–0.90, 5 runs)`: the median first, then the range it came from. */
function showSpread(s: Spread, digits: number, unit = "", sign = false): string {
  const f = (x: number) => `${sign && x >= 0 ? "+" : ""}${x.toFixed(digits)}`;
  return `${f(s.median)}${unit} (${f(s.min)} to ${f(s.max)}, ${s.runs} runs)`;
}

/**
 * Runs the SDK side and the baseline side `reps` times each, alternating (SDK first on even runs,
 * baseline first on odd ones) so that drift in the machine's load reaches both sides alike.
 */
async function alternate<S, B>(
  reps: number,
  sdk: () => Promise<S> | S,
  baseline: () => Promise<B> | B,
): Promise<{ sdk: S; baseline: B }[]> {
  const runs: { sdk: S; baseline: B }[] = [];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      const s = await sdk();
      runs.push({ sdk: s, baseline: await baseline() });
    } else {
      const b = await baseline();
      runs.push({ sdk: await sdk(), baseline: b });
    }
  }
  return runs;
}

// ---------------------------------------------------------------- the raw baseline

/** A raw client of the fake server: spawn, read stdout line by line, JSON.parse each line. */
class RawClient {
  readonly child: ChildProcessWithoutNullStreams;
  private buffered = "";
  private nextId = 1;
  private readonly waiting = new Map<number, (m: Record<string, unknown>) => void>();
  onMessage: (m: Record<string, unknown>) => void = () => {};
  lines = 0;

  constructor() {
    this.child = spawn(process.execPath, [FAKE], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (chunk: string) => {
      this.buffered += chunk;
      let start = 0;
      let nl: number;
      while ((nl = this.buffered.indexOf("\n", start)) !== -1) {
        const m = JSON.parse(this.buffered.slice(start, nl)) as Record<string, unknown>;
        start = nl + 1;
        this.lines++;
        const resolve =
          typeof m.id === "number" && m.method === undefined ? this.waiting.get(m.id) : undefined;
        if (resolve) {
          this.waiting.delete(m.id as number);
          resolve(m);
        } else this.onMessage(m);
      }
      this.buffered = this.buffered.slice(start);
    });
  }

  request(method: string, params: unknown): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.child.stdin.write(JSON.stringify({ id, method, params }) + "\n");
    });
  }

  write(message: unknown): void {
    this.child.stdin.write(JSON.stringify(message) + "\n");
  }

  async start(): Promise<void> {
    await this.request("initialize", {
      clientInfo: { name: "raw", title: null, version: "0" },
      capabilities: null,
    });
    this.write({ method: "initialized" });
  }

  /** Starts a turn and resolves when its turn/completed is parsed. */
  async runTurn(command: unknown): Promise<void> {
    const { result } = (await this.request("thread/start", {})) as { result: { thread: { id: string } } };
    const done = new Promise<void>((resolve) => {
      this.onMessage = (m) => {
        if (m.method === "turn/completed") resolve();
      };
    });
    await this.request("turn/start", {
      threadId: result.thread.id,
      input: [{ type: "text", text: JSON.stringify(command), text_elements: [] }],
    });
    await done;
  }

  close(): void {
    this.child.stdin.end();
  }
}

async function baselineFlood(command: { flood: string; n: number }): Promise<number> {
  const raw = new RawClient();
  await raw.start();
  const t0 = performance.now();
  await raw.runTurn(command);
  const ms = performance.now() - t0;
  raw.close();
  return ms;
}

/**
 * The floor of an async-iterator API over the raw loop: the same loop, plus only what `for await`
 * over turn events forces on any library, and nothing of this SDK. Each parsed message goes into
 * an array queue; the consumer's `next()` returns one resolved promise per value; a step is one
 * object built from an `item/completed` message (a delta is yielded as the message itself). No
 * routing, no checks, no buffers' bounds. The SDK cannot beat this; the distance to it is its own cost.
 */
async function floorFlood(command: { flood: "items" | "deltas"; n: number }): Promise<number> {
  const raw = new RawClient();
  await raw.start();
  const t0 = performance.now();
  const { result } = (await raw.request("thread/start", {})) as { result: { thread: { id: string } } };
  const queue: Record<string, unknown>[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  raw.onMessage = (m) => {
    queue.push(m);
    if (wake) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  const steps = command.flood === "items";
  const iterator: AsyncIterableIterator<unknown> = {
    next(): Promise<IteratorResult<unknown>> {
      while (head < queue.length) {
        const m = queue[head] as { method: string; params: Record<string, unknown> };
        queue[head++] = undefined as never;
        if (head === queue.length) queue.length = head = 0;
        if (m.method === "turn/completed") return Promise.resolve({ value: undefined, done: true });
        if (!steps) return Promise.resolve({ value: m, done: false });
        if (m.method !== "item/completed") continue;
        const item = m.params.item as { type: string; id: string; text: string };
        const step = {
          threadId: m.params.threadId,
          turnId: m.params.turnId,
          itemId: item.id,
          stepType: item.type === "agentMessage" ? "codex" : item.type,
          itemType: item.type,
          text: item.text,
          data: item,
        };
        return Promise.resolve({ value: step, done: false });
      }
      return new Promise<void>((resolve) => (wake = resolve)).then(() => iterator.next());
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  await raw.request("turn/start", {
    threadId: result.thread.id,
    input: [{ type: "text", text: JSON.stringify(command), text_elements: [] }],
  });
  let count = 0;
  for await (const value of iterator) {
    const v = value as { stepType?: string; method?: string; params?: { delta?: string } };
    if (steps ? v.stepType === "codex" : v.method === "item/agentMessage/delta") count++;
  }
  const ms = performance.now() - t0;
  raw.close();
  if (count !== command.n) throw new Error(`floor: expected ${command.n}, got ${count}`);
  return ms;
}

// ---------------------------------------------------------------- the SDK side

function sdkClient(options: Parameters<typeof CodexClient.connectStdio>[0] = {}): CodexClient {
  return CodexClient.connectStdio({ command: [process.execPath, FAKE], turnBufferSize: 100_000, ...options });
}

async function sdkSteps(
  n: number,
  options: Parameters<typeof CodexClient.connectStdio>[0] = {},
): Promise<number> {
  const client = sdkClient(options);
  const thread = await client.startThread();
  const t0 = performance.now();
  let steps = 0;
  for await (const step of thread.chat(JSON.stringify({ flood: "items", n })))
    if (step.stepType === "codex") steps++;
  const ms = performance.now() - t0;
  await client.close();
  if (steps !== n) throw new Error(`steps: expected ${n}, got ${steps}`);
  return ms;
}

async function sdkDeltas(n: number, sample?: (phase: "tick" | "end") => void): Promise<number> {
  const client = sdkClient();
  const thread = await client.startThread();
  const t0 = performance.now();
  const turn = await thread.streamTurn(JSON.stringify({ flood: "deltas", n }));
  let deltas = 0;
  let chars = 0;
  const timer = sample ? setInterval(() => sample("tick"), 50) : undefined;
  for await (const event of turn) {
    if (event.method === "item/agentMessage/delta") {
      deltas++;
      chars += event.params.delta.length; // read, not retained
    }
  }
  const ms = performance.now() - t0;
  clearInterval(timer);
  sample?.("end");
  await client.close();
  if (deltas !== n || chars === 0) throw new Error(`deltas: expected ${n}, got ${deltas}`);
  return ms;
}

/**
 * Throughput at n, and time at 2n, over `reps` alternating SDK/baseline runs. The ratio row is the
 * median of the per-run ratios baseline time / SDK time (above 1× the SDK is faster).
 */
async function throughput(
  label: string,
  unit: string,
  n: number,
  flood: "items" | "deltas",
  sdk: (n: number) => Promise<number>,
  reps: number,
): Promise<void> {
  const runs = await alternate(
    reps,
    async () => ({ n: await sdk(n), n2: await sdk(2 * n) }),
    async () => ({
      n: await baselineFlood({ flood, n }),
      n2: await baselineFlood({ flood, n: 2 * n }),
      floor: await floorFlood({ flood, n }),
    }),
  );
  const ratio = spread(runs.map((r) => r.baseline.n / r.sdk.n));
  const perSecond = (ms: number[]) => fmt((n / spread(ms).median) * 1000);
  record(
    label,
    `${perSecond(runs.map((r) => r.sdk.n))} ${unit}/s`,
    `${perSecond(runs.map((r) => r.baseline.n))} lines/s`,
    showSpread(ratio, 2, "×"),
    "≥ 0.95×",
    ratio.median >= 0.95,
  );
  const floorRatio = spread(runs.map((r) => r.baseline.n / r.baseline.floor));
  const sdkToFloor = spread(runs.map((r) => r.baseline.floor / r.sdk.n));
  record(
    `${label}: the \`for await\` floor (raw loop + queue + one promise per value, no SDK)`,
    `SDK at ${showSpread(sdkToFloor, 2, "×")} of the floor`,
    `floor ${perSecond(runs.map((r) => r.baseline.floor))} ${unit}/s`,
    `floor ${showSpread(floorRatio, 2, "×")} of the raw loop`,
    "reported",
    true,
  );
  const scale = spread(runs.map((r) => r.sdk.n2 / r.sdk.n));
  const baseScale = spread(runs.map((r) => r.baseline.n2 / r.baseline.n));
  const ms = (xs: number[]) => fmt(spread(xs).median);
  record(
    `${label}: scaling N→2N`,
    `${ms(runs.map((r) => r.sdk.n))} ms → ${ms(runs.map((r) => r.sdk.n2))} ms`,
    `${ms(runs.map((r) => r.baseline.n))} ms → ${ms(runs.map((r) => r.baseline.n2))} ms`,
    `${showSpread(scale, 2, "× time")}; baseline ${baseScale.median.toFixed(2)}×`,
    "≤ 2.1×",
    scale.median <= 2.1,
  );
}

/** Approval latencies in ms (request written → reply read, timed by the fake server), SDK side. */
async function sdkApprovalLatencies(n: number): Promise<number[]> {
  // A handler that accepts at once.
  const client = sdkClient();
  client.setApprovalHandler(() => "accept");
  let latencies: number[] = [];
  client.on(
    "bench/approvalLatencies" as never,
    ((p: { latenciesNs: number[] }) => (latencies = p.latenciesNs)) as never,
  );
  const thread = await client.startThread();
  await thread.chatOnce(JSON.stringify({ flood: "approvals", n }));
  await client.close();
  if (latencies.length !== n) throw new Error(`approvals: SDK got ${latencies.length} of ${n}`);
  return latencies.map((x) => x / 1e6);
}

/** The same for the raw loop: parse, reply {decision:"accept"} at once. */
async function rawApprovalLatencies(n: number): Promise<number[]> {
  const raw = new RawClient();
  await raw.start();
  let latencies: number[] = [];
  const { result } = (await raw.request("thread/start", {})) as { result: { thread: { id: string } } };
  const done = new Promise<void>((resolve) => {
    raw.onMessage = (m) => {
      if (m.method === "item/commandExecution/requestApproval")
        raw.write({ id: m.id, result: { decision: "accept" } });
      else if (m.method === "bench/approvalLatencies")
        latencies = (m.params as { latenciesNs: number[] }).latenciesNs;
      else if (m.method === "turn/completed") resolve();
    };
  });
  await raw.request("turn/start", {
    threadId: result.thread.id,
    input: [{ type: "text", text: JSON.stringify({ flood: "approvals", n }), text_elements: [] }],
  });
  await done;
  raw.close();
  if (latencies.length !== n) throw new Error(`approvals: raw got ${latencies.length} of ${n}`);
  return latencies.map((x) => x / 1e6);
}

/** Sequential bench/echo round trips in ms through `requestUntyped`. */
async function sdkRequestLatencies(n: number): Promise<number[]> {
  const client = sdkClient();
  await client.initialize();
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await client.requestUntyped("bench/echo", { i });
    latencies.push(performance.now() - t0);
  }
  await client.close();
  return latencies;
}

async function rawRequestLatencies(n: number): Promise<number[]> {
  const raw = new RawClient();
  await raw.start();
  const latencies: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await raw.request("bench/echo", { i });
    latencies.push(performance.now() - t0);
  }
  raw.close();
  return latencies;
}

/**
 * A latency row: p50 and p99 of each side (medians over the runs), and the per-run difference of
 * the p99s, as median with its range.
 */
async function latencyRow(
  name: string,
  reps: number,
  sdk: () => Promise<number[]>,
  raw: () => Promise<number[]>,
  target: string,
  maxP99Diff: number,
): Promise<void> {
  const runs = await alternate(reps, sdk, raw);
  const p = (side: "sdk" | "baseline", q: number) =>
    spread(
      runs.map((r) =>
        pct(
          [...r[side]].sort((a, b) => a - b),
          q,
        ),
      ),
    ).median.toFixed(3);
  const diff = spread(
    runs.map(
      (r) =>
        pct(
          [...r.sdk].sort((a, b) => a - b),
          99,
        ) -
        pct(
          [...r.baseline].sort((a, b) => a - b),
          99,
        ),
    ),
  );
  record(
    name,
    `p50 ${p("sdk", 50)} ms, p99 ${p("sdk", 99)} ms`,
    `p50 ${p("baseline", 50)} ms, p99 ${p("baseline", 99)} ms`,
    `p99 ${showSpread(diff, 3, " ms", true)}`,
    target,
    diff.median <= maxP99Diff,
  );
}

async function memory(n: number): Promise<void> {
  gc();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  await sdkDeltas(n, () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  });
  gc();
  const after = process.memoryUsage();
  const mb = (b: number) => b / 1024 / 1024;
  const growth = mb(peakHeap - before.heapUsed);
  record(
    `Memory while streaming ${fmt(n)} deltas`,
    `peak heap +${growth.toFixed(1)} MB, peak RSS ${mb(peakRss).toFixed(0)} MB`,
    `heap before ${mb(before.heapUsed).toFixed(1)} MB`,
    `heap after GC ${mb(after.heapUsed - before.heapUsed) >= 0 ? "+" : ""}${mb(after.heapUsed - before.heapUsed).toFixed(1)} MB`,
    "growth < 32 MB",
    growth < 32,
  );
}

async function concurrency(threads: number): Promise<void> {
  const client = sdkClient();
  const handles = await Promise.all(Array.from({ length: threads }, () => client.startThread()));
  const t0 = performance.now();
  const results = await Promise.all(
    handles.map((h) => h.chatOnce(JSON.stringify({ flood: "concurrent", n: 50 }))),
  );
  const ms = performance.now() - t0;
  await client.close();
  const correct = results.filter(
    (r, i) => r.threadId === handles[i]?.threadId && r.finalText === `answer for ${r.threadId}`,
  ).length;
  record(
    `Concurrency: ${threads} threads, one turn each, at once`,
    `${fmt(ms)} ms wall`,
    "-",
    `${correct}/${threads} routed correctly`,
    "all correct",
    correct === threads,
  );
}

async function realServer(reps: number): Promise<void> {
  const modelServer = await MockModelServer.start();
  const home = createTestCodexHome({ modelServer });
  // With no command and an empty env, the resolution falls to the pinned package's binary.
  const binary = resolveAppServerCommand({ env: {} }).file;
  const sdk = async () => {
    const t0 = performance.now();
    const client = CodexClient.connectStdio({ env: home.env, cwd: home.workspace });
    await client.initialize();
    const ms = performance.now() - t0;
    await client.close();
    return ms;
  };
  const raw = async () => {
    const t0 = performance.now();
    const child = spawn(binary, ["app-server"], {
      env: home.env,
      cwd: home.workspace,
      stdio: ["pipe", "pipe", "ignore"],
    });
    await new Promise<void>((resolve) => {
      child.stdout.once("data", () => resolve());
      child.stdin.write(
        JSON.stringify({
          id: 1,
          method: "initialize",
          params: { clientInfo: { name: "raw", title: null, version: "0" }, capabilities: null },
        }) + "\n",
      );
    });
    const ms = performance.now() - t0;
    child.stdin.end();
    await new Promise((resolve) => child.once("exit", resolve));
    return ms;
  };
  const runs = await alternate(reps, sdk, raw);
  await modelServer.close();
  home.dispose();
  record(
    "Real server: start + initialize",
    `${fmt(spread(runs.map((r) => r.sdk)).median, 1)} ms`,
    `${fmt(spread(runs.map((r) => r.baseline)).median, 1)} ms`,
    `SDK cost ${showSpread(spread(runs.map((r) => r.sdk - r.baseline)), 1, " ms", true)}`,
    "reported",
    true,
  );
}

/**
 * How long a client holding `held` idle threads takes to be back at work after its WebSocket server
 * restarts: from the moment the new connection is open to `onReconnected` and then the answer of a
 * turn on one held thread (which resumes that thread first). The back-off before the connection
 * opens is left out: it does not depend on the number of threads. Each thread ran one turn, so it
 * has history to (not) hydrate.
 */
async function reconnectMs(held: number, home: Kit.TestCodexHome, modelServer: Kit.MockModelServer) {
  let server = await startListeningAppServer({ home });
  const url = server.url as string;
  const port = Number(new URL(url).port);
  let opened = 0;
  const transport = () => {
    const t = new WebSocketTransport({ url });
    const start = t.start.bind(t);
    t.start = async () => {
      await start();
      opened = performance.now();
    };
    return t;
  };
  const client = new CodexClient(transport(), {}, { maxAttempts: 200, backoffMs: 20, transport });
  try {
    const threads = [];
    for (let i = 0; i < held; i++) {
      modelServer.enqueue(model.say(`answer ${i}`));
      const thread = await client.startThread({ cwd: home.workspace });
      await thread.chatOnce(`question ${i}`);
      threads.push(thread);
    }
    const reconnected = new Promise<Sdk.ReconnectInfo>((resolve) => client.onReconnected(resolve));
    await server.stop();
    server = await startListeningAppServer({ home, port });
    const info = await reconnected;
    // Back at work: the next turn on a held thread (which resumes that thread first) answers.
    modelServer.enqueue(model.say("after the restart"));
    const { finalText } = await (threads.at(-1) as Sdk.ThreadHandle).chatOnce("again");
    const ms = performance.now() - opened;
    if (finalText !== "after the restart")
      throw new Error(`reconnect bench: the turn after said ${finalText}`);
    if (info.deferredThreads.length + info.resumedThreads.length !== held || threads.length !== held)
      throw new Error(`reconnect bench: ${JSON.stringify(info)} for ${held} threads`);
    return ms;
  } finally {
    await client.close();
    await server.stop();
  }
}

async function reconnect(reps: number, held: number): Promise<void> {
  const modelServer = await MockModelServer.start();
  const home = createTestCodexHome({ modelServer });
  try {
    const runs = await alternate(
      reps,
      () => reconnectMs(held, home, modelServer),
      () => reconnectMs(1, home, modelServer),
    );
    const ratio = spread(runs.map((r) => r.sdk / r.baseline));
    record(
      `Reconnect over WebSocket (real server): ${held} held threads vs 1`,
      `${fmt(spread(runs.map((r) => r.sdk)).median, 1)} ms`,
      `${fmt(spread(runs.map((r) => r.baseline)).median, 1)} ms`,
      showSpread(ratio, 2, "×"),
      "≤ 1.5×",
      ratio.median <= 1.5,
    );
  } finally {
    await modelServer.close();
    home.dispose();
  }
}

/**
 * Cold import of the built package in a fresh process, alternated with the same import of `ws`
 * alone: a small, widely used package (and this SDK's one runtime dependency, which it loads only
 * when a WebSocket connection starts). The ratio is SDK time / `ws` time: below 1× is cheaper.
 */
async function importTime(reps: number): Promise<void> {
  // dist/ was built (or, in a smoke run, found) at start-up.
  for (const [format, limit] of [
    ["esm", 30],
    ["cjs", 20],
  ] as const) {
    const runs = await alternate(
      reps,
      () => coldImportMs("codex-app-server-sdk", format),
      () => coldImportMs("ws", format),
    );
    const sdk = spread(runs.map((r) => r.sdk));
    const ws = spread(runs.map((r) => r.baseline));
    record(
      format === "esm"
        ? "Cold import, ESM: `await import()` in a fresh process"
        : "Cold require, CommonJS: `require()` in a fresh process",
      showSpread(sdk, 1, " ms"),
      `\`ws\` ${showSpread(ws, 1, " ms")}`,
      `${showSpread(spread(runs.map((r) => r.sdk / r.baseline)), 2, "×")} of \`ws\``,
      `≤ ${limit} ms`,
      sdk.median <= limit,
    );
  }
  const pack = packageContents();
  const kB = (b: number) => `${fmt(b / 1000)} kB`;
  record(
    "Package contents (`npm pack --dry-run`)",
    `${fmt(pack.files)} files, ${pack.jsModules} JS modules`,
    "-",
    `${kB(pack.packedBytes)} packed, ${kB(pack.unpackedBytes)} unpacked`,
    "≤ 4 JS modules",
    pack.jsModules <= 4,
  );
}

/**
 * Telemetry off against on (spans to an in-memory exporter): the import plus connect of the built
 * package in a fresh process, and the steps flood through `chat()`, where every notification passes
 * the telemetry's listener.
 */
async function telemetry(n: number, reps: number): Promise<void> {
  const probe = (on: boolean) =>
    new Promise<{ ms: number; loaded: boolean }>((resolve, reject) => {
      const code = `const t0 = performance.now();
const { CodexClient } = await import(${JSON.stringify(path.join(DIST, "index.js"))});
CodexClient.connectStdio({ command: [process.execPath]${on ? ", telemetry: true" : ""} });
const ms = performance.now() - t0;
const { createRequire } = await import("node:module");
const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes("@opentelemetry"));
console.log(JSON.stringify({ ms, loaded }));`;
      const child = spawn(process.execPath, ["--input-type=module", "-e", code], { cwd: path.dirname(DIST) });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      child.once("error", reject);
      child.once("exit", () => {
        try {
          resolve(JSON.parse(out) as { ms: number; loaded: boolean });
        } catch (error) {
          reject(error as Error);
        }
      });
    });
  const imports = await alternate(
    N.importReps,
    () => probe(true),
    () => probe(false),
  );
  const on = spread(imports.map((r) => r.sdk.ms));
  const off = spread(imports.map((r) => r.baseline.ms));
  const loadedOff = imports.some((r) => r.baseline.loaded);
  record(
    "Telemetry: import + connectStdio in a fresh process, on vs off",
    `on ${showSpread(on, 1, " ms")}`,
    `off ${showSpread(off, 1, " ms")}`,
    `@opentelemetry/api loaded when off: ${loadedOff ? "yes" : "no"}`,
    "never loaded when off",
    !loadedOff && imports.every((r) => r.sdk.loaded),
  );
  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import(
    "@opentelemetry/sdk-trace-base"
  );
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer("bench");
  const runs = await alternate(
    reps,
    () => sdkSteps(n, { telemetry: { tracer } }),
    () => sdkSteps(n),
  );
  const turnSpans = exporter.getFinishedSpans().filter((span) => span.name === "invoke_agent codex");
  if (turnSpans.length !== reps)
    throw new Error(
      `telemetry: expected one turn span per run (${reps}), got ${turnSpans.length}: ` +
        exporter
          .getFinishedSpans()
          .map((span) => span.name)
          .join(", "),
    );
  await provider.shutdown();
  record(
    `Telemetry: ${fmt(n)} steps through chat(), on (in-memory exporter) vs off`,
    `on ${fmt(spread(runs.map((r) => r.sdk)).median)} ms`,
    `off ${fmt(spread(runs.map((r) => r.baseline)).median)} ms`,
    `${showSpread(spread(runs.map((r) => r.baseline / r.sdk)), 2, "×")} of off`,
    "≥ 0.8× of off",
    spread(runs.map((r) => r.baseline / r.sdk)).median >= 0.8,
  );
}

/** The load scenario of the e2e suite (test/support/approval-load.ts), timed, over stdio and WebSocket. */
async function load(n: number): Promise<void> {
  const modelServer = await MockModelServer.start();
  const home = createTestCodexHome({ modelServer });
  const listening = await startListeningAppServer({ home, token: true });
  try {
    for (const transport of ["stdio", "websocket"] as const) {
      modelServer.reset();
      const client =
        transport === "stdio"
          ? CodexClient.connectStdio({ env: home.env, cwd: home.workspace })
          : CodexClient.connectWebSocket({ url: listening.url, token: listening.token });
      try {
        const r = await runApprovalLoad(client, modelServer, home.workspace, n);
        const ok = r.completed === n && r.approvals === n && r.misrouted === 0 && r.crossed === 0;
        record(
          `Load, real server over ${transport}: ${n} threads, one approval each, at once`,
          `${fmt(r.wallMs)} ms wall`,
          "-",
          `${r.completed}/${n} completed, ${r.approvals} approvals, ${r.misrouted} misrouted`,
          "all complete, none misrouted",
          ok,
        );
      } finally {
        await client.close();
      }
    }
  } finally {
    await listening.stop();
    await modelServer.close();
    home.dispose();
  }
}

async function main(): Promise<void> {
  console.log(
    `codex-app-server-sdk benchmarks${smoke ? " (smoke)" : ""}: node ${process.version}, ${os.cpus().length} cores`,
  );
  if (wanted("import")) await importTime(N.importReps);
  if (wanted("steps"))
    await throughput(
      `Steps via chat() (${fmt(N.items)} item/completed)`,
      "steps",
      N.items,
      "items",
      sdkSteps,
      N.reps,
    );
  if (wanted("deltas"))
    await throughput(
      `Deltas via streamTurn() (${fmt(N.deltas)} deltas)`,
      "deltas",
      N.deltas,
      "deltas",
      (n) => sdkDeltas(n),
      N.reps,
    );
  if (wanted("approvals"))
    await latencyRow(
      `Approval round trip (${fmt(N.approvals)} sequential)`,
      N.reps,
      () => sdkApprovalLatencies(N.approvals),
      () => rawApprovalLatencies(N.approvals),
      "p99 ≤ raw + 0.05 ms",
      0.05,
    );
  if (wanted("requests"))
    await latencyRow(
      `Request round trip (${fmt(N.requests)} sequential)`,
      N.reps,
      () => sdkRequestLatencies(N.requests),
      () => rawRequestLatencies(N.requests),
      "reported",
      Infinity,
    );
  if (wanted("memory")) await memory(N.deltas);
  if (wanted("concurrency")) await concurrency(N.threads);
  if (wanted("real")) await realServer(N.reps);
  if (wanted("reconnect")) await reconnect(N.reps, N.heldThreads);
  if (wanted("load")) await load(N.load);
  if (wanted("telemetry")) await telemetry(N.items, N.reps);
  if (smoke || only) {
    console.log(`${smoke ? "smoke" : "partial"} run: BENCHMARKS.md not written.`);
    return;
  }
  writeReport();
}

function writeReport(): void {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const lines = [
    "# Benchmarks",
    "",
    `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}.`,
    "",
    "Each SDK figure is measured next to a raw baseline in the same run: a Node loop that spawns the",
    "same fake app-server (`bench/fake-app-server.mjs`), reads its stdout line by line and",
    "`JSON.parse`s each line, doing nothing else. Every ratio is the median of",
    `${N.reps} runs that alternate SDK and baseline (${N.importReps} for the import rows), with the range of the runs in`,
    "brackets. The import rows time `await import()` / `require()` of the built package inside a fresh",
    "`node` process (Node's own start-up excluded, nothing subtracted), against the same import of `ws`.",
    "",
    "| Benchmark | SDK | Baseline | Ratio | Target | Met |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(
      (r) => `| ${r.name} | ${r.sdk} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.ok ? "yes" : "no"} |`,
    ),
    "",
    ...notes,
  ];
  writeFileSync(path.join(import.meta.dirname, "..", "BENCHMARKS.md"), lines.join("\n") + "\n");
  console.log("wrote BENCHMARKS.md");
}

await main();
