import { isIP } from "node:net";
import type WebSocket from "ws";
import { CodexAuthenticationError, CodexTransportError } from "../errors/index.js";
import { parseJsonLine } from "./line-decoder.js";
import { DEFAULT_MAX_MESSAGE_BYTES, type Transport } from "./transport.js";

/** Options of {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** `ws://`, `wss://` or `ws+unix://PATH:/` URL. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. Never printed in errors. */
  token?: string | undefined;
  /** Extra HTTP headers for the upgrade request. No `Origin` header is ever added. */
  headers?: Record<string, string> | undefined;
  /** Largest accepted message in bytes. Default 64 MiB. */
  maxMessageBytes?: number | undefined;
  /** Allow plaintext `ws://` to a host that is not loopback. Default false. */
  allowInsecureRemote?: boolean | undefined;
  /** How long to wait for the connection to open. Default 10 000 ms. */
  connectTimeoutMs?: number | undefined;
}

/** True for 127.0.0.0/8, ::1 and `localhost`. Decided from the URL text alone: no name lookup. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  if (host.toLowerCase() === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || host === "0:0:0:0:0:0:0:1";
  return false;
}

/**
 * Checks a WebSocket URL before anything touches the network: plaintext `ws://` is only allowed
 * to loopback unless the caller opts in, because the token and every agent event would travel in
 * clear text.
 */
export function checkWebSocketUrl(url: string, allowInsecureRemote: boolean): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new CodexTransportError(
      `Invalid WebSocket URL "${url}": expected ws://HOST:PORT or wss://HOST:PORT.`,
      {
        cause,
      },
    );
  }
  if (parsed.protocol === "ws+unix:" || parsed.protocol === "wss:") return parsed;
  if (parsed.protocol !== "ws:") {
    throw new CodexTransportError(`Unsupported WebSocket URL scheme "${parsed.protocol}" in "${url}".`);
  }
  if (!isLoopbackHost(parsed.hostname) && !allowInsecureRemote) {
    throw new CodexTransportError(
      `Refusing plaintext ws:// to non-loopback host "${parsed.hostname}": the token and agent traffic ` +
        "would be readable on the network. Use wss://, or pass allowInsecureRemote: true if you accept that.",
    );
  }
  return parsed;
}

/** Speaks to `codex app-server --listen ws://…` (or `unix://…`): one JSON message per text frame. */
export class WebSocketTransport implements Transport {
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (error?: CodexTransportError) => void;

  private socket: WebSocket | undefined;
  // A #private field: unlike a TS `private`, util.inspect() and console.log() cannot show it.
  readonly #token: string | undefined;
  readonly #headers: Record<string, string>;
  private readonly options: Omit<WebSocketTransportOptions, "token" | "headers">;
  private closing = false;
  private closedFired = false;
  private closed: Promise<void> | undefined;

  constructor(options: WebSocketTransportOptions) {
    checkWebSocketUrl(options.url, options.allowInsecureRemote ?? false);
    const { token, headers, ...rest } = options;
    this.#token = token;
    this.#headers = { ...headers };
    this.options = rest;
  }

  async start(): Promise<void> {
    // Loaded here, not at module load: `ws` (with http, https and crypto) costs more than the whole
    // SDK to import, and only a WebSocket connection needs it.
    const { default: WebSocket } = await import("ws");
    if (this.socket) throw new CodexTransportError("WebSocketTransport.start() was called twice.");
    // close() during the import found no socket to close; opening one now would leak it.
    if (this.closing)
      throw new CodexTransportError("The WebSocket transport was closed before it connected.");
    const { url } = this.options;
    const token = this.#token;
    const allHeaders: Record<string, string> = { ...this.#headers };
    if (token !== undefined) allHeaders.Authorization = `Bearer ${token}`;
    const where = redactUrl(url);
    const socket = new WebSocket(url, {
      headers: allHeaders,
      maxPayload: this.options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      handshakeTimeout: this.options.connectTimeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    this.socket = socket;
    this.closed = new Promise((resolve) => socket.once("close", () => resolve()));

    await new Promise<void>((resolve, reject) => {
      const fail = (error: CodexTransportError) => {
        this.closedFired = true;
        socket.removeAllListeners("open");
        socket.terminate();
        reject(error);
      };
      socket.once("open", () => {
        socket.removeAllListeners("unexpected-response");
        resolve();
      });
      socket.once("unexpected-response", (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        if (status === 401 || status === 403) {
          fail(
            new CodexAuthenticationError(
              `The app-server at ${where} refused the connection with HTTP ${status}: ` +
                (token === undefined
                  ? "it requires a token. Pass `token` or set CODEX_APP_SERVER_TOKEN."
                  : "the token was not accepted. Check `token` / CODEX_APP_SERVER_TOKEN."),
              status,
            ),
          );
        } else {
          fail(
            new CodexTransportError(`The app-server at ${where} answered the upgrade with HTTP ${status}.`),
          );
        }
      });
      socket.once("error", (err) => {
        if (socket.readyState !== socket.OPEN) {
          fail(
            new CodexTransportError(`Could not connect to the app-server at ${where}: ${err.message}`, {
              cause: err,
            }),
          );
        }
      });
    });

    socket.on("message", (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : String(data);
      parseJsonLine(text, this.onmessage, this.onerror);
    });
    socket.on("error", (err) => this.onerror?.(err));
    socket.once("close", (code, reason) => {
      if (this.closedFired) return;
      this.closedFired = true;
      if (this.closing) this.onclose?.();
      else
        this.onclose?.(
          new CodexTransportError(
            `The WebSocket connection to ${where} closed (code ${code}${reason.length ? `: ${reason.toString()}` : ""}).`,
          ),
        );
    });
  }

  send(message: unknown): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== socket.OPEN) {
      return Promise.reject(new CodexTransportError("Cannot send: the WebSocket is not open."));
    }
    const text = JSON.stringify(message);
    return new Promise((resolve, reject) => {
      socket.send(text, (err) => {
        if (err) reject(new CodexTransportError(`WebSocket send failed: ${err.message}`, { cause: err }));
        else resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === socket.CLOSED) return;
    socket.close(1000);
    const timer = setTimeout(() => socket.terminate(), 1000);
    await this.closed;
    clearTimeout(timer);
  }
}

/** Drops credentials and query strings from a URL before it goes into a message. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "(invalid url)";
  }
}
