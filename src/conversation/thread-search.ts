// Thread search (experimental in codex 0.171): `thread/search/stream` as an async iterable of the
// partial batches the server sends while it searches, then its final page.
import { CodexOverflowError, CodexProtocolError } from "../errors/index.js";
import type { Subscription } from "../events/emitter.js";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";
import type { ThreadSearchParams } from "../protocol/generated/v2/ThreadSearchParams.js";
import type { ThreadSearchPartialNotification } from "../protocol/generated/v2/ThreadSearchPartialNotification.js";
import type { ThreadSearchResult } from "../protocol/generated/v2/ThreadSearchResult.js";
import type { TypedRequester } from "../rpc/typed-request.js";

/** One batch of a thread search. */
export interface ThreadSearchBatch {
  /**
   * `false`: a provisional batch the server found while searching (best effort: rows may be dropped
   * under load, or not make the final page). `true`: the authoritative final page, always last.
   */
  final: boolean;
  results: ThreadSearchResult[];
  /** Final batch only: the cursor of the next page (`params.cursor`), or null when there is none. */
  nextCursor: string | null;
}

/** Options of {@link searchThreads}. */
export interface ThreadSearchOptions {
  /** Ends the search: the server is told to cancel it, and the loop rejects with `CodexAbortError`. */
  signal?: AbortSignal | undefined;
  /** How long the whole search may take. Default: the client's `requestTimeoutMs`. */
  timeoutMs?: number | undefined;
  /** Most partial batches held for a slow reader; past it the loop fails with `CodexOverflowError`. Default 1 000. */
  bufferSize?: number | undefined;
}

/** The keys of {@link ThreadSearchOptions}. */
export const THREAD_SEARCH_OPTIONS = {
  signal: "signal",
  timeoutMs: "number",
  bufferSize: "number",
} as const satisfies OptionSpec<ThreadSearchOptions>;

/** What {@link searchThreads} needs of a client (a `CodexClient` is one). */
export interface ThreadSearchClient extends TypedRequester {
  on(
    method: "thread/search/partial",
    listener: (params: ThreadSearchPartialNotification) => void,
  ): Subscription;
}

/**
 * Searches the stored threads' text (`thread/search/stream`, experimental: the client needs
 * `experimentalApi: true`, else `CodexExperimentalApiError`). Yields the partial batches as the
 * server finds matches, then the final page (`final: true`), and ends. Breaking out of the loop,
 * or aborting `signal`, before the final page sends `thread/search/stream/cancel`, so the server
 * stops searching.
 *
 * @example
 * ```ts
 * const client = CodexClient.connectStdio({ experimentalApi: true });
 * for await (const batch of searchThreads(client, { searchTerm: "flaky test" })) {
 *   for (const { thread, snippet } of batch.results) console.log(thread.id, snippet);
 *   if (batch.results.length > 0) break; // the first match is enough: the search is cancelled
 * }
 * ```
 */
export async function* searchThreads(
  client: ThreadSearchClient,
  params: ThreadSearchParams,
  options: ThreadSearchOptions = {},
): AsyncGenerator<ThreadSearchBatch, void, undefined> {
  checkOptions(options, THREAD_SEARCH_OPTIONS, "searchThreads(client, params, options)");
  const capacity = options.bufferSize ?? 1000;
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(`searchThreads: bufferSize must be a positive integer, got ${capacity}.`);
  let requestId: number | undefined;
  const batches: ThreadSearchBatch[] = [];
  let failure: unknown;
  /** The request has ended (answered, or given up locally). */
  let settled = false;
  /** The server answered it: nothing left to cancel. */
  let answered = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const off = client.on("thread/search/partial", (partial) => {
    if (requestId === undefined || partial.requestId !== requestId || settled) return;
    if (batches.length >= capacity) {
      failure ??= new CodexOverflowError(
        `searchThreads: more than ${capacity} partial batches waited to be read; read faster or raise bufferSize.`,
        capacity,
      );
    } else batches.push({ final: false, results: partial.data, nextCursor: null });
    notify();
  });
  void client
    .request("thread/search/stream", params, {
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      onRequestId: (id) => (requestId = id),
    })
    .then(
      (page) => {
        answered = true;
        batches.push({ final: true, results: page.data, nextCursor: page.nextCursor });
      },
      (error: unknown) => {
        // An abort or a timeout ends only the wait here; the server searches on until cancelled.
        answered = error instanceof CodexProtocolError;
        failure ??= error;
      },
    )
    .finally(() => {
      settled = true;
      notify();
    });
  try {
    for (;;) {
      const batch = batches.shift();
      if (batch) {
        yield batch;
        if (batch.final) return;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (settled) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    off();
    if (!answered && requestId !== undefined) {
      // The reader left early (break, abort, timeout, overflow): stop the server's search. Cancel
      // is idempotent, and a search that has just ended is unaffected; its reply is ignored.
      client.request("thread/search/stream/cancel", { requestId }).catch(() => undefined);
    }
  }
}
