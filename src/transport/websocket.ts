import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { inspect } from "node:util";
import type WebSocket from "ws";
import { CodexAuthenticationError, CodexTransportError } from "../errors/index.js";
import { parseJsonLine } from "./line-decoder.js";
import { OutgoingQueue } from "./outgoing-queue.js";
import { DEFAULT_MAX_MESSAGE_BYTES, type Transport } from "./transport.js";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";

/** The keys of {@link WebSocketTransportOptions}. */
export const WEBSOCKET_TRANSPORT_OPTIONS = {
  url: "string",
  token: "string",
  headers: "object",
  maxMessageBytes: "number",
  maxBufferedBytes: "number",
  allowInsecureRemote: "boolean",
  connectTimeoutMs: "number",
} as const satisfies OptionSpec<WebSocketTransportOptions>;

/** Options of {@link WebSocketTransport}. */
export interface WebSocketTransportOptions {
  /** `ws://`, `wss://` or `ws+unix://PATH:/` URL. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. Never printed in errors. */
  token?: string | undefined;
  /** Extra HTTP headers for the upgrade request. No `Origin` header is ever added. */
  headers?: Record<string, string> | undefined;
  /**
   * Largest accepted message in bytes. Default 64 MiB. A larger frame kills the connection (the
   * WebSocket protocol cannot skip it): `onclose` fires with the reason.
   */
  maxMessageBytes?: number | undefined;
  /**
   * Cap on outgoing bytes waiting for the server to read them. Default 16 MiB; past it `send`
   * rejects with `CodexTransportError`.
   */
  maxBufferedBytes?: number | undefined;
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

/**
 * Speaks to `codex app-server --listen ws://…` (or `unix://…`): one JSON message per text frame.
 *
 * Its state lives in `#private` fields, and `util.inspect` shows only the redacted URL and the
 * state: the token, the headers and the socket (whose upgrade request carries the
 * `Authorization` header) are never reachable from outside, and the socket is let go once closed.
 */
export class WebSocketTransport implements Transport {
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (error?: CodexTransportError) => void;

  #socket: WebSocket | undefined;
  #outgoing: OutgoingQueue | undefined;
  readonly #token: string | undefined;
  readonly #headers: Record<string, string>;
  readonly #options: Omit<WebSocketTransportOptions, "token" | "headers">;
  readonly #where: string;
  #started = false;
  #closing = false;
  #closedFired = false;
  #closed: Promise<void> | undefined;

  constructor(options: WebSocketTransportOptions) {
    checkOptions(options, WEBSOCKET_TRANSPORT_OPTIONS, "new WebSocketTransport(options)");
    checkWebSocketUrl(options.url, options.allowInsecureRemote ?? false);
    const { token, headers, ...rest } = options;
    this.#token = token;
    this.#headers = { ...headers };
    this.#options = rest;
    this.#where = redactUrl(options.url);
  }

  /** Outgoing bytes accepted by `send` and not yet handed to the OS. */
  get bufferedBytes(): number {
    return this.#outgoing?.bufferedBytes ?? 0;
  }

  [inspect.custom](): string {
    const state = !this.#started
      ? "new"
      : this.#closedFired
        ? "closed"
        : this.#outgoing
          ? "open"
          : "connecting";
    return `WebSocketTransport { url: ${JSON.stringify(this.#where)}, state: ${state} }`;
  }

