// The one place where a JSON-RPC error from the server becomes an SDK error.
import { CodexThreadNotFoundError } from "./conversation.js";
import { CodexMethodNotFoundError, CodexProtocolError } from "./index.js";

/** The `error` member of a JSON-RPC response. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** What is known about the failed call when its error arrives. */
export interface RpcErrorContext {
  method: string;
  /** The request's params: a refusal of a settings field is explained with the field and value. */
  params?: unknown;
  /** The server's version, for `CodexMethodNotFoundError`. */
  serverVersion?: string | undefined;
  /** The codex version the SDK's schema comes from. */
  schemaVersion?: string | undefined;
}

/** The methods whose refusals name the settings field and value the server refused. */
const SETTINGS_METHODS = new Set([
  "thread/start",
  "thread/resume",
  "thread/fork",
  "turn/start",
  "thread/settings/update",
]);

const EXPERIMENTAL_HINT = "Create the client with { experimentalApi: true } to use experimental methods.";

/**
 * Maps a JSON-RPC error to the SDK's error tree:
 * - an unknown method (-32601, or codex's -32600 "unknown variant `method`") → `CodexMethodNotFoundError`;
 * - "requires experimentalApi" → a `CodexProtocolError` that says how to opt in;
 * - a thread the server does not have (`thread/resume`, `turn/start`, …) → `CodexThreadNotFoundError`
 *   that says whether the id is unknown or the thread only needs resuming;
 * - a settings refusal of `thread/start`, `turn/start`, … → names the field and value refused;
 * - anything else → `CodexProtocolError` with `code`, `data` and `method`.
 */
export function errorFromRpc(error: RpcErrorObject, context: RpcErrorContext): CodexProtocolError {
  const { code, data } = error;
  const { method } = context;
  const text = error.message || "(no message)";
  if (code === -32601 || (code === -32600 && text.includes(`unknown variant \`${method}\``))) {
    const version = context.serverVersion;
    const schema = context.schemaVersion?.replace(/^codex-cli /, "");
    return new CodexMethodNotFoundError(
      `The connected app-server (${version ? `codex ${version}` : "version unknown"}) does not know "${method}". ` +
        `This SDK is built for codex ${schema ?? "(unknown)"}; use a server that has the method, or avoid it.`,
      {
        code,
        method,
        serverVersion: version,
        cause: new CodexProtocolError(`"${method}" failed: ${text} (JSON-RPC ${code})`, {
          code,
          data,
          method,
        }),
      },
    );
  }
  const base = `"${method}" failed: ${text} (JSON-RPC ${code})`;
  if (/requires experimentalApi/i.test(text)) {
    return new CodexProtocolError(`${base}. ${EXPERIMENTAL_HINT}`, { code, data, method });
  }
  const missing = threadNotFound(base, text, code, data, context);
  if (missing) return missing;
  const culprits = SETTINGS_METHODS.has(method) ? refusedFields(text, context.params) : [];
  if (culprits.length > 0) {
    return new CodexProtocolError(`${method}: the server refused ${culprits.join(", ")}: ${base}`, {
      code,
      data,
      method,
    });
  }
  return new CodexProtocolError(base, { code, data, method });
}

/** The `field "value"` pairs of `params` that the server's message names. */
function refusedFields(message: string, params: unknown): string[] {
  if (typeof params !== "object" || params === null) return [];
  const culprits: string[] = [];
  for (const [field, value] of Object.entries(params)) {
    if (value === undefined || value === null || field === "input" || field === "threadId") continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    if (text.length > 0 && text.length < 200 && (message.includes(text) || mentionsField(message, field))) {
      culprits.push(`${field} ${JSON.stringify(value)}`);
    }
  }
  return culprits;
}

function mentionsField(message: string, field: string): boolean {
  const snake = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return new RegExp(`\\b(${field}|${snake})\\b`).test(message);
}

/**
 * What codex 0.169 answers (-32600) for a thread it does not have, checked against the real server:
 * `thread/resume` "no rollout found for thread id X" (nothing stored); `turn/start`, `turn/steer`,
 * `turn/interrupt` "thread not found: X" (not loaded in this server); `thread/read` "thread not
 * loaded: X" (a stored thread is read from disk, so this one does not exist); "invalid thread id" /
 * "invalid session id" for a malformed id.
 */
function threadNotFound(
  base: string,
  text: string,
  code: number,
  data: unknown,
  context: RpcErrorContext,
): CodexThreadNotFoundError | undefined {
  const { method, params } = context;
  const threadId = (params as { threadId?: unknown } | undefined)?.threadId;
  if (code !== -32600 || typeof threadId !== "string") return undefined;
  let advice: string;
  if (/^invalid (thread|session) id\b/.test(text)) {
    advice = `${JSON.stringify(threadId)} is not a thread id. Use an id from startThread() or listThreads()`;
  } else if (/^no rollout found for thread id\b/.test(text) || /^thread not loaded\b/.test(text)) {
    advice = `Thread ${threadId} does not exist: the server has no stored thread with this id. Check the id, or start a new thread with startThread()`;
  } else if (/^thread not found\b/.test(text)) {
    advice = `Thread ${threadId} is not loaded on the server. Load it with resumeThread(${JSON.stringify(threadId)}) first (chatOnce, chat and streamTurn do this by themselves), or start a new thread with startThread()`;
  } else {
    return undefined;
  }
  return new CodexThreadNotFoundError(`${advice}. ${base}`, threadId, { code, data, method });
}
