import { CodexTransportError } from "../errors/index.js";
import { parseJsonLine } from "./line-decoder.js";
import type { Transport } from "./transport.js";

/**
 * One end of an in-memory linked pair. Messages are serialised to JSON text and parsed on the other
 * side, as on a real wire, and delivered asynchronously in order. `sendRaw` lets a test fake write
 * arbitrary text (malformed lines included).
 */
export class MemoryTransport implements Transport {
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (error?: CodexTransportError) => void;

  peer: MemoryTransport | undefined;
  private open = false;
  private closed = false;

  async start(): Promise<void> {
    if (this.closed) throw new CodexTransportError("MemoryTransport is closed.");
    this.open = true;
  }

  send(message: unknown): Promise<void> {
    return this.sendRaw(JSON.stringify(message));
  }

  /** Delivers `text` to the peer as one line/frame, exactly as given. */
  sendRaw(text: string): Promise<void> {
    if (!this.open || this.closed || !this.peer) {
      return Promise.reject(new CodexTransportError("Cannot send: the in-memory transport is closed."));
    }
    const peer = this.peer;
    queueMicrotask(() => {
      if (!peer.closed) parseJsonLine(text, peer.onmessage, peer.onerror);
    });
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.shutdown();
    const peer = this.peer;
    if (peer && !peer.closed) {
      queueMicrotask(() =>
        peer.shutdown(new CodexTransportError("The peer closed the in-memory transport.")),
      );
    }
  }

  /** Simulates the connection dropping (as if the server died). */
  fail(error = new CodexTransportError("The in-memory transport failed.")): void {
    this.shutdown(error);
    this.peer?.shutdown(error);
  }

  private shutdown(error?: CodexTransportError): void {
    if (this.closed) return;
    this.closed = true;
    this.open = false;
    this.onclose?.(error);
  }
}

/** Creates two linked transports: what one sends, the other receives. */
export function createLinkedTransports(): [MemoryTransport, MemoryTransport] {
  const a = new MemoryTransport();
  const b = new MemoryTransport();
  a.peer = b;
  b.peer = a;
  return [a, b];
}
