// Loads `@opentelemetry/api` only when a client asks for telemetry: without `telemetry` the SDK
// never reads it, so import time and memory stay as they were.
import { createRequire } from "node:module";
import type * as OtelApi from "@opentelemetry/api";
import { sdkModuleUrl } from "../internal/module-url.js";

export type OpenTelemetryApi = typeof OtelApi;

let loaded: OpenTelemetryApi | undefined;

/**
 * `@opentelemetry/api`, resolved from where this SDK is installed (it is a peer dependency), or a
 * `TypeError` that says what to install. The API keeps its providers and context manager in a
 * process-wide global, so this copy sees what the application registered.
 */
export function loadOpenTelemetryApi(): OpenTelemetryApi {
  if (loaded) return loaded;
  try {
    loaded = createRequire(sdkModuleUrl)("@opentelemetry/api") as OpenTelemetryApi;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== "MODULE_NOT_FOUND") throw error;
    throw new TypeError(
      "The `telemetry` option needs the package @opentelemetry/api, an optional peer dependency of " +
        "codex-app-server-sdk: install it (`npm install @opentelemetry/api`), or leave `telemetry` unset.",
      { cause: error },
    );
  }
  return loaded;
}
