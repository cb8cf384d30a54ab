// The services a CodexClient holds, wired together once: approvals and the server-request hooks on
// the guarded path, threads, turns and goals.
import { ApprovalBroker } from "../approvals/broker.js";
import { ThreadHandle } from "../conversation/thread-handle.js";
import { ThreadService } from "../conversation/threads.js";
import { TurnService } from "../conversation/turns.js";
import type { Emitter } from "../events/emitter.js";
import { reportOrWarn } from "../internal/report.js";
import { GoalService } from "../goals/goals.js";
import type { RpcConnection } from "../rpc/connection.js";
import { ServerRequestGuard } from "../server-requests/guard.js";
import { ServerRequestHooks } from "../server-requests/hooks.js";
import type { ClientCore } from "./core.js";
import type { ClientOptions } from "./options.js";

export interface ClientServices {
  guard: ServerRequestGuard;
  approvals: ApprovalBroker;
  hooks: ServerRequestHooks;
  threads: ThreadService<ThreadHandle>;
  turns: TurnService;
}

/** Builds the services of `client`, whose connection and error channel they share. */
export function createServices(
  client: ClientCore,
  connection: RpcConnection,
  errors: Emitter<Error>,
  options: ClientOptions,
  holdHandles: boolean,
): ClientServices {
  const guard = new ServerRequestGuard(connection, errors);
  const approvals = new ApprovalBroker(connection, guard, {
    approvalTimeoutMs: options.approvalTimeoutMs,
    approvalBufferSize: options.approvalBufferSize,
  });
  const hooks = new ServerRequestHooks(guard, { timeoutMs: options.approvalTimeoutMs });
  const threads: ThreadService<ThreadHandle> = new ThreadService<ThreadHandle>(client, {
    makeHandle: (id, defaults) =>
      new ThreadHandle(threads, turns, { goals, approvals: approvals.routes }, id, defaults),
    holdHandles,
    ready: () => client.initialize(),
    connection,
    experimentalApi: Boolean(options.experimentalApi ?? options.capabilities?.experimentalApi),
  });
  const turns: TurnService = new TurnService(client, connection, threads, {
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    turnBufferSize: options.turnBufferSize ?? 10_000,
    refuseTurn: (threadId) => goals.refuseTurn(threadId),
    approvals,
    report: (error, code) => reportOrWarn(errors, error, code),
  });
  const goals = new GoalService(client, connection, approvals, turns, guard, options);
  return { guard, approvals, hooks, threads, turns };
}
