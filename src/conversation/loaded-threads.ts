// Which threads this connection has loaded, so a turn on a thread id costs no extra request when
// the thread is loaded, and a `thread/resume` first when it is not.
import type { ServerEvents } from "../rpc/port.js";
import type { ThreadConfig } from "./config.js";

/**
 * The threads this connection started, resumed or forked. The server's `thread/started`
 * notification is not enough: 0.169 sends it to every connection of a shared (WebSocket) server,
 * and a connection that did not start or resume the thread receives none of its turn events
 * (checked), so such a thread still needs a `thread/resume`. Forgotten when the server closes,
 * archives or deletes the thread (`thread/closed`, `thread/archived`, `thread/deleted`), when this
 * client unsubscribes from it, and, all at once, when the connection closes or drops (a reconnect
 * marks again the threads it resumes). So the set holds only what the server holds for us.
 */
export class LoadedThreads {
  /** Loaded thread ids, each with the settings this connection loaded it with. */
  readonly #ids = new Map<string, ThreadConfig>();
  /** The working directory each loaded thread has, as the server last reported or was told. */
  readonly #cwd = new Map<string, string>();

  constructor(connection: ServerEvents) {
    for (const method of ["thread/closed", "thread/archived", "thread/deleted"] as const) {
      connection.onNotification(method, (params) => {
        const threadId = (params as { threadId?: unknown } | undefined)?.threadId;
        if (typeof threadId === "string") this.#forget(threadId);
      });
    }
    connection.onDisconnect(() => this.#clear());
    connection.onClose(() => this.#clear());
  }

  /** The settings the thread was loaded with, or undefined when this connection has not loaded it. */
  get(threadId: string): ThreadConfig | undefined {
    return this.#ids.get(threadId);
  }

  /** Marks the thread loaded; `reply` is the start, resume or fork reply, which names its `cwd`. */
  add(threadId: string, config: ThreadConfig, reply?: unknown): void {
    this.#ids.set(threadId, config);
    const cwd = (reply as { cwd?: unknown } | undefined)?.cwd;
    if (typeof cwd === "string") this.#cwd.set(threadId, cwd);
  }

  /** The thread's working directory, when known. */
  cwdOf(threadId: string): string | undefined {
    return this.#cwd.get(threadId);
  }

  /** A turn or settings update moved the thread to `cwd` (absolute). */
  setCwd(threadId: string, cwd: string): void {
    if (this.#ids.has(threadId)) this.#cwd.set(threadId, cwd);
  }

  #forget(threadId: string): void {
    this.#ids.delete(threadId);
    this.#cwd.delete(threadId);
  }

  #clear(): void {
    this.#ids.clear();
    this.#cwd.clear();
  }

  delete(threadId: string): void {
    this.#ids.delete(threadId);
  }
}
