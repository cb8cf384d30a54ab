// Thread settings on the stable API: what a loaded thread's later turns carry when the client has
// not opted into the experimental `thread/settings/update`.
import type { ThreadSettings } from "./chat-types.js";
import type { ThreadConfig } from "./config.js";

/** `ThreadConfig` fields that `turn/start` also takes, under the same name and meaning. */
const SHARED_FIELDS = [
  "model",
  "serviceTier",
  "cwd",
  "runtimeWorkspaceRoots",
  "approvalPolicy",
  "approvalsReviewer",
  "permissions",
  "personality",
  "environments",
  "multiAgentMode",
] as const;

/** A thread's sandbox mode as the `turn/start` sandbox policy of the same meaning. */
const SANDBOX_POLICIES = {
  "read-only": { type: "readOnly" },
  "workspace-write": { type: "workspaceWrite" },
  "danger-full-access": { type: "dangerFullAccess" },
} as const;

/**
 * The settings of `threadConfig` for a thread this connection has already loaded. codex 0.169
 * ignores the settings of a `thread/resume` of a loaded thread (checked: the next model request
 * keeps the old model), so they travel with the next `turn/start`, whose settings apply "for this
 * turn and subsequent turns". Fields `turn/start` has no counterpart for are refused, unless
 * they equal what this connection loaded the thread with.
 */
export function settingsFromConfig(
  threadId: string,
  config: ThreadConfig,
  loadedWith: ThreadConfig,
): ThreadSettings {
  const settings: Record<string, unknown> = {};
  const refused: string[] = [];
  for (const [field, value] of Object.entries(config)) {
    if (value === undefined) continue;
    if ((SHARED_FIELDS as readonly string[]).includes(field)) settings[field] = value;
    else if (field === "sandbox" && value !== null)
      settings.sandboxPolicy = SANDBOX_POLICIES[value as keyof typeof SANDBOX_POLICIES];
    // The same value the thread was loaded with changes nothing (a config passed on every call).
    else if (JSON.stringify(loadedWith[field as keyof ThreadConfig]) !== JSON.stringify(value))
      refused.push(field);
  }
  if (refused.length > 0) {
    throw new TypeError(
      `threadConfig: thread ${threadId} is already loaded on this connection, and a loaded thread ` +
        `cannot change ${refused.join(", ")} (only starting a thread or resuming one this server ` +
        `had not loaded applies them). Leave them out, or change the turn's settings with turnOverrides.`,
    );
  }
  return settings as ThreadSettings;
}
