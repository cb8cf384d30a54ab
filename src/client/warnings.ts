// The server's warning notifications as one event, `client.onWarning`. Nobody listening is not a
// reason to lose them: a weakened sandbox or a deprecated call then becomes one process warning per
// kind and client.
import type { ServerNotificationMethod, ServerNotificationParams } from "../protocol/index.js";
import type { RpcConnection } from "../rpc/connection.js";
import { Emitter, type Subscription } from "../events/emitter.js";
import { CodexError } from "../errors/index.js";
import { reportOrWarn } from "../internal/report.js";

/** The warning notifications of the schema, each with the stable `kind` of its {@link CodexWarning}. */
export interface WarningKinds {
  configWarning: "config";
  deprecationNotice: "deprecation";
  warning: "server";
  guardianWarning: "guardian";
  "windows/worldWritableWarning": "windowsWorldWritable";
}

const KINDS = {
  configWarning: "config",
  deprecationNotice: "deprecation",
  warning: "server",
  guardianWarning: "guardian",
  "windows/worldWritableWarning": "windowsWorldWritable",
} as const satisfies WarningKinds & Partial<Record<ServerNotificationMethod, string>>;

/** A notification method the SDK reports through `onWarning`. */
export type WarningMethod = keyof WarningKinds;

/**
 * What `client.onWarning` listeners receive, one per warning notification of the server. `kind`
 * names where it comes from:
 * - `"config"` (`configWarning`): a setting the server ignored or cannot honour, e.g. bubblewrap
 *   missing from PATH, which weakens the Linux sandbox;
 * - `"deprecation"` (`deprecationNotice`): a call this client made that a later server will drop;
 * - `"server"` (`warning`): a notice about the running session, e.g. a transport fallback; codex
 *   0.169 also repeats a config warning this way, with the `threadId`, when a thread starts;
 * - `"guardian"` (`guardianWarning`): the automatic approval reviewer's warning about a thread;
 * - `"windowsWorldWritable"` (`windows/worldWritableWarning`): folders the Windows sandbox cannot
 *   protect.
 *
 * `summary` is the server's message (a config warning may list the ignored keys on further
 * lines), `details` more guidance when the server gives any, `threadId` the thread it concerns (or
 * `null`), and `params` the notification itself.
 */
export type CodexWarning = {
  [M in WarningMethod]: {
    kind: WarningKinds[M];
    summary: string;
    details: string | null;
    threadId: string | null;
    method: M;
    params: ServerNotificationParams<M>;
  };
}[WarningMethod];

/** The kinds of {@link CodexWarning}. */
export type CodexWarningKind = CodexWarning["kind"];

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

/** The warning a notification carries; tolerant of a server that leaves fields out. */
export function toWarning(method: WarningMethod, params: unknown): CodexWarning {
  const p = (params !== null && typeof params === "object" ? params : {}) as Record<string, unknown>;
  let summary: string | null;
  let details: string | null = null;
  if (method === "windows/worldWritableWarning") {
    const paths = Array.isArray(p.samplePaths) ? p.samplePaths.filter((x) => typeof x === "string") : [];
    const extra = typeof p.extraCount === "number" && p.extraCount > 0 ? ` and ${p.extraCount} more` : "";
    summary = "Some folders are writable by everyone, and the Windows sandbox cannot protect them.";
    if (paths.length > 0) details = `${paths.join(", ")}${extra}.`;
    if (p.failedScan === true) details = `${details ? `${details} ` : ""}The scan for such folders failed.`;
  } else if (method === "configWarning" || method === "deprecationNotice") {
    summary = text(p.summary);
    details = text(p.details);
  } else {
    summary = text(p.message);
  }
  return {
    kind: KINDS[method],
    summary: summary ?? `The server sent ${method} without a message.`,
    details,
    threadId: text(p.threadId),
    method,
    params,
  } as CodexWarning;
}

/**
 * The warning channel of one client: every warning notification goes to the `onWarning`
 * listeners; with none, the first of each kind becomes a process warning (type
 * `CodexServerWarning`), so it is seen once without flooding.
 */
export class ServerWarnings {
  readonly #listeners: Emitter<CodexWarning>;
  readonly #warned = new Set<CodexWarningKind>();

  constructor(connection: RpcConnection, errors: Emitter<Error>) {
    this.#listeners = new Emitter<CodexWarning>((error) =>
      reportOrWarn(
        errors,
        new CodexError("An onWarning listener threw; the client goes on.", { cause: error }),
        "CODEX_SDK_LISTENER_FAILED",
      ),
    );
    for (const method of Object.keys(KINDS) as WarningMethod[])
      connection.onNotification(method, (params) => this.#receive(toWarning(method, params)));
  }

  on(listener: (warning: CodexWarning) => void): Subscription {
    return this.#listeners.on(listener);
  }

  #receive(warning: CodexWarning): void {
    if (this.#listeners.size > 0) {
      this.#listeners.fire(warning);
      return;
    }
    if (this.#warned.has(warning.kind)) return;
    this.#warned.add(warning.kind);
    const details = warning.details === null ? "" : ` ${warning.details}`;
    process.emitWarning(
      `codex app-server: ${warning.summary}${details} (Listen with client.onWarning() to see every warning.)`,
      {
        type: "CodexServerWarning",
        code: `CODEX_SERVER_WARNING_${warning.kind.replace(/[A-Z]/g, "_$&").toUpperCase()}`,
      },
    );
  }
}
