// The services a CodexClient holds, wired together once: approvals and the server-request hooks on
// the guarded path, threads, turns and goals.
import { ApprovalBroker } from "../approvals/broker.js";
import { ThreadHandle } from "../conversation/thread-handle.js";
import { ThreadService } from "../conversation/threads.js";
import { TurnService } from "../conversation/turns.js";
import { reportOrWarn } from "../internal/report.js";
import { GoalService } from "../goals/goals.js";
import { AccountService } from "../account/service.js";
import { ModelAccess } from "../account/model-access.js";
import { ServerRequestGuard } from "../server-requests/guard.js";
import { ServerRequestHooks } from "../server-requests/hooks.js";
import { attachTelemetry } from "../telemetry/telemetry.js";
import { serverPort } from "../rpc/port.js";
import type { ClientSession } from "./session.js";
import type { ClientOptions } from "./options.js";

export interface ClientServices {
  guard: ServerRequestGuard;
  approvals: ApprovalBroker;
  hooks: ServerRequestHooks;
  threads: ThreadService<ThreadHandle>;
  turns: TurnService;
  /** The account service, made on first use. */
  account: () => AccountService;
}

/** Builds the services of one client over its session, whose connection and error channel they share. */
export function createServices(
  client: ClientSession,
  options: ClientOptions,
  holdHandles: boolean,
): ClientServices {
  const { connection, errors } = client;
  // Each service gets a port: typed requests and events, never the connection itself. The thread
  // and turn services' requests also tell the approvals each thread's policy and sandbox (`rpc`).
  const onReconnected = (listener: () => void) => client.onReconnected(() => listener());
  const port = serverPort({ requester: client, events: connection, onReconnected });
  const guard = new ServerRequestGuard(errors);
  const approvals = new ApprovalBroker(port, guard, {
    approvalTimeoutMs: options.approvalTimeoutMs,
    approvalBufferSize: options.approvalBufferSize,
  });
  const hooks = new ServerRequestHooks(guard, { timeoutMs: options.approvalTimeoutMs });
  const rpc = serverPort({
    requester: approvals.sandboxes.follow(client),
    events: connection,
    onReconnected,
  });
  const threads: ThreadService<ThreadHandle> = new ThreadService<ThreadHandle>(rpc, {
    makeHandle: (id, defaults) =>
      new ThreadHandle(threads, turns, { goals, approvals: approvals.routes }, id, defaults),
    holdHandles,
    ready: () => client.initialize(),
    experimentalApi: Boolean(options.experimentalApi ?? options.capabilities?.experimentalApi),
  });
  const turns: TurnService = new TurnService(rpc, threads, {
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    turnBufferSize: options.turnBufferSize ?? 10_000,
    refuseTurn: (threadId) => goals.refuseTurn(threadId),
    approvals,
    modelRetryTimeoutMs: options.modelRetryTimeoutMs,
    modelAccess: new ModelAccess(port, port, () => client.serverInfo?.codexHome),
    report: (error, code) => reportOrWarn(errors, error, code),
  });
  const goals = new GoalService(port, approvals, turns, guard, options);
  // Observes the services from the side; unset, nothing is loaded and no hook is installed.
  if (options.telemetry)
    attachTelemetry(options.telemetry, {
      setObserver: (observer) => connection.setObserver(observer),
      onAnyNotification: (listener) => connection.onAnyNotification(listener),
      onClose: (listener) => connection.onClose(listener),
      onApprovalSettled: (listener) => approvals.onSettled(listener),
    });
  // The session's way back into the services: default handlers, and recovery after a reconnect.
  client.attach({
    defaultRequestHandler: (method) => guard.handlerFor(method),
    safeDefault: (method, params) => guard.safeDefault(method, params),
    recover: () => threads.recover(turns.existingRouter, goals.threadIds()),
  });
  let account: AccountService | undefined;
  const accountService = () =>
    (account ??= new AccountService({
      request: (method, params, options) => client.requestUntyped(method, params, options) as Promise<never>,
      on: (method, listener) => connection.onNotification(method, listener as (params: unknown) => void),
      onClose: (listener) => connection.onClose(listener),
    }));
  return { guard, approvals, hooks, threads, turns, account: accountService };
}
