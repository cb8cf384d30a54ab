// After a reconnect: resume the threads that have work in flight, and tell each running turn what
// became of it. Idle held threads are left for their next use, which resumes them anyway.
import { asError } from "../internal/as-error.js";
import { CodexTransportError } from "../errors/index.js";
import { settingsParams } from "./config.js";
import { findTurns } from "./history.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TypedRequester } from "../rpc/typed-request.js";
import type { ThreadRuntimes } from "../runtime/thread-runtimes.js";

/**
 * Most `thread/resume`s in flight at once after a reconnect: enough that many busy threads cost
 * little more than one, few enough that a client with hundreds does not flood a server that has
 * just restarted.
 */
export const RESUME_CONCURRENCY = 8;

/** What a reconnect restored. */
export interface ReconnectInfo {
  /**
   * Threads resumed with `thread/resume` before `onReconnected`: those with a running turn (or a
   * turn being read) and those of a goal this client follows.
   */
  resumedThreads: string[];
  /** Threads whose resume failed, with the error (their running turns' streams fail). */
  failedThreads: { threadId: string; error: Error }[];
  /**
   * Threads this client holds a handle for that had nothing running: not resumed yet. The next
   * turn, goal or `resumeThread` on one resumes it first (as for any thread this connection has
   * not loaded), so a reconnect costs the same with one idle thread or hundreds. Until then the
   * server sends this connection none of their events.
   */
  deferredThreads: string[];
}

/** The threads a reconnect has to deal with. */
export interface ThreadsToRecover {
  /** Threads whose handles are in use: resumed only if busy, else deferred to their next use. */
  held: readonly string[];
  /** Threads with work in flight besides their running turns (a followed goal): resumed now. */
  busy: readonly string[];
}

/**
 * Resumes the busy threads and the threads of running turns (`thread/resume` without history, at
 * most {@link RESUME_CONCURRENCY} at once), looks up the running turns with `thread/turns/list`,
 * then settles each running turn through its thread's runtime. Other held threads are deferred.
 */
export async function recoverThreads(
  rpc: TypedRequester,
  threads: ThreadsToRecover,
  runtimes: Pick<ThreadRuntimes, "activeTurns" | "reconcile">,
): Promise<ReconnectInfo> {
  const activeTurns = runtimes.activeTurns();
  const running = new Map<string, Set<string>>();
  for (const { threadId, turnId } of activeTurns) {
    const ids = running.get(threadId) ?? new Set<string>();
    running.set(threadId, ids.add(turnId));
  }
  const threadIds = [...new Set([...threads.busy, ...running.keys()])];
  const turnsByThread = new Map<string, Turn[] | Error>();
  const resume = async (threadId: string) => {
    try {
      await rpc.request("thread/resume", {
        ...settingsParams("thread/resume", {}, { threadId }),
        excludeTurns: true,
      });
    } catch (error) {
      turnsByThread.set(threadId, asError(error));
      return;
    }
    const wanted = running.get(threadId);
    // A turn the lookup cannot find (or a failed lookup) is reported as interrupted.
    turnsByThread.set(threadId, wanted ? await findTurns(rpc, threadId, wanted).catch(() => []) : []);
  };
  let next = 0;
  const worker = async () => {
    while (next < threadIds.length) await resume(threadIds[next++] as string);
  };
  await Promise.all(Array.from({ length: Math.min(RESUME_CONCURRENCY, threadIds.length) }, worker));
  runtimes.reconcile(turnsByThread, new CodexTransportError("The connection to the app-server dropped."));
  return {
    resumedThreads: [...turnsByThread].filter(([, v]) => !(v instanceof Error)).map(([id]) => id),
    failedThreads: [...turnsByThread].flatMap(([threadId, v]) =>
      v instanceof Error ? [{ threadId, error: v }] : [],
    ),
    deferredThreads: [...new Set(threads.held)].filter((threadId) => !turnsByThread.has(threadId)),
  };
}
