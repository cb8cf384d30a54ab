// The locks on an approval inbox's door, shared by the single-process inbox and the fleet's: an
// answer there runs commands on a machine, so every route is guarded the same way.
//
// - Host allow-list: a page served from another name that resolves to 127.0.0.1 (DNS rebinding)
//   sends its own name in Host and is refused before anything else is read.
// - A per-launch secret: the URL printed once carries it; the first visit trades it for an HttpOnly,
//   SameSite=Strict cookie and redirects to a clean URL. Every route, the event stream included,
//   needs that cookie. The secret names who it was issued to, and answers are recorded as that person.
// - Posts: same origin only (Origin and Sec-Fetch-Site, when the browser sends them) and a JSON body,
//   which a cross-site form cannot send without a CORS preflight that is never granted.
// - Bodies: at most a few KiB (413 beyond), malformed JSON 400; keys with a fixed alphabet (400).
// - Every response carries a Content-Security-Policy that allows only this page's own script and
//   style (by a per-response nonce) and connections to itself.
import { randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isApprovalDecision, type ApprovalDecision } from "codex-app-server-sdk";

/** Largest request body an inbox reads: an answer is a few dozen bytes. */
export const MAX_BODY_BYTES = 4096;
const COOKIE = "inbox_session";
const ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;

export interface InboxGuardOptions {
  /** Who the first secret is issued to (answers are recorded as theirs). */
  user: string;
  /**
   * Extra `Host` values to accept (e.g. `"inbox.internal:8443"` behind a reverse proxy). The
   * loopback names with the inbox's port are always accepted once `listening(port)` is called.
   */
  allowedHosts?: string[];
}

/** A request that passed the guard: who sent it, and a nonce for the page's script and style. */
export interface GuardedRequest {
  user: string;
  nonce: string;
}

/** A refusal with its HTTP status, raised while reading a request (bad body, bad key). */
export class InboxHttpError extends Error {
  override name = "InboxHttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class InboxGuard {
  readonly #sessions = new Map<string, string>(); // secret -> user
  readonly #extraHosts: Set<string>;
  #hosts = new Set<string>();
  readonly #firstUser: string;

