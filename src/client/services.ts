// The services a CodexClient holds, wired together once: approvals and the server-request hooks on
// the guarded path, threads, turns and goals.
import { ApprovalBroker } from "../approvals/broker.js";
import { ThreadHandle } from "../conversation/thread-handle.js";
import { ThreadService } from "../conversation/threads.js";
import { TurnService } from "../conversation/turns.js";
import { reportOrWarn } from "../internal/report.js";
import { GoalService } from "../goals/goals.js";
import { GoalThreads } from "../goals/goal-threads.js";
import type { GoalRun } from "../goals/goal-run.js";
import { ThreadRuntimes } from "../runtime/thread-runtimes.js";
import type { ReconnectInfo } from "../conversation/recovery.js";
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
  // Every service is built after what it uses: nothing refers to one before it exists.
  const port = serverPort({ requester: client, events: connection });
  // One runtime per thread at work owns its turns' streams, its approval routes and its goal run;
  // together they are the connection's notification sink, and read `turn/completed` once.
  const runtimes = new ThreadRuntimes<GoalRun>(port);
  const guard = new ServerRequestGuard(errors);
  const approvals = new ApprovalBroker(port, guard, runtimes, {
    approvalTimeoutMs: options.approvalTimeoutMs,
    approvalBufferSize: options.approvalBufferSize,
  });
  const hooks = new ServerRequestHooks(guard, { timeoutMs: options.approvalTimeoutMs });
  const rpc = serverPort({
    requester: approvals.sandboxes.follow(client),
    events: connection,
  });
  // Which threads have a goal: the turn service refuses turns there, the goal service runs them.
  const goalThreads = new GoalThreads(port, runtimes);
  const threads = new ThreadService<ThreadHandle>(rpc, {
    holdHandles,
    ready: () => client.initialize(),
    experimentalApi: Boolean(options.experimentalApi ?? options.capabilities?.experimentalApi),
  });
  const turns = new TurnService(rpc, threads, runtimes, {
    inactivityTimeoutMs: options.inactivityTimeoutMs,
    turnBufferSize: options.turnBufferSize ?? 10_000,
    refuseTurn: (threadId) => goalThreads.refuseTurn(threadId),
    modelRetryTimeoutMs: options.modelRetryTimeoutMs,
    modelAccess: new ModelAccess(port, port, () => client.serverInfo?.codexHome),
    report: (error, code) => reportOrWarn(errors, error, code),
  });
  const goals = new GoalService(port, runtimes, turns, guard, options);
  // Each approval request of a turn being read joins that turn's stream, in its thread's runtime.
  approvals.onRequested((request) => runtimes.approvalRequested(request));
  const approvalsOf = runtimes.changeRoutes.bind(runtimes);
  threads.makeHandlesWith(
    (id, defaults) => new ThreadHandle(threads, turns, { goals, approvals: approvalsOf }, id, defaults),
  );
  // Observes the services from the side; unset, nothing is loaded and no hook is installed.
  if (options.telemetry)
    attachTelemetry(options.telemetry, {
      setObserver: (observer) => connection.setObserver(observer),
      onAnyNotification: (listener) => connection.onAnyNotification(listener),
      onClose: (listener) => connection.onClose(listener),
      onApprovalSettled: (listener) => approvals.onSettled(listener),
    });
  // After a reconnect, in this order: resume the threads with work in flight and settle each
  // running turn (which tells `onReconnected` what was resumed), then start each goal run's read-back
  // on its resumed thread (not awaited: a goal between two turns is looked at twice, a moment apart,
  // and `onReconnected` does not wait for that).
  const recovery: RecoveryStep[] = [() => threads.recover(runtimes), () => void goals.afterReconnect()];
  // The session's way back into the services: default handlers, and recovery after a reconnect.
  client.attach({
    defaultRequestHandler: (method) => guard.handlerFor(method),
    safeDefault: (method, params) => guard.safeDefault(method, params),
    recover: () => recoverInOrder(recovery),
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

/** One participant of the recovery after a reconnect; the first one's answer is the `ReconnectInfo`. */
type RecoveryStep = () => Promise<ReconnectInfo> | void;

/** Runs the recovery steps one after the other; a failing step does not stop the ones after it. */
async function recoverInOrder(steps: readonly RecoveryStep[]): Promise<ReconnectInfo> {
  let info: ReconnectInfo = { resumedThreads: [], failedThreads: [], deferredThreads: [] };
  let failure: unknown;
  for (const [i, step] of steps.entries()) {
    try {
      const answer = await step();
      if (i === 0 && answer) info = answer;
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
  return info;
}
