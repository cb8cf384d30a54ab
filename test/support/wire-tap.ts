// A transport wrapper that records every message in both directions: the wire, as the server saw it.
import type { CodexTransportError } from "../../src/errors/index.js";
import type { Transport } from "../../src/transport/transport.js";

export class WireTap implements Transport {
  readonly sent: { id?: number; method?: string; params?: Record<string, unknown> }[] = [];
  readonly received: { id?: number; result?: unknown; error?: { message: string } }[] = [];
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (error?: CodexTransportError) => void;
  constructor(private readonly inner: Transport) {
    inner.onmessage = (m) => {
      this.received.push(m as WireTap["received"][number]);
      this.onmessage?.(m);
    };
    inner.onerror = (e) => this.onerror?.(e);
    inner.onclose = (e) => this.onclose?.(e);
  }
  start = () => this.inner.start();
  send = (m: unknown) => {
    this.sent.push(m as WireTap["sent"][number]);
    return this.inner.send(m);
  };
  discard = (m: unknown) => this.inner.discard?.(m) ?? false;
  close = () => this.inner.close();
  /** Resolves with the reply to request `id` once it arrives. */
  async replyTo(id: number, timeoutMs = 10_000) {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; ) {
      const reply = this.received.find((m) => m.id === id && !("method" in m));
      if (reply) return reply;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no reply to request ${id} within ${timeoutMs} ms`);
  }
}
