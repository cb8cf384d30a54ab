// Options objects are checked once, at the public call that takes them: an unknown key, a value of
// the wrong type, or a non-object is a TypeError before anything is sent. A misspelt option that is
// silently dropped starts a thread in the wrong folder; a clear error costs one look-up per key.

/** A JSON type, or a JavaScript one the SDK's own options take. `"any"` accepts everything. */
export type OptionKind =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "null"
  | "object"
  | "array"
  | "function"
  | "signal"
  | "any";

/** A nested options object (its keys checked too), or a value checked by its own function. */
export interface NestedCheck {
  /** The other kinds the value may be (e.g. `false` for `overloadRetry`). */
  readonly kinds: readonly OptionKind[];
  /** The nested object's own keys. */
  readonly spec?: Readonly<Record<string, OptionCheck>>;
  /** Checks a value the kinds did not take; throws a TypeError naming `at`. */
  readonly check?: (value: unknown, at: string) => void;
  /** A valid value, for the tests that walk every spec. */
  readonly sample: unknown;
}

/** What one option may hold: a kind, any of several kinds, or a nested check. */
export type OptionCheck = OptionKind | readonly OptionKind[] | NestedCheck;

/**
 * The keys of an options type, each with its check. Typed with `satisfies OptionSpec<T>`, so that a
 * key added to `T` without being listed here (or listed but not in `T`) fails the typecheck.
 */
export type OptionSpec<T> = { readonly [K in keyof T]-?: OptionCheck };

/** Any spec, whatever its options type. */
export type AnyOptionSpec = Readonly<Record<string, OptionCheck>>;

/**
 * Names other SDKs (`@openai/codex-sdk` first) use for an option: the first listed key the spec has
 * is suggested, or else the hint.
 */
const ALIASES: Readonly<Record<string, { keys: readonly string[]; hint?: string }>> = {
  workingDirectory: { keys: ["cwd"] },
  workingDir: { keys: ["cwd"] },
  workdir: { keys: ["cwd"] },
  sandboxMode: { keys: ["sandbox", "sandboxPolicy"] },
  modelReasoningEffort: { keys: ["effort"], hint: "`turnOverrides: { effort }`" },
  reasoningEffort: { keys: ["effort"], hint: "`turnOverrides: { effort }`" },
  networkAccessEnabled: {
    keys: ["networkAccess"],
    hint: '`sandboxPolicy: { type: "workspaceWrite", networkAccess }`, or `config.sandbox_workspace_write`',
  },
  additionalDirectories: {
    keys: ["writableRoots"],
    hint: '`sandboxPolicy: { type: "workspaceWrite", writableRoots }`',
  },
  skipGitRepoCheck: { keys: [], hint: "nothing: the app-server does not require a git repository" },
  webSearchEnabled: { keys: [], hint: "`config: { web_search: … }`" },
  webSearchMode: { keys: [], hint: "`config: { web_search: … }`" },
  codexPathOverride: { keys: ["command"] },
  apiKey: { keys: [], hint: "`await client.account.loginWithApiKey(key)`" },
  baseUrl: { keys: ["url"], hint: "a `[model_providers]` entry in config.toml" },
  environment: { keys: ["env"] },
  environ: { keys: ["env"] },
  abortSignal: { keys: ["signal"] },
  timeout: { keys: ["timeoutMs", "requestTimeoutMs"] },
};

/** `where` names the call and parameter, e.g. "startThread(config)". */
export function checkOptions(value: unknown, spec: AnyOptionSpec, where: string): void {
  if (value === undefined) return;
  if (!isPlainObject(value)) throw new TypeError(`${where} takes an options object, got ${describe(value)}.`);
  for (const key of Object.keys(value)) {
    // own keys only: `constructor` or `__proto__` is an unknown option like any other
    const check = Object.hasOwn(spec, key) ? spec[key] : undefined;
    if (check === undefined) throw new TypeError(unknownOptionMessage(key, spec, where));
    checkValue((value as Record<string, unknown>)[key], check, `${where}.${key}`);
  }
}

/** The keys of `value` the spec lists (e.g. the client options among a connect call's). */
export function pickOptions<T>(value: T, spec: AnyOptionSpec): T {
  const picked: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as object)) if (Object.hasOwn(spec, key)) picked[key] = v;
  return picked as T;
}

/** Checks one value against its check; `at` names it in the error (`f(options).x`). */
export function checkValue(value: unknown, check: OptionCheck, at: string): void {
  // `undefined` leaves a field out, whatever its type.
  if (value === undefined) return;
  const kinds = typeof check === "string" ? [check] : isNested(check) ? check.kinds : check;
  if (kinds.some((kind) => isKind(value, kind))) return;
  if (isNested(check)) {
    if (check.spec && isPlainObject(value)) return checkOptions(value, check.spec, at);
    if (check.check) return check.check(value, at);
  }
  const expected = [...kinds, ...(isNested(check) && check.spec ? ["object" as const] : [])];
  throw new TypeError(`${at} must be ${expectedText(expected)}, got ${describe(value)}.`);
}

