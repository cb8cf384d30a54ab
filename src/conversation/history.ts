// A thread's history, read page by page (`thread/turns/list`, `thread/items/list`). The server
// deprecates full-history hydration (`thread/read { includeTurns }`, `thread/resume` without
// `excludeTurns`) and says so with a `deprecationNotice`; the SDK reads history only this way.
import { CodexError, CodexProtocolError } from "../errors/index.js";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";
import { abortError } from "../internal/timers.js";
import type { SortDirection } from "../protocol/generated/v2/SortDirection.js";
import type { ThreadItemEntry } from "../protocol/generated/v2/ThreadItemEntry.js";
import type { Turn } from "../protocol/generated/v2/Turn.js";
import type { TurnItemsView } from "../protocol/generated/v2/TurnItemsView.js";
import type { TypedRequester } from "../rpc/typed-request.js";

/** Options of {@link ThreadHandle.turns} and {@link ThreadHandle.items}. */
export interface HistoryOptions {
  /** Entries asked for per request (the server's `limit`). Default: the server's own page size. */
  pageSize?: number | undefined;
  /** Stops paging: the pending request and the loop reject with `CodexAbortError`. */
  signal?: AbortSignal | undefined;
  /** `"asc"` (default): oldest first; `"desc"`: newest first. */
  sortDirection?: SortDirection | undefined;
  /** Per request; default the client's `requestTimeoutMs`. */
  timeoutMs?: number | undefined;
}

/** Options of {@link ThreadHandle.turns}. */
export interface TurnHistoryOptions extends HistoryOptions {
  /** How much of each turn's items to include: `"notLoaded"`, `"summary"` (server default) or `"full"`. */
  itemsView?: TurnItemsView | undefined;
}

/** The keys of {@link HistoryOptions}, checked when a history loop is made. */
export const HISTORY_OPTIONS = {
  pageSize: "number",
  signal: "signal",
  sortDirection: "string",
  timeoutMs: "number",
} as const satisfies OptionSpec<HistoryOptions>;

/** The keys of {@link TurnHistoryOptions}. */
export const TURN_HISTORY_OPTIONS = {
  ...HISTORY_OPTIONS,
  itemsView: "string",
} as const satisfies OptionSpec<TurnHistoryOptions>;

interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

async function* paged<T>(
  what: string,
  options: HistoryOptions,
  fetch: (cursor: string | undefined) => Promise<Page<T>>,
): AsyncGenerator<T, void, undefined> {
  const { pageSize, signal } = options;
  if (pageSize !== undefined && !(Number.isInteger(pageSize) && pageSize > 0))
    throw new RangeError(`${what}: pageSize must be a positive integer, got ${pageSize}.`);
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    if (signal?.aborted) throw abortError(what, signal);
    const page = await fetch(cursor);
    for (const entry of page.data) yield entry;
    if (page.nextCursor === null || page.nextCursor === undefined) return;
    // A server handing back a cursor it already gave would page forever.
    if (seen.has(page.nextCursor))
      throw new CodexProtocolError(`${what}: the server repeated a page cursor; stopping.`, {
        method: what,
      });
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
}

/** The thread's turns, one `thread/turns/list` page at a time. Breaking the loop stops paging. */
export function pageTurns(
  rpc: TypedRequester,
  threadId: string,
  options: TurnHistoryOptions = {},
): AsyncGenerator<Turn, void, undefined> {
  checkOptions(options, TURN_HISTORY_OPTIONS, "thread.turns(options)");
  return paged("thread/turns/list", options, async (cursor) =>
    rpc.request(
      "thread/turns/list",
      {
        threadId,
        sortDirection: options.sortDirection ?? "asc",
        ...(cursor !== undefined ? { cursor } : {}),
        ...(options.pageSize !== undefined ? { limit: options.pageSize } : {}),
        ...(options.itemsView !== undefined ? { itemsView: options.itemsView } : {}),
      },
      { signal: options.signal, timeoutMs: options.timeoutMs },
    ),
  );
}

/**
 * The thread's items (of one turn when `turnId` is given), one `thread/items/list` page at a time.
 * Breaking the loop stops paging.
 */
export function pageItems(
  rpc: TypedRequester,
  threadId: string,
  turnId: string | undefined,
  options: HistoryOptions = {},
): AsyncGenerator<ThreadItemEntry, void, undefined> {
  checkOptions(options, HISTORY_OPTIONS, "thread.items(turnId, options)");
  return paged("thread/items/list", options, async (cursor) =>
    rpc.request(
      "thread/items/list",
      {
        threadId,
        sortDirection: options.sortDirection ?? "asc",
        ...(turnId !== undefined ? { turnId } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
        ...(options.pageSize !== undefined ? { limit: options.pageSize } : {}),
      },
      { signal: options.signal, timeoutMs: options.timeoutMs },
    ),
  );
}

/**
 * The turns among `turnIds` the thread has, with all their items, newest first, paging back only
 * until every one is found (the turns the SDK looks up are recent). Missing ones are left out.
 * `deadline` (epoch ms) bounds the whole lookup.
 */
export async function findTurns(
  rpc: TypedRequester,
  threadId: string,
  turnIds: Iterable<string>,
  deadline?: number,
): Promise<Turn[]> {
  const wanted = new Set(turnIds);
  const found: Turn[] = [];
  if (wanted.size === 0) return found;
  const timeoutMs = () => (deadline === undefined ? undefined : Math.max(1, deadline - Date.now()));
  const pages = paged<Turn>("thread/turns/list", {}, (cursor) =>
    rpc.request(
      "thread/turns/list",
      {
        threadId,
        sortDirection: "desc",
        itemsView: "full",
        limit: 10,
        ...(cursor !== undefined ? { cursor } : {}),
      },
      { timeoutMs: timeoutMs() },
    ),
  );
  for await (const turn of pages) {
    if (!wanted.delete(turn.id)) continue;
    found.push(turn);
    if (wanted.size === 0) break;
  }
  return found;
}

/** One turn of the thread with its items, or a `CodexError` saying the thread has no such turn. */
export async function findTurn(
  rpc: TypedRequester,
  threadId: string,
  turnId: string,
  what: string,
  deadline?: number,
): Promise<Turn> {
  const [turn] = await findTurns(rpc, threadId, [turnId], deadline);
  if (!turn) throw new CodexError(`${what}: thread ${threadId} has no turn ${turnId}.`);
  return turn;
}