  constructor(options: InboxGuardOptions) {
    if (typeof options.user !== "string" || options.user.trim() === "")
      throw new TypeError("InboxGuard: user must be a non-empty string naming who answers.");
    this.#firstUser = options.user;
    this.#extraHosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  }

  /** Call once the server listens: the loopback names with this port become valid `Host` values. */
  listening(port: number): void {
    this.#hosts = new Set([...this.#extraHosts, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  }

  /**
   * Issues a secret to `user` and returns the URL that carries it (print it once; the first visit
   * trades it for a cookie). The first call with no user issues to the inbox's own user.
   */
  issue(baseUrl: string, user: string = this.#firstUser): string {
    const secret = randomBytes(24).toString("base64url");
    this.#sessions.set(secret, user);
    return `${baseUrl}?secret=${secret}`;
  }

  /**
   * Runs every check for one request. Returns who sent it, or undefined after answering the
   * refusal itself (the caller then stops).
   */
  check(req: IncomingMessage, res: ServerResponse): GuardedRequest | undefined {
    const nonce = randomBytes(16).toString("base64");
    setSecurityHeaders(res, nonce);
    const host = (req.headers.host ?? "").toLowerCase();
    if (!this.#hosts.has(host)) {
      refuse(res, 421, "unknown Host: open the inbox at the URL it printed");
      return undefined;
    }
    const url = new URL(req.url ?? "/", "http://inbox");
    const offered = url.searchParams.get("secret");
    if (req.method === "GET" && url.pathname === "/" && offered !== null) {
      const user = this.#userOf(offered);
      if (user === undefined) {
        refuse(res, 401, "this inbox link is not valid: use the URL the inbox printed at start");
        return undefined;
      }
      res.writeHead(303, {
        "set-cookie": `${COOKIE}=${offered}; HttpOnly; SameSite=Strict; Path=/`,
        location: "/",
      });
      res.end();
      return undefined;
    }
    const user = this.#userOf(cookieOf(req));
    if (user === undefined) {
      refuse(res, 401, "not signed in: open the URL the inbox printed at start");
      return undefined;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      const origin = req.headers.origin;
      const site = req.headers["sec-fetch-site"];
      if (
        (origin !== undefined && origin !== `http://${host}`) ||
        (site !== undefined && site !== "same-origin")
      ) {
        refuse(res, 403, "only the inbox page may post here");
        return undefined;
      }
      if (!(req.headers["content-type"] ?? "").toLowerCase().startsWith("application/json")) {
        refuse(res, 415, "send a JSON body (content-type: application/json)");
        return undefined;
      }
    }
    return { user, nonce };
  }

  #userOf(secret: string | undefined): string | undefined {
    if (secret === undefined) return undefined;
    const offered = Buffer.from(secret);
    for (const [known, user] of this.#sessions) {
      const expected = Buffer.from(known);
      if (offered.length === expected.length && timingSafeEqual(offered, expected)) return user;
    }
    return undefined;
  }

  /** Never shows the secrets. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `InboxGuard { sessions: ${this.#sessions.size} }`;
  }
  toJSON(): object {
    return { sessions: this.#sessions.size };
  }
}

function cookieOf(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [name, ...value] = part.trim().split("=");
    if (name === COOKIE) return value.join("=");
  }
  return undefined;
}

function setSecurityHeaders(res: ServerResponse, nonce: string): void {
  res.setHeader(
    "content-security-policy",
    [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
  );
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("cache-control", "no-store");
}

/** Answers a refusal as plain text (never an internal error's text). */
export function refuse(res: ServerResponse, status: number, message: string): void {
  if (!res.headersSent) res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(message);
}

/** The page with this response's nonce on its script and style tags. */
export function pageWithNonce(html: string, nonce: string): string {
  return html
    .replaceAll("<script>", `<script nonce="${nonce}">`)
    .replaceAll("<style>", `<style nonce="${nonce}">`);
}

/** Reads a JSON body of at most {@link MAX_BODY_BYTES}: 413 beyond, 400 when it is not JSON. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new InboxHttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new InboxHttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new InboxHttpError(400, "the body is not JSON");
  }
}

/**
 * An id (an approval key, a thread id) from a URL path segment: 400 unless it has the shape the
 * SDK's keys and the server's ids have, so nothing odd reaches a lookup or a log.
 */
export function pathIdOf(segment: string, what: string): string {
  let id: string;
  try {
    id = decodeURIComponent(segment);
  } catch {
    throw new InboxHttpError(400, `malformed ${what}`);
  }
  if (!ID_PATTERN.test(id)) throw new InboxHttpError(400, `malformed ${what}`);
  return id;
}

/**
 * The answer a page posts to `/approvals/<key>`: the key from the path segment and the `decision`
 * of the JSON body. 400 for a malformed key, a malformed body or a decision that is not one.
 */
export async function readAnswer(
  req: IncomingMessage,
  keySegment: string,
): Promise<{ key: string; decision: ApprovalDecision }> {
  const key = pathIdOf(keySegment, "approval key");
  const body = await readJsonBody(req);
  const decision = (body as { decision?: unknown } | null)?.decision;
  if (!isApprovalDecision(decision))
    throw new InboxHttpError(400, 'send {"decision": ...} with one of the request\'s allowedDecisions');
  return { key, decision };
}

/**
 * Wraps a request handler: guard first, then the handler; an {@link InboxHttpError} becomes its
 * status and message, anything else a 500 whose text says nothing internal.
 */
export function guarded(
  guard: InboxGuard,
  handle: (req: IncomingMessage, res: ServerResponse, who: GuardedRequest) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const who = guard.check(req, res);
    if (who === undefined) return;
    handle(req, res, who).catch((error: unknown) => {
      if (error instanceof InboxHttpError) return refuse(res, error.status, error.message);
      process.stderr.write(
        `inbox: ${error instanceof Error ? error.name : "error"} while serving ${req.method} ${new URL(req.url ?? "/", "http://inbox").pathname}\n`,
      );
      refuse(res, 500, "internal error");
    });
  };
}
