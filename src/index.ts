// Public entry point of codex-app-server-sdk. The folders mirror the layers (docs/architecture.md):
// transport/ (bytes ↔ messages) → rpc/ (ids, timeouts, dispatch, reconnect) → client/ (connect,
// handshake, typed requests, events, services) → conversation/ + turn/ (threads, turns, steps) and
// approvals/ + server-requests/ (what the agent may do, on one guarded path).
export { CodexClient } from "./client/client.js";
export { defaultControlSocketPath } from "./client/connect.js";
export { parseServerVersion } from "./client/handshake.js";
export type { ServerRequestHandlerFor } from "./client/session.js";
export type { RequestArgs } from "./rpc/typed-request.js";
export type { ReconnectInfo } from "./conversation/recovery.js";
export type {
  ClientOptions,
  ReconnectSetting,
  StdioConnectOptions,
  UnixConnectOptions,
  WebSocketConnectOptions,
} from "./client/options.js";
export { resolveAppServerCommand } from "./client/command.js";
export type { CodexWarning, CodexWarningKind, WarningKinds, WarningMethod } from "./client/warnings.js";
export type { ParamsOptional, TypedRequester } from "./rpc/typed-request.js";
export type { ConnectionObserver, RequestObservation, TraceContext } from "./rpc/options.js";
export type { Subscription } from "./events/emitter.js";
export type {
  TelemetryMeter,
  TelemetryOptions,
  TelemetrySetting,
  TelemetryTracer,
} from "./telemetry/options.js";
export type { ResolvedCommand, AppServerCommandSource } from "./client/command.js";

export {
  CodexError,
  CodexTransportError,
  CodexAuthenticationError,
  CodexTimeoutError,
  CodexAbortError,
  CodexProtocolError,
  CodexMethodNotFoundError,
  CodexExperimentalApiError,
  CodexOverloadedError,
  CodexTurnInactiveError,
  CodexTurnDisconnectedError,
  CodexTurnFailedError,
  CodexOverflowError,
  CodexGoalRunningError,
  CodexGoalInactiveError,
  CodexApprovalNotPendingError,
  CodexAuthRequiredError,
  CodexModelUnavailableError,
  SERVER_OVERLOADED_CODE,
  isCodexError,
} from "./errors/index.js";
export type { ProcessExitInfo, TurnContinuation } from "./errors/index.js";
export { CodexThreadNotFoundError, CodexOutputValidationError } from "./errors/conversation.js";
export type { OutputIssue } from "./errors/conversation.js";

export { AccountService } from "./account/service.js";
export type {
  PendingSignIn,
  ChatGptSignIn,
  DeviceCodeSignIn,
  SignInOptions,
  Account,
} from "./account/service.js";
export type { AccountMethod } from "./account/connection.js";
export type { LoginCompletion, LoginWaitOptions } from "./account/pending-login.js";

export { ThreadHandle } from "./conversation/thread-handle.js";
export type { ThreadChatOptions } from "./conversation/thread-handle.js";
export type {
  ChatOnceOptions,
  ChatResult,
  StreamTurnOptions,
  CancelResult,
  ThreadSettings,
  ChatOptions,
  ChatResultFor,
  StructuredChatResult,
} from "./conversation/chat-types.js";
export { toUserInput, input } from "./conversation/input.js";
export type { TurnInput, ImageOptions, FileReference } from "./conversation/input.js";
export type { ThreadSettingsPath } from "./conversation/threads.js";
export type { HistoryOptions, TurnHistoryOptions } from "./conversation/history.js";
export { searchThreads } from "./conversation/thread-search.js";
export type {
  ThreadSearchBatch,
  ThreadSearchClient,
  ThreadSearchOptions,
} from "./conversation/thread-search.js";
export type {
  OutputSchema,
  OutputOf,
  JsonSchema,
  StandardSchemaV1,
  StandardSchemaResult,
} from "./conversation/structured-output.js";
export type {
  ApprovalPolicy,
  SandboxMode,
  SandboxPolicy,
  WorkspaceWriteSandboxPolicy,
  RawSandboxPolicy,
  ThreadConfig,
  TurnOverrides,
  Optional,
} from "./conversation/config.js";
export { GoalHandle } from "./goals/goal-handle.js";
export type {
  GoalOptions,
  ResumeGoalOptions,
  AttachGoalOptions,
  GoalResult,
  GoalEndReason,
  GoalEvent,
} from "./goals/goal-types.js";
export { TurnStream } from "./turn/turn-stream.js";
export type { TurnEvent, TurnResult, TurnStreamMode } from "./turn/turn-stream.js";
export type { ConversationStep, StepType } from "./turn/steps.js";

export { CommandApprovalRequest, FileChangeApprovalRequest } from "./approvals/requests.js";
export type {
  ApprovalRequest,
  ApprovalRequestBase,
  ApprovalRequestJSON,
  ApprovalRequestedEvent,
  ApprovalHandler,
  ApprovalHandlerSetting,
  ApprovalDecider,
  ApprovalDecisionRecord,
  ApprovalSettledRecord,
  ApprovalOutcome,
  ApprovalSignal,
} from "./approvals/requests.js";
export type { FileChange } from "./approvals/diff.js";
export type { ThreadSandboxContext } from "./approvals/thread-sandbox.js";
// A class, not only a type: `signal.reason instanceof ServerRequestSettled` tells a settled request
// from another abort reason (the signal is the SDK's, but a user may combine it with their own).
export { ServerRequestSettled, type ServerRequestOutcome } from "./rpc/server-requests.js";
export type { GuardOutcome } from "./server-requests/guard.js";
export {
  CommandApprovalWithExecpolicyAmendment,
  CommandApprovalWithNetworkPolicyAmendment,
  isApprovalDecision,
} from "./approvals/decisions.js";
export type { AllowedDecision, ApprovalDecision, SimpleApprovalDecision } from "./approvals/decisions.js";
export { approvalRules } from "./approvals/rules.js";
export type { ApprovalRulesOptions } from "./approvals/rules.js";
export type { ApproveOptions, RespondOptions, ApprovalRequestsOptions } from "./approvals/options.js";
export type {
  HookContext,
  PermissionsHandler,
  UserInputHandler,
  ElicitationHandler,
  ElicitationReply,
  DynamicToolHandler,
  Hook,
} from "./server-requests/hooks.js";

export { RpcConnection } from "./rpc/connection.js";
export type {
  RequestOptions,
  RpcConnectionOptions,
  ReconnectOptions,
  ServerRequestContext,
  ServerRequestHandler,
  NotificationListener,
  NotificationMessage,
  ConnectionState,
} from "./rpc/connection.js";
export { RpcErrorCode } from "./rpc/messages.js";
export type { RequestId } from "./rpc/messages.js";
export type { OverloadRetryOptions } from "./rpc/retry.js";

export type { Transport } from "./transport/transport.js";
export { StdioTransport } from "./transport/stdio.js";
export type { StdioTransportOptions } from "./transport/stdio.js";
export { WebSocketTransport, isLoopbackHost } from "./transport/websocket.js";
export type { WebSocketTransportOptions } from "./transport/websocket.js";

export * from "./protocol/index.js";
// Named by generated types of the `protocol` namespace, but outside its generated index.
export type { JsonValue } from "./protocol/generated/serde_json/JsonValue.js";
export type * as protocol from "./protocol/generated/index.js";
