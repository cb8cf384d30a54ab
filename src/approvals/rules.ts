import path from "node:path";
import { shellSplit } from "../internal/shell-split.js";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";
import type { ApprovalDecision } from "./decisions.js";
import type {
  ApprovalHandler,
  ApprovalRequest,
  CommandApprovalRequest,
  FileChangeApprovalRequest,
} from "./requests.js";

const RULES = Symbol("codex.approvalRules");

/** The rule of an `approvalRules` handler that answered each request (see {@link ruleThatDecided}). */
const decidingRule = new WeakMap<ApprovalRequest, string>();

/** Options of {@link approvalRules}. Rules are checked in this order: deny network, allow, fallback. */
export interface ApprovalRulesOptions {
  /**
   * Command prefixes to accept, e.g. `[["git", "status"], ["npm", "test"]]`. A command matches
   * when its words start with a prefix; commands with shell operators (`;`, `&&`, `|`, `>`, `$(…)`,
   * back-quotes…) never match, so `git status; rm -rf ~` is not `git status`.
   */
  allowCommands?: readonly (readonly string[])[] | undefined;
  /**
   * Decline commands that involve network access: the server flags it (network context, proposed
   * host rules, extra network permission), the reason mentions the network, or the program is a
   * network tool (`curl`, `wget`, `ssh`, `git clone/fetch/pull/push`, `npm install`, …). Default true.
   */
  denyNetwork?: boolean | undefined;
  /**
   * Accept file changes whose every path (and any `grantRoot`) lies under one of these folders.
   * The check is lexical (`path.resolve`), so a symlink inside a root is trusted as the root is.
   */
  allowFileChangesUnder?: readonly string[] | undefined;
  /**
   * The answer when no rule matches: a decision, a handler, or `"hold"` (a person answers it by
   * key, see docs/approvals.md). Default `"decline"`.
   */
  fallback?: ApprovalDecision | "hold" | ApprovalHandler | undefined;
}

/** The keys of {@link ApprovalRulesOptions}. */
export const APPROVAL_RULES_OPTIONS = {
  allowCommands: "array",
  denyNetwork: "boolean",
  allowFileChangesUnder: "array",
  fallback: ["string", "function", "object"],
} as const satisfies OptionSpec<ApprovalRulesOptions>;

/**
 * Builds an approval handler from data. Its decisions are reported with `decidedBy: "rules"` and
 * `rule`, the rule that decided: `"denyNetwork"`, `"allowCommands[i]"` (the prefix at index `i`),
 * `"allowFileChangesUnder"`, or `"fallback"` when none matched (for a fallback that is itself
 * `approvalRules`, `"fallback."` and the rule inside it, e.g. `"fallback.allowCommands[0]"`).
 *
 * @example
 * ```ts
 * client.setApprovalHandler(
 *   approvalRules({
 *     allowCommands: [["git", "status"], ["npm", "test"]],
 *     allowFileChangesUnder: [workspace],
 *     fallback: "decline",
 *   }),
 * );
 * ```
 */
export function approvalRules(options: ApprovalRulesOptions): ApprovalHandler {
  checkOptions(options, APPROVAL_RULES_OPTIONS, "approvalRules(options)");
  const prefixes = (options.allowCommands ?? []).map((prefix, i) => {
    if (
      !Array.isArray(prefix) ||
      prefix.length === 0 ||
      !prefix.every((w) => typeof w === "string" && w !== "")
    ) {
      throw new TypeError(
        `approvalRules: allowCommands[${i}] must be a non-empty array of words such as ["npm", "test"], got ${JSON.stringify(prefix)}.`,
      );
    }
    return [...prefix];
  });
  const roots = (options.allowFileChangesUnder ?? []).map((root) => {
    if (typeof root !== "string" || !path.isAbsolute(root)) {
      throw new TypeError(
        `approvalRules: allowFileChangesUnder needs absolute folder paths, got ${JSON.stringify(root)}.`,
      );
    }
    return path.resolve(root);
  });
  const denyNetwork = options.denyNetwork ?? true;
  const fallback = options.fallback ?? "decline";
  const decide = <D>(request: ApprovalRequest, rule: string, decision: D): D => {
    decidingRule.set(request, rule);
    return decision;
  };
  const handler: ApprovalHandler = (request) => {
    if (request.type === "commandExecution") {
      const words = commandWords(request.command);
      if (denyNetwork && involvesNetwork(request, words)) return decide(request, "denyNetwork", "decline");
      const i = words ? prefixes.findIndex((p) => startsWith(words, p)) : -1;
      if (i !== -1) return decide(request, `allowCommands[${i}]`, "accept");
    } else if (roots.length > 0 && fileChangeInside(request, roots)) {
      return decide(request, "allowFileChangesUnder", "accept");
    }
    decidingRule.set(request, "fallback");
    if (typeof fallback !== "function") return fallback;
    const result = fallback(request);
    const inner = isRulesHandler(fallback) ? decidingRule.get(request) : undefined;
    if (inner !== undefined) decidingRule.set(request, `fallback.${inner}`);
    return result;
  };
  Object.defineProperty(handler, RULES, { value: true });
  return handler;
}