/** A nested options object, optionally also one of `kinds` (e.g. `true` for the defaults). */
export function nested(spec: AnyOptionSpec, ...kinds: OptionKind[]): NestedCheck {
  return { kinds, spec, sample: {} };
}

/**
 * The error text for an unknown key: the closest valid key, the nested options that take it
 * (`model` in chatOnce's options: `turnOverrides: { model }`), a known alias, or the valid keys.
 */
export function unknownOptionMessage(key: string, spec: AnyOptionSpec, where: string): string {
  const valid = Object.keys(spec);
  const head = `unknown option \`${key}\` in ${where}`;
  const alias = Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
  const aliased = alias?.keys.find((k) => valid.includes(k));
  const did = (keys: string[]) => `${head}; did you mean ${keys.join(" or ")}?`;
  const near = nearest(key, valid);
  if (near.length > 0) return did(near.map((k) => `\`${k}\``));
  if (aliased !== undefined) return did([`\`${aliased}\``]);
  // A key of a nested options object is a better guess than a longer key that merely contains it
  // (`model` in chatOnce's options: `turnOverrides: { model }`, not `modelRetryTimeoutMs`).
  const parents = valid.filter((k) => {
    const check = spec[k] as OptionCheck;
    return isNested(check) && check.spec !== undefined && Object.hasOwn(check.spec, key);
  });
  if (parents.length > 0) return did(parents.map((p) => `\`${p}: { ${key} }\``));
  const containing = key.length >= 4 ? valid.filter((c) => c.toLowerCase().includes(key.toLowerCase())) : [];
  if (containing.length > 0)
    return did(
      containing
        .sort()
        .slice(0, 3)
        .map((k) => `\`${k}\``),
    );
  if (alias?.hint !== undefined) return `${head}; use ${alias.hint} instead.`;
  return `${head}. The options are: ${[...valid].sort().join(", ")}.`;
}

/** The valid key nearest to `key`, if one is near (see {@link nearest}). */
export function closest(key: string, valid: readonly string[]): string | undefined {
  return nearest(key, valid)[0];
}

/**
 * The valid key near `key`: the same letters in another case, the one whose edit distance is small
 * for its length, or one that starts `key` (`env` for `environment`). Keys that merely contain a
 * word of four letters or more (`appServerArgs` for `args`) are tried later, by the caller.
 */
function nearest(key: string, valid: readonly string[]): string[] {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of valid) {
    const c = candidate.toLowerCase();
    if (c === lower) return [candidate];
    const d = editDistance(lower, c);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(Math.min(key.length, best.length) / 3)))
    return [best];
  const prefix = valid.find((c) => c.length >= 3 && lower.startsWith(c.toLowerCase()));
  return prefix !== undefined ? [prefix] : [];
}

/** Optimal string alignment distance: insertions, deletions, substitutions and transpositions. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return Infinity;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      row.push(d);
    }
    [prev2, prev] = [prev, row];
  }
  return prev[b.length] as number;
}

function isNested(check: OptionCheck): check is NestedCheck {
  return typeof check === "object" && !Array.isArray(check);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  // a plain object of any realm (a vm context, a test runner's sandbox), or one without a prototype
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function isKind(value: unknown, kind: OptionKind): boolean {
  switch (kind) {
    case "any":
      return true;
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && !Number.isNaN(value);
    case "signal":
      return value instanceof AbortSignal;
    default:
      return typeof value === kind;
  }
}

const KIND_TEXT: Record<OptionKind, string> = {
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "a boolean",
  null: "null",
  object: "an object",
  array: "an array",
  function: "a function",
  signal: "an AbortSignal",
  any: "anything",
};

function expectedText(kinds: readonly OptionKind[]): string {
  // "a string or null" reads better than "null or a string", whatever order the schema gave
  const ordered = [...kinds.filter((k) => k !== "null"), ...kinds.filter((k) => k === "null")];
  const texts = [...new Set(ordered.map((k) => KIND_TEXT[k]))];
  return texts.length <= 1 ? (texts[0] ?? "nothing") : `${texts.slice(0, -1).join(", ")} or ${texts.at(-1)}`;
}

/** The type of a value, never the value itself (it may be a token). */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && Number.isNaN(value)) return "NaN";
  if (typeof value === "object") {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor
      ?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return typeof value === "undefined" ? "undefined" : `a ${typeof value}`;
}
