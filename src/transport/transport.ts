import type { CodexTransportError } from "../errors/index.js";

/**
 * Moves JSON-RPC messages between the client and one app-server. A transport knows bytes and
 * framing only: it never looks inside a message. Implementations: stdio (a child process),
 * WebSocket, WebSocket over a Unix socket, and an in-memory linked pair for tests.
 *
 * Lifecycle: `start()` once, then `send()` any number of times, then `close()`. After the
 * transport closes for any reason, `onclose` fires exactly once.
 */
export interface Transport {
  /** Opens the connection (spawns the process, opens the socket). */
  start(): Promise<void>;
  /**
   * Sends one message. Messages are written in call order; the promise settles when the
   * message has been handed to the OS (back-pressure is honoured), or rejects if the transport
   * is closed, or if the bytes already waiting to be written would pass the transport's
   * write-buffer cap (`maxBufferedBytes`, default 16 MiB).
   */
  send(message: unknown): Promise<void>;
  /**
   * Drops `message` (the object given to `send`) if it is still waiting in the transport and none
   * of it was written; its `send` then rejects with `CodexAbortError`. Returns whether it was
   * dropped. The rpc layer calls it when a request times out or is aborted, so a server that
   * stops reading is not sent requests nobody waits for. Optional: a transport without a queue of
   * its own need not implement it.
   */
  discard?(message: unknown): boolean;
  /** Closes the connection and releases every resource. Idempotent. */
  close(): Promise<void>;

  /** A parsed incoming message (any JSON value; the rpc layer validates it). */
  onmessage?: (message: unknown) => void;
  /** Something went wrong with one message (bad JSON, oversize); the transport goes on. */
  onerror?: (error: Error) => void;
  /** The transport closed. `error` is set when it was not closed by `close()`. */
  onclose?: (error?: CodexTransportError) => void;
}

/** Default maximum size of one incoming message: 64 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