  async start(): Promise<void> {
    if (this.#started) throw new CodexTransportError("WebSocketTransport.start() was called twice.");
    this.#started = true;
    // Loaded here, not at module load: `ws` (with http, https and crypto) costs more than the whole
    // SDK to import, and only a WebSocket connection needs it.
    const { default: WebSocket } = await import("ws");
    // close() during the import found no socket to close; opening one now would leak it.
    if (this.#closing)
      throw new CodexTransportError("The WebSocket transport was closed before it connected.");
    const { url } = this.#options;
    const token = this.#token;
    const allHeaders: Record<string, string> = { ...this.#headers };
    if (token !== undefined) allHeaders.Authorization = `Bearer ${token}`;
    const where = this.#where;
    const socket = new WebSocket(url, {
      headers: allHeaders,
      maxPayload: this.#options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      handshakeTimeout: this.#options.connectTimeoutMs ?? 10_000,
      perMessageDeflate: false,
    });
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve()));

    await new Promise<void>((resolve, reject) => {
      const removeConnectingListeners = () => {
        socket.off("open", onOpen);
        socket.off("unexpected-response", onUnexpectedResponse);
        socket.off("error", onConnectError);
      };
      const fail = (error: CodexTransportError) => {
        removeConnectingListeners();
        this.#closedFired = true;
        this.#socket = undefined; // its upgrade request holds the Authorization header
        socket.on("error", () => {}); // a late error of the dying socket must not go unhandled
        socket.terminate();
        reject(error);
      };
      const onOpen = () => {
        removeConnectingListeners();
        // Attached here, not after the await: a frame that came with the upgrade response is
        // delivered before a promise continuation would run.
        this.#attachOpenSocket(socket);
        resolve();
      };
      const onUnexpectedResponse = (_req: unknown, res: IncomingMessage) => {
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
      };
      const onConnectError = (err: Error) => {
        fail(
          new CodexTransportError(`Could not connect to the app-server at ${where}: ${err.message}`, {
            cause: err,
          }),
        );
      };
      socket.once("open", onOpen);
      socket.once("unexpected-response", onUnexpectedResponse);
      socket.once("error", onConnectError);
    });
  }

  /** Wires an open socket: the outgoing queue, incoming frames, and its death. */
  #attachOpenSocket(socket: WebSocket): void {
    const where = this.#where;
    this.#outgoing = new OutgoingQueue((text, done) => socket.send(text, done), {
      maxBufferedBytes: this.#options.maxBufferedBytes,
      peer: `the app-server at ${where}`,
    });
    socket.on("message", (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString("utf8") : String(data);
      parseJsonLine(text, this.onmessage, this.onerror);
    });
    // After open, an error means the socket is dying (a frame over maxMessageBytes, a text frame
    // that is not UTF-8, a reset): ws closes it, and the transport reports it now, not after the
    // closing handshake times out.
    socket.on("error", (err) => {
      this.#fireClose(
        new CodexTransportError(`The WebSocket connection to ${where} failed: ${err.message}`, {
          cause: err,
        }),
      );
      socket.terminate();
    });
    socket.once("close", (code, reason) => {
      this.#fireClose(
        new CodexTransportError(
          `The WebSocket connection to ${where} closed (code ${code}${reason.length ? `: ${reason.toString()}` : ""}).`,
        ),
      );
      this.#socket = undefined;
    });
  }

  send(message: unknown): Promise<void> {
    const socket = this.#socket;
    const outgoing = this.#outgoing;
    if (!socket || !outgoing || this.#closedFired || socket.readyState !== socket.OPEN) {
      return Promise.reject(new CodexTransportError("Cannot send: the WebSocket is not open."));
    }
    return outgoing.send(message, JSON.stringify(message));
  }

  discard(message: unknown): boolean {
    return this.#outgoing?.discard(message) ?? false;
  }

  async close(): Promise<void> {
    this.#closing = true;
    const socket = this.#socket;
    if (!socket || socket.readyState === socket.CLOSED) {
      this.#fireClose();
      return;
    }
    socket.close(1000);
    const timer = setTimeout(() => socket.terminate(), 1000);
    await this.#closed;
    clearTimeout(timer);
  }

  /** Fires `onclose` once: without an error after `close()`, else with `error`. */
  #fireClose(error?: CodexTransportError): void {
    if (this.#closedFired) return;
    this.#closedFired = true;
    const reported = this.#closing ? undefined : error;
    this.#outgoing?.close(
      () => reported ?? new CodexTransportError("Cannot send: the WebSocket connection was closed."),
    );
    this.onclose?.(reported);
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
