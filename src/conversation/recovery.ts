// After a reconnect: resume the threads in use and tell each running turn what became of it.
import { asError } from "../internal/as-error.js";
import { CodexTransportError } from "../errors/index.js";
import { settingsParams } from "./config.js";
import { findTurns } from "./history.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TypedRequester } from "../rpc/typed-request.js";
import type { TurnRouter } from "../turn/router.js";

/**
 * Most `thread/resume`s in flight at once after a reconnect: enough that twenty held threads cost
 * little more than one, few enough that a client holding hundreds does not flood a server that has
 * just restarted.
 */
export const RESUME_CONCURRENCY = 8;

/** What a reconnect restored. */
export interface ReconnectInfo {
  /** Threads resumed with `thread/resume`. */
  resumedThreads: string[];
  /** Threads whose resume failed, with the error (their running turns' streams fail). */
  failedThreads: { threadId: string; error: Error }[];
}

/**
 * Resumes `heldThreadIds` and the threads of running turns (`thread/resume` without history, at
 * most {@link RESUME_CONCURRENCY} at once), looks up the running turns with `thread/turns/list`,
 * then settles each running turn through the router.
 */
export async function recoverThreads(
  rpc: TypedRequester,
  heldThreadIds: readonly string[],
  router: TurnRouter | undefined,
): Promise<ReconnectInfo> {
  const activeTurns = router?.activeTurns() ?? [];
  const running = new Map<string, Set<string>>();
  for (const { threadId, turnId } of activeTurns) {
    const ids = running.get(threadId) ?? new Set<string>();
    running.set(threadId, ids.add(turnId));
  }
  const threadIds = [...new Set([...heldThreadIds, ...running.keys()])];
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
  router?.reconcile(turnsByThread, new CodexTransportError("The connection to the app-server dropped."));
  return {
    resumedThreads: [...turnsByThread].filter(([, v]) => !(v instanceof Error)).map(([id]) => id),
    failedThreads: [...turnsByThread].flatMap(([threadId, v]) =>
      v instanceof Error ? [{ threadId, error: v }] : [],
    ),
  };
}
