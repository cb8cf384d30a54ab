// Paths the server needs absolute (`AbsolutePathBuf` in the schema: `writableRoots`,
// `runtimeWorkspaceRoots`, …) refuse a relative value with -32600, failing the whole turn late. The
// SDK makes them absolute before sending, against the thread's working directory, as
// `@openai/codex-sdk` does with its directories and `input.localImage` with its path.
import path from "node:path";
import { ABSOLUTE_PATH_FIELDS } from "../protocol/generated/param-fields.js";

/** The settings-carrying params whose absolute-path fields the schema lists. */
export type PathParams = keyof typeof ABSOLUTE_PATH_FIELDS;

/**
 * `settings` with their paths made absolute: a relative `cwd` against this process's working
 * directory (as `input.localImage` does), then every path the server needs absolute against that
 * `cwd`, else the thread's known `cwd`, else this process's. Returns the same object when nothing
 * changes; never edits the caller's objects.
 */
export function absolutePaths<T extends object | undefined>(
  settings: T,
  params: PathParams,
  threadCwd: string | undefined,
): T {
  if (settings === undefined) return settings;
  let out = settings as Record<string, unknown>;
  if (typeof out.cwd === "string" && out.cwd.length > 0 && !path.isAbsolute(out.cwd))
    out = { ...out, cwd: path.resolve(out.cwd) };
  const base = typeof out.cwd === "string" && out.cwd.length > 0 ? out.cwd : (threadCwd ?? process.cwd());
  let resolved: unknown = out;
  for (const steps of ABSOLUTE_PATH_FIELDS[params]) resolved = resolveAt(resolved, steps, base);
  return resolved as T;
}

function resolveAt(value: unknown, steps: readonly string[], base: string): unknown {
  const [step, ...rest] = steps;
  if (step === undefined)
    return typeof value === "string" && value.length > 0 && !path.isAbsolute(value)
      ? path.resolve(base, value)
      : value;
  if (step === "[]") {
    if (!Array.isArray(value)) return value;
    const items = value.map((item: unknown) => resolveAt(item, rest, base));
    return items.every((item, i) => item === value[i]) ? value : items;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const record = value as Record<string, unknown>;
  if (step.startsWith("type=")) return record.type === step.slice(5) ? resolveAt(value, rest, base) : value;
  if (record[step] === undefined) return value;
  const next = resolveAt(record[step], rest, base);
  return next === record[step] ? value : { ...record, [step]: next };
}
