/**
 * A reviewer's view of what changed between two codex releases' protocols: methods, notifications
 * and server requests added and removed, types changed, new enum values, and which hand-written
 * files under src/ use a changed name. It reads the raw output of `codex app-server generate-ts
 * --experimental` of each binary (see `generateRawTypes`), so it needs no committed state.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Runs `<binary> app-server generate-ts --experimental` into a new temporary folder. */
export function generateRawTypes(binary: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "codex-ts-diff-"));
  execFileSync(binary, ["app-server", "generate-ts", "--experimental", "--out", dir], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  return dir;
}

function listTypeFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listTypeFiles(full, base));
    else if (name.endsWith(".ts") && name !== "index.ts") out.push(path.relative(base, full));
  }
  return out;
}

/** Type name → its declaration, with the generator's comment lines dropped. */
function readTypes(dir: string): Map<string, string> {
  const types = new Map<string, string>();
  for (const rel of listTypeFiles(dir)) {
    const text = readFileSync(path.join(dir, rel), "utf8")
      .split("\n")
      .filter((line) => !line.startsWith("//"))
      .join("\n")
      .trim();
    // The same name may exist at the root and under v2/: keep both apart.
    types.set(rel.replace(/\.ts$/, ""), text);
  }
  return types;
}

const methodsOf = (types: Map<string, string>, name: string) =>
  new Set([...(types.get(name) ?? "").matchAll(/"method": "([^"]+)"/g)].map((m) => m[1] as string));

/** String literals of a union that are values, not object keys (`"a" | { "b": … }` → `a`). */
const literalsOf = (declaration: string) =>
  new Set(
    [...declaration.replace(/^import .*$/gm, "").matchAll(/"((?:[^"\\\n]|\\.)*)"(\s*:)?/g)]
      .filter((m) => m[2] === undefined)
      .map((m) => m[1] as string),
  );

export interface ProtocolDiff {
  from: string;
  to: string;
  clientRequests: { added: string[]; removed: string[] };
  serverRequests: { added: string[]; removed: string[] };
  notifications: { added: string[]; removed: string[] };
  types: { added: string[]; removed: string[]; changed: string[] };
  /** Type → string literals it gained (new enum values). */
  newEnumValues: Record<string, string[]>;
  /** Hand-written file → the changed names it mentions. */
  usedBy: Record<string, string[]>;
}

const added = (a: Set<string>, b: Set<string>) => [...b].filter((x) => !a.has(x)).sort();

/** Compares two raw `generate-ts` folders; `srcDir` is searched for the changed names. */
export function diffProtocols(
  before: { version: string; dir: string },
  after: { version: string; dir: string },
  srcDir: string,
): ProtocolDiff {
  const a = readTypes(before.dir);
  const b = readTypes(after.dir);
  const pair = (name: string) => {
    const x = methodsOf(a, name);
    const y = methodsOf(b, name);
    return { added: added(x, y), removed: added(y, x) };
  };
  const names = (m: Map<string, string>) => new Set(m.keys());
  const changed = [...b.keys()].filter((k) => a.has(k) && a.get(k) !== b.get(k)).sort();
  const clientRequests = pair("ClientRequest");
  const serverRequests = pair("ServerRequest");
  const notifications = pair("ServerNotification");
  // A new method is listed once, as a method, not again as a new value of the method unions.
  const newMethods = new Set([...clientRequests.added, ...serverRequests.added, ...notifications.added]);
  const newEnumValues: Record<string, string[]> = {};
  for (const k of changed) {
    const gained = added(literalsOf(a.get(k) as string), literalsOf(b.get(k) as string)).filter(
      (v) => !newMethods.has(v),
    );
    if (gained.length > 0) newEnumValues[k] = gained;
  }
  const diff: ProtocolDiff = {
    from: before.version,
    to: after.version,
    clientRequests,
    serverRequests,
    notifications,
    types: { added: added(names(a), names(b)), removed: added(names(b), names(a)), changed },
    newEnumValues,
    usedBy: {},
  };
  const methodNames = [diff.clientRequests, diff.serverRequests, diff.notifications].flatMap((p) => [
    ...p.added,
    ...p.removed,
  ]);
  const typeNames = [...new Set([...diff.types.removed, ...changed].map((t) => path.basename(t)))];
  diff.usedBy = usages(srcDir, methodNames, typeNames);
  return diff;
}

function usages(srcDir: string, methods: string[], types: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return name === "generated" ? [] : walk(full);
      return name.endsWith(".ts") ? [full] : [];
    });
  for (const file of walk(srcDir)) {
    const text = readFileSync(file, "utf8");
    const hits = [
      ...methods.filter((m) => text.includes(`"${m}"`)),
      ...types.filter((t) => new RegExp(`\\b${t}\\b`).test(text)),
    ];
    if (hits.length > 0) out[path.relative(path.dirname(srcDir), file)] = hits;
  }
  return out;
}

/** The diff as Markdown-ish text, for a terminal and for a pull request description. */
export function formatProtocolDiff(diff: ProtocolDiff, experimental: ReadonlySet<string>): string {
  const tag = (m: string) => (experimental.has(m) ? `${m} (experimental)` : m);
  const list = (title: string, items: string[]) =>
    items.length === 0 ? [] : [`${title} (${items.length}):`, ...items.map((i) => `  ${i}`)];
  const lines = [
    `Protocol diff, codex ${diff.from} → ${diff.to}`,
    ...list("client requests added", diff.clientRequests.added.map(tag)),
    ...list("client requests removed", diff.clientRequests.removed),
    ...list("server requests added", diff.serverRequests.added),
    ...list("server requests removed", diff.serverRequests.removed),
    ...list("notifications added", diff.notifications.added),
    ...list("notifications removed", diff.notifications.removed),
    ...list("types added", diff.types.added),
    ...list("types removed", diff.types.removed),
    ...list("types changed", diff.types.changed),
    ...list(
      "new enum values",
      Object.entries(diff.newEnumValues).map(([t, v]) => `${t}: ${v.map((x) => `"${x}"`).join(", ")}`),
    ),
    ...list(
      "hand-written files using a changed name",
      Object.entries(diff.usedBy).map(([f, names]) => `${f}: ${names.join(", ")}`),
    ),
  ];
  if (lines.length === 1) lines.push("  (no protocol change)");
  return lines.join("\n");
}

/** One line for the CHANGELOG. */
export function summarizeProtocolDiff(diff: ProtocolDiff): string {
  const n = (label: string, p: { added: string[]; removed: string[] }) =>
    p.added.length + p.removed.length === 0 ? [] : [`${label} +${p.added.length}/−${p.removed.length}`];
  const parts = [
    ...n("client requests", diff.clientRequests),
    ...n("server requests", diff.serverRequests),
    ...n("notifications", diff.notifications),
    ...(diff.types.changed.length > 0 ? [`${diff.types.changed.length} types changed`] : []),
  ];
  return parts.length === 0 ? "no protocol change" : parts.join(", ");
}
