// Which threads this connection has loaded, so a turn on a thread id costs no extra request when
// the thread is loaded, and a `thread/resume` first when it is not.
import type { RpcConnection } from "../rpc/connection.js";
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

  constructor(connection: RpcConnection) {
    for (const method of ["thread/closed", "thread/archived", "thread/deleted"]) {
      connection.onNotification(method, (params) => {
        const threadId = (params as { threadId?: unknown } | undefined)?.threadId;
        if (typeof threadId === "string") this.#ids.delete(threadId);
      });
    }
    connection.onDisconnect(() => this.#ids.clear());
    connection.onClose(() => this.#ids.clear());
  }

  /** The settings the thread was loaded with, or undefined when this connection has not loaded it. */
  get(threadId: string): ThreadConfig | undefined {
    return this.#ids.get(threadId);
  }

  add(threadId: string, config: ThreadConfig): void {
    this.#ids.set(threadId, config);
  }

  delete(threadId: string): void {
    this.#ids.delete(threadId);
  }
}
