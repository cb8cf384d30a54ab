import { CodexAbortError, CodexTransportError } from "../errors/index.js";
import { asError } from "../internal/as-error.js";

/** Default cap on outgoing bytes waiting to be written to one app-server: 16 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/**
 * Bytes handed to the stream (the pipe or the socket) and not yet confirmed written, past which
 * further messages wait in the queue instead: 256 KiB. Bytes handed over cannot be taken back;
 * bytes in the queue can, when their request times out or is aborted.
 */
export const STREAM_HIGH_WATER_BYTES = 256 * 1024;

/** Writes `text` to the underlying stream and calls `done` once it was handed to the OS. */
export type WriteToStream = (text: string, done: (error?: Error | null) => void) => void;

interface Entry {
  message: unknown;
  text: string;
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
  settled: boolean;
}

/**
 * The outgoing side of a transport: writes messages in order, bounded. At most
 * {@link STREAM_HIGH_WATER_BYTES} (or one message, if larger) sit in the stream at a time; the rest
 * wait here, where {@link discard} can drop them. The queue advances on write callbacks, so a slow
 * reader costs no `drain` or `close` listener per write. Past `maxBufferedBytes` waiting (in the
 * stream plus here), `send` rejects with a {@link CodexTransportError} instead of growing memory.
 */
export class OutgoingQueue {
  readonly #write: WriteToStream;
  readonly #maxBufferedBytes: number;
  readonly #describePeer: string;
  /** Entries not yet handed to the stream; `#head` is the next one (cheap shift). */
  #queue: Entry[] = [];
  #head = 0;
  #queuedBytes = 0;
  /** The queued entries by message, for {@link discard}. */
  readonly #byMessage = new Map<unknown, Entry>();
  readonly #inStream = new Set<Entry>();
  #inStreamBytes = 0;
  #closedError: (() => CodexTransportError) | undefined;
  #pumping = false;

  constructor(write: WriteToStream, options: { maxBufferedBytes?: number | undefined; peer: string }) {
    this.#write = write;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (!(this.#maxBufferedBytes > 0)) {
      throw new RangeError(`maxBufferedBytes must be a positive number, got ${this.#maxBufferedBytes}`);
    }
    this.#describePeer = options.peer;
  }

  /** Bytes accepted by `send` and not yet confirmed written. */
  get bufferedBytes(): number {
    return this.#queuedBytes + this.#inStreamBytes;
  }

  /** Queues `text` (the serialised `message`); settles once it was handed to the OS. */
  send(message: unknown, text: string): Promise<void> {
    if (this.#closedError) return Promise.reject(this.#closedError());
    const bytes = Buffer.byteLength(text);
    const buffered = this.bufferedBytes;
    if (buffered > 0 && buffered + bytes > this.#maxBufferedBytes) {
      return Promise.reject(
        new CodexTransportError(
          `Cannot send: ${buffered} bytes are already waiting to be written to ${this.#describePeer}, and ` +
            `${bytes} more would pass the write-buffer cap (maxBufferedBytes: ${this.#maxBufferedBytes}). ` +
            "The app-server is not reading what we send: check that it is alive and not stopped, or close " +
            "this client and connect again. Raise maxBufferedBytes only if you send large messages in bursts.",
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = { message, text, bytes, resolve, reject, settled: false };
      if (this.#head === this.#queue.length && this.#inStreamBytes < STREAM_HIGH_WATER_BYTES) {
        this.#handOver(entry);
      } else {
        this.#queue.push(entry);
        this.#queuedBytes += bytes;
        this.#byMessage.set(message, entry);
      }
    });
  }

  /**
   * Drops `message` if it still waits here (nothing of it was written): its `send` rejects with a
   * {@link CodexAbortError}. Returns whether it was dropped. A message already handed to the
   * stream is left alone: it is on its way.
   */
  discard(message: unknown): boolean {
    if (this.#byMessage.size === 0) return false;
    const entry = this.#byMessage.get(message);
    if (!entry) return false;
    this.#byMessage.delete(message);
    this.#queuedBytes -= entry.bytes;
    entry.text = ""; // free the bytes now; the slot is skipped when the queue reaches it
    entry.settled = true;
    entry.reject(
      new CodexAbortError("The message was dropped before it was written: its sender gave up on it."),
    );
    return true;
  }

  /** Rejects everything waiting, here and in the stream, with `error()`; later sends reject too. */
  close(error: () => CodexTransportError): void {
    if (this.#closedError) return;
    this.#closedError = error;
    const waiting = [...this.#inStream, ...this.#queue.slice(this.#head)];
    this.#queue = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#byMessage.clear();
    this.#inStream.clear();
    this.#inStreamBytes = 0;
    if (waiting.length === 0) return;
    const reason = error();
    for (const entry of waiting) {
      if (entry.settled) continue;
      entry.settled = true;
      entry.reject(reason);
    }
  }

  #handOver(entry: Entry): void {
    this.#inStream.add(entry);
    this.#inStreamBytes += entry.bytes;
    const done = (error?: Error | null) => {
      if (!this.#inStream.delete(entry)) return; // closed meanwhile: already rejected
      this.#inStreamBytes -= entry.bytes;
      entry.settled = true;
      if (error) {
        entry.reject(
          new CodexTransportError(`Writing to ${this.#describePeer} failed: ${error.message}`, {
            cause: error,
          }),
        );
      } else {
        entry.resolve();
      }
      this.#pump();
    };
    try {
      this.#write(entry.text, done);
    } catch (error) {
      done(asError(error));
    }
  }

  /** Hands queued entries to the stream while it holds less than the high-water mark. */
  #pump(): void {
    if (this.#pumping) return; // a write callback that ran synchronously, inside this loop
    this.#pumping = true;
    try {
      this.#pumpQueued();
    } finally {
      this.#pumping = false;
    }
  }

  #pumpQueued(): void {
    while (this.#head < this.#queue.length && this.#inStreamBytes < STREAM_HIGH_WATER_BYTES) {
      const entry = this.#queue[this.#head] as Entry;
      this.#queue[this.#head++] = undefined as unknown as Entry;
      if (entry.settled) continue; // discarded
      this.#byMessage.delete(entry.message);
      this.#queuedBytes -= entry.bytes;
      this.#handOver(entry);
      if (this.#closedError) return;
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
