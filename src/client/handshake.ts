// The `initialize` handshake's params, the server version it reveals, and the experimental opt-in.
import { sdkPackageInfo } from "../internal/package-info.js";
import { CodexExperimentalApiError } from "../errors/index.js";
import type { InitializeParams } from "../protocol/generated/InitializeParams.js";
import { EXPERIMENTAL_FIELDS, EXPERIMENTAL_METHODS } from "../protocol/generated/experimental.js";
import type { ClientOptions } from "./options.js";

/** The handshake settings a client keeps (connect options may hold secrets: tokens, headers). */
export type HandshakeSettings = Pick<ClientOptions, "clientInfo" | "experimentalApi" | "capabilities">;

/** `initialize` params: `params` merged over the client's settings and this package's identity. */
export function initializeParams(
  settings: HandshakeSettings,
  params: Partial<InitializeParams>,
): InitializeParams {
  const pkg = sdkPackageInfo();
  return {
    clientInfo: params.clientInfo ??
      settings.clientInfo ?? {
        name: pkg.name,
        title: "Codex App Server SDK (TypeScript)",
        version: pkg.version,
      },
    capabilities: {
      experimentalApi: settings.experimentalApi ?? false,
      requestAttestation: false,
      ...settings.capabilities,
      ...params.capabilities,
    },
  };
}

/** The version in a codex `userAgent` (`<originator>/<version> (…)`), if any. */
export function parseServerVersion(userAgent: string | undefined): string | undefined {
  const match = userAgent === undefined ? null : /^[^/\s]+\/(\d+\.\d+\.\d+[^\s]*)/.exec(userAgent);
  return match?.[1];
}

/** The experimental surface needs the opt-in: refuse it before sending, with the way out. */
export function refuseExperimental(settings: HandshakeSettings, method: string, params: unknown): void {
  if (settings.experimentalApi || settings.capabilities?.experimentalApi) return;
  const howTo = "Create the client with { experimentalApi: true } to use the experimental API.";
  if (EXPERIMENTAL_METHODS.has(method)) {
    throw new CodexExperimentalApiError(`"${method}" is an experimental method. ${howTo}`, method);
  }
  const fields = EXPERIMENTAL_FIELDS[method];
  if (!fields || typeof params !== "object" || params === null) return;
  const used = fields.find((f) => {
    const value = (params as Record<string, unknown>)[f];
    return value !== undefined && value !== null;
  });
  if (used !== undefined) {
    throw new CodexExperimentalApiError(
      `"${method}": the field "${used}" is part of the experimental API. ${howTo}`,
      method,
      used,
    );
  }
}
