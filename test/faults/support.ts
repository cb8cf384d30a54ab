// Shared pieces of the fault suite: the fake servers' paths, and the checks every file runs
// (no process warning, no unhandled rejection, no handle left behind).
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";

/** The stdio fake app-server, as a `command` for `CodexClient.connectStdio`. */
export const STDIO_FAKE: readonly string[] = [
  process.execPath,
  fileURLToPath(new URL("./fixtures/stdio-app-server.mjs", import.meta.url)),
];

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once `check()` is true, polling every 5 ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Milliseconds `promise` took to settle, and how it settled. */
export async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/** Counts of the handle kinds a leak would show (child processes, pipes, sockets, servers, timers). */
function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) {
    if (/Process|Pipe|TCP|Socket|Server|Timeout/.test(kind)) counts[kind] = (counts[kind] ?? 0) + 1;
  }
  return counts;
}

/**
 * Installs the suite-wide guards in the calling test file: any process warning (such as
 * MaxListenersExceededWarning) or unhandled rejection fails the file, and so does a child process,
 * pipe or socket still open at the end.
 */
export function guardProcess(): void {
  const warnings: Error[] = [];
  const rejections: unknown[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  const onRejection = (reason: unknown) => rejections.push(reason);
  let baseline: Record<string, number> = {};
  before(() => {
    process.on("warning", onWarning);
    process.on("unhandledRejection", onRejection);
    baseline = handleCounts();
  });
  after(async () => {
    // Give closed handles a moment to leave the event loop (a child's pipes close after its exit).
    await until(() => JSON.stringify(handleCounts()) === JSON.stringify(baseline), 2_000).catch(() => {});
    process.off("warning", onWarning);
    process.off("unhandledRejection", onRejection);
    assert.deepEqual(handleCounts(), baseline, "handles left open");
    assert.deepEqual(
      warnings.map((w) => `${w.name}: ${w.message}`),
      [],
      "process warnings",
    );
    assert.deepEqual(rejections, [], "unhandled rejections");
  });
}
