// What the fleet's processes say to each other through Redis: key names, channels and messages,
// in one place so the producer, the workers and the inbox cannot drift apart.
import type { ApprovalDecision, ApprovalOutcome, ApprovalRequestJSON } from "codex-app-server-sdk";

/** The queue every worker takes new jobs from. */
export const SHARED_QUEUE = "fleet";
/** The queue only `worker` takes jobs from: continuations of threads that live in its CODEX_HOME. */
export const workerQueue = (worker: string) => `fleet-${worker}`;

export const keys = {
  /** Hash: fleet key → {@link PendingApproval} JSON, for every approval a live worker holds. */
  pending: "fleet:pending",
  /** Set of worker ids that have started. */
  workers: "fleet:workers",
  /** String with a TTL, refreshed by the worker: missing means the worker is gone. */
  alive: (worker: string) => `fleet:alive:${worker}`,
  /** List a worker pops answers from. */
  answers: (worker: string) => `fleet:answers:${worker}`,
  /** The one-shot claim on an approval: set (NX) by the first inbox request that answers it. */
  claim: (key: string) => `fleet:claim:${key}`,
  /** How an approval ended, kept for an hour so a late answer gets 409 with the outcome. */
  outcome: (key: string) => `fleet:outcome:${key}`,
  /** List of {@link SettledApproval} JSON: one entry per approval that stopped being pending. */
  settled: "fleet:settled",
  /** Pub/sub channel of {@link FleetEvent}s, for live pages. */
  events: "fleet:events",
} as const;

/** A worker refreshes its alive key this often… */
export const HEARTBEAT_MS = 1_000;
/** …with this TTL: a worker silent this long is gone, and its approvals are closed. */
export const ALIVE_TTL_MS = 3_000;
/** How often the inbox looks for approvals of gone workers. */
export const SWEEP_MS = 1_000;
/** Kept outcomes expire after this long. */
export const OUTCOME_TTL_S = 3_600;

/** A job: a prompt, a workspace, and optionally a thread to continue. */
export interface FleetJob {
  prompt: string;
  cwd: string;
  /** Continue this thread (the job then goes to the worker that owns it: see `enqueue`). */
  threadId?: string;
  /** How long an approval of this job waits for a person before it is declined. */
  approvalTimeoutMs?: number;
}

/** What a job returns (`status` is the turn's: completed, interrupted or failed). */
export interface FleetJobResult {
  worker: string;
  threadId: string;
  status: string;
  text: string;
}

/**
 * The fleet's name for an approval: `<worker>.<the client's key>`. Worker ids have no dot, so the
 * owner is always readable from it, and two workers' clients can never name the same approval
 * even if their own keys collided.
 */
export const fleetKey = (worker: string, key: string) => `${worker}.${key}`;

/** An approval as the inbox stores and shows it. */
export interface PendingApproval {
  /** See {@link fleetKey}; `request.key` is the owning client's own key. */
  key: string;
  worker: string;
  job: string;
  request: ApprovalRequestJSON;
}

export interface SettledApproval {
  /** The fleet key ({@link fleetKey}). */
  key: string;
  worker: string;
  job: string;
  outcome: ApprovalOutcome;
  decision: ApprovalDecision | null;
  by: string | null;
}

/** An answer on its way from the inbox to the owning worker. */
export interface FleetAnswer {
  /** The worker's client's own key (`request.key`). */
  key: string;
  decision: ApprovalDecision;
  by: string;
  /** The list the worker pushes its {@link FleetAnswerReply} to. */
  replyTo: string;
}

/** `invalid`: the request does not allow that decision (nothing was sent to the server). */
export type FleetAnswerReply =
  | { ok: true }
  | { ok: false; outcome: ApprovalOutcome | null }
  | { ok: false; invalid: true };

export type FleetEvent =
  | { type: "approval"; approval: PendingApproval }
  | { type: "settled"; key: string; outcome: ApprovalOutcome }
  | { type: "worker"; worker: string; alive: boolean };