/** Which rule of an {@link approvalRules} handler answered `request`, if one did. */
export function ruleThatDecided(request: ApprovalRequest): string | undefined {
  return decidingRule.get(request);
}

/** True for handlers built by {@link approvalRules}. */
export function isRulesHandler(handler: ApprovalHandler): boolean {
  return (handler as unknown as Record<symbol, unknown>)[RULES] === true;
}

const SHELL_OPERATORS = /[;&|<>$`()\n\r{}]/;
const SHELLS = new Set(["bash", "sh", "zsh", "dash"]);

/**
 * The words of a simple command, unwrapping `bash -lc '<script>'` as the server shows commands.
 * `undefined` when the command cannot be read as one simple command.
 */
export function commandWords(command: string | null): string[] | undefined {
  if (!command) return undefined;
  let argv: string[];
  try {
    argv = shellSplit(command);
  } catch {
    return undefined;
  }
  const [program, flag, script] = argv;
  if (
    argv.length === 3 &&
    program !== undefined &&
    SHELLS.has(path.basename(program)) &&
    flag !== undefined &&
    /^-l?c$|^-cl$/.test(flag) &&
    script !== undefined
  ) {
    if (SHELL_OPERATORS.test(script)) return undefined;
    try {
      argv = shellSplit(script);
    } catch {
      return undefined;
    }
  } else if (SHELL_OPERATORS.test(command)) {
    return undefined;
  }
  return argv.length > 0 ? argv : undefined;
}

function startsWith(words: readonly string[], prefix: readonly string[]): boolean {
  if (words.length < prefix.length) return false;
  return prefix.every((p, i) => {
    const w = words[i] as string;
    return w === p || (i === 0 && !p.includes("/") && path.basename(w) === p);
  });
}

const NETWORK_PROGRAMS = new Set([
  "curl",
  "wget",
  "ssh",
  "scp",
  "sftp",
  "rsync",
  "nc",
  "ncat",
  "telnet",
  "ftp",
  "ping",
]);
const NETWORK_SUBCOMMANDS: Record<string, ReadonlySet<string>> = {
  git: new Set(["clone", "fetch", "pull", "push", "ls-remote", "submodule"]),
  npm: new Set(["install", "i", "ci", "add", "publish", "update"]),
  pnpm: new Set(["install", "i", "add", "publish", "update"]),
  yarn: new Set(["install", "add", "publish"]),
  pip: new Set(["install", "download"]),
  pip3: new Set(["install", "download"]),
  cargo: new Set(["install", "fetch", "publish"]),
};

function involvesNetwork(request: CommandApprovalRequest, words: string[] | undefined): boolean {
  if (request.networkApprovalContext !== null) return true;
  if (request.proposedNetworkPolicyAmendments.length > 0) return true;
  if (request.additionalPermissions?.network?.enabled === true) return true;
  if (request.reason && /\b(network|internet|online|download)/i.test(request.reason)) return true;
  const program = words?.[0] === undefined ? undefined : path.basename(words[0]);
  if (program === undefined) return false;
  if (NETWORK_PROGRAMS.has(program)) return true;
  const sub = words?.[1];
  return sub !== undefined && NETWORK_SUBCOMMANDS[program]?.has(sub) === true;
}

function fileChangeInside(request: FileChangeApprovalRequest, roots: readonly string[]): boolean {
  if (request.changes.length === 0) return false;
  const inside = (p: string) =>
    path.isAbsolute(p) &&
    roots.some((root) => {
      const rel = path.relative(root, path.resolve(p));
      return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
    });
  if (request.grantRoot !== null && !inside(request.grantRoot)) return false;
  return request.changes.every(
    (c) =>
      inside(c.path) && (c.kind.type !== "update" || c.kind.move_path === null || inside(c.kind.move_path)),
  );
}
