// After a reconnect: resume the threads in use and tell each running turn what became of it.
import { asError } from "../internal/as-error.js";
import { CodexTransportError } from "../errors/index.js";
import { settingsParams } from "./config.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TypedRequester } from "../rpc/typed-request.js";
import type { TurnRouter } from "../turn/router.js";

/** What a reconnect restored. */
export interface ReconnectInfo {
  /** Threads resumed with `thread/resume`. */
  resumedThreads: string[];
  /** Threads whose resume failed, with the error (their running turns' streams fail). */
  failedThreads: { threadId: string; error: Error }[];
}

/**
 * Resumes `heldThreadIds` and the threads of running turns (`thread/resume`), looks up with
 * `thread/read` the running turns the resume left out (paginated history), then settles each
 * running turn through the router.
 */
export async function recoverThreads(
  rpc: TypedRequester,
  heldThreadIds: readonly string[],
  router: TurnRouter | undefined,
): Promise<ReconnectInfo> {
  const threadIds = new Set(heldThreadIds);
  const activeTurns = router?.activeTurns() ?? [];
  for (const { threadId } of activeTurns) threadIds.add(threadId);
  const turnsByThread = new Map<string, Turn[] | Error>();
  await Promise.all(
    [...threadIds].map(async (threadId) => {
      try {
        const { thread } = await rpc.request(
          "thread/resume",
          settingsParams("thread/resume", {}, { threadId }),
        );
        turnsByThread.set(threadId, thread.turns);
      } catch (error) {
        turnsByThread.set(threadId, asError(error));
      }
    }),
  );
  const missing = new Set(
    activeTurns
      .filter(({ threadId, turnId }) => {
        const turns = turnsByThread.get(threadId);
        return Array.isArray(turns) && !turns.some((t) => t.id === turnId);
      })
      .map((t) => t.threadId),
  );
  await Promise.all(
    [...missing].map(async (threadId) => {
      try {
        const { thread } = await rpc.request("thread/read", { threadId, includeTurns: true });
        const known = turnsByThread.get(threadId) as Turn[];
        turnsByThread.set(threadId, [
          ...known,
          ...thread.turns.filter((t) => !known.some((k) => k.id === t.id)),
        ]);
      } catch {
        // keep what thread/resume said; the turn is then reported as interrupted
      }
    }),
  );
  router?.reconcile(turnsByThread, new CodexTransportError("The connection to the app-server dropped."));
  return {
    resumedThreads: [...turnsByThread].filter(([, v]) => !(v instanceof Error)).map(([id]) => id),
    failedThreads: [...turnsByThread].flatMap(([threadId, v]) =>
      v instanceof Error ? [{ threadId, error: v }] : [],
    ),
  };
}
