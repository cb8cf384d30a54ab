// The offline demo (`npm run demo`): the real pinned `codex app-server`, driven by a scripted model,
// runs one agent turn in the terminal. You answer its approval requests from the keyboard.
//
//   npm run demo                 interactive: y accept, a accept for session, n decline, c cancel
//   npm run demo -- --yes        accept everything (unattended)
//   npm run demo -- --no         decline everything (unattended)
//   npm run demo -- --live       your own Codex login and model, in a scratch folder (not run in CI)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  CodexClient,
  CodexError,
  type ApprovalDecision,
  type ApprovalRequest,
  type TurnEvent,
} from "../src/index.js";
import { startTestClient } from "../src/testing/index.js";
import { DEMO_PROMPT, demoScript } from "./scenario.js";
import { Terminal } from "./terminal.js";

const USAGE = `Usage: npm run demo -- [--yes | --no] [--live]
  --yes   accept every approval request
  --no    decline every approval request
  --live  use your own Codex login and model (makes real model calls) in a scratch folder`;

const KEYS: Record<string, ApprovalDecision> = {
  y: "accept",
  a: "acceptForSession",
  n: "decline",
  c: "cancel",
};

async function main(): Promise<number> {
  let flags;
  try {
    flags = parseArgs({
      options: {
        yes: { type: "boolean", default: false },
        no: { type: "boolean", default: false },
        live: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    console.log(USAGE);
    return 0;
  }
  if (flags.yes && flags.no) {
    console.error(`--yes and --no cannot be combined.\n${USAGE}`);
    return 2;
  }
  const term = new Terminal(process.stdout, process.stdin);
  const auto: ApprovalDecision | undefined = flags.yes ? "accept" : flags.no ? "decline" : undefined;

  term.line(term.paint("bold", "codex-app-server-sdk demo"));
  term.line(
    term.paint(
      "dim",
      flags.live
        ? "Live mode: your Codex login and model, in a scratch folder."
        : "Offline: the real codex app-server, with a scripted model on 127.0.0.1 (no key, no network).",
    ),
  );
  term.spin("Starting codex app-server…");

  const starting = flags.live ? startLive() : startOffline();
  stopOnSignal(term, starting);
  const session = await starting;
  const { client, workspace } = session;
  try {
    const info = await client.initialize();
    term.line(term.paint("dim", `Connected: ${info.userAgent}`));
    term.line(term.paint("dim", `Workspace: ${workspace}`));

    client.setApprovalHandler((req) => decide(term, req, auto));
    const thread = await client.startThread({
      cwd: workspace,
      approvalPolicy: "on-request",
      sandbox: "read-only",
    });
    term.line();
    term.line(`${term.paint("bold", "You:")} ${DEMO_PROMPT}`);
    term.line();
    const turn = await thread.streamTurn(DEMO_PROMPT);
    term.spin("Thinking…");
    for await (const event of turn) show(term, event);
    const result = await turn.done();
    term.line();
    term.line(`${term.paint("bold", "Turn")} ${result.status}.`);
    showWorkspace(term, workspace);
    return result.status === "failed" ? 1 : 0;
  } finally {
    term.stopSpinner();
    process.stdin.pause();
    await session.dispose();
  }
}

async function startOffline(): Promise<{ client: CodexClient; workspace: string; dispose(): Promise<void> }> {
  const t = await startTestClient({ approvalPolicy: "on-request", sandbox: "read-only" });
  t.modelServer.enqueue(...demoScript(t.workspace));
  return { client: t.client, workspace: t.workspace, dispose: () => t.dispose() };
}

async function startLive(): Promise<{ client: CodexClient; workspace: string; dispose(): Promise<void> }> {
  const workspace = mkdtempSync(path.join(os.homedir(), ".codex-sdk-demo-"));
  const client = CodexClient.connectStdio({ cwd: workspace });
  return {
    client,
    workspace,
    async dispose() {
      await client.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/**
 * Ctrl-C (SIGINT) or SIGTERM, at any point, even while a prompt waits for a key: stop the
 * app-server and remove the scratch folder, then exit with the signal's usual code. A second
 * Ctrl-C while that runs quits at once.
 */
let interrupted = false;
function stopOnSignal(term: Terminal, session: Promise<{ dispose(): Promise<void> }>): void {
  const stop = (signal: NodeJS.Signals) => {
    interrupted = true;
    term.stopSpinner();
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    term.line();
    term.line(term.paint("dim", `Interrupted (${signal}): removing the scratch folder…`));
    session
      .then((s) => s.dispose())
      .catch(() => undefined)
      .finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

/** Renders one event of the live turn. */
function show(term: Terminal, event: TurnEvent): void {
  switch (event.method) {
    case "item/agentMessage/delta":
      term.write(event.params.delta);
      return;
    case "item/started": {
      const item = event.params.item;
      if (item.type === "agentMessage") term.line(term.paint("bold", "Codex:"));
      else if (item.type === "commandExecution") term.line(term.paint("blue", `$ ${item.command}`));
      else if (item.type === "fileChange")
        term.line(term.paint("blue", `✎ ${item.changes.map((c) => c.path).join(", ")}`));
      return;
    }
    case "item/completed": {
      const item = event.params.item;
      if (item.type === "reasoning") {
        const text = [...item.summary, ...item.content].join(" ").trim();
        if (text) term.line(term.paint("magenta", `(thinking) ${text}`));
      } else if (item.type === "agentMessage") {
        term.endLine();
      } else if (item.type === "commandExecution" || item.type === "fileChange") {
        const ok = item.status === "completed";
        const exit =
          item.type === "commandExecution" && item.exitCode !== null ? ` (exit ${item.exitCode})` : "";
        term.line(term.paint(ok ? "green" : "red", `${ok ? "✓" : "✗"} ${item.type} ${item.status}${exit}`));
      }
      term.spin("Thinking…");
      return;
    }
    case "error":
      term.line(term.paint("red", `Server error: ${event.params.error.message}`));
      return;
  }
}

/** Shows an approval request and gets the decision: from the flags, or from the keyboard. */
async function decide(
  term: Terminal,
  req: ApprovalRequest,
  auto: ApprovalDecision | undefined,
): Promise<ApprovalDecision> {
  // The item's own events (its item/started) came first on the wire: let the display loop show them.
  await new Promise((resolve) => setImmediate(resolve));
  term.stopSpinner();
  term.line();
  if (req.type === "commandExecution") {
    term.line(term.paint("yellow", term.paint("bold", "Approval needed: run a command")));
    term.line(`  command: ${req.command ?? "(not given)"}`);
    term.line(`  cwd:     ${req.cwd ?? "(not given)"}`);
    // What accepting does to the sandbox (docs/approvals.md has the table).
    if (req.escalated === true)
      term.line(
        `  sandbox: ${term.paint("red", term.paint("bold", "accepting runs this OUTSIDE the sandbox"))}`,
      );
    else if (req.escalated === false) term.line("  sandbox: accepting keeps it inside the sandbox");
    else term.line("  sandbox: accepting may run this outside the sandbox (the SDK cannot tell)");
  } else {
    term.line(term.paint("yellow", term.paint("bold", "Approval needed: change files")));
    for (const change of req.changes) {
      term.line(`  ${change.kind.type} ${change.path}`);
      for (const diffLine of change.diff.replace(/\n$/, "").split("\n")) {
        const added = change.kind.type === "add" || diffLine.startsWith("+");
        const removed = change.kind.type === "delete" || diffLine.startsWith("-");
        const shown = change.kind.type === "add" && !diffLine.startsWith("+") ? `+${diffLine}` : diffLine;
        term.line(`    ${added ? term.paint("green", shown) : removed ? term.paint("red", shown) : shown}`);
      }
    }
  }
  if (req.reason) term.line(`  reason:  ${req.reason}`);
  let decision: ApprovalDecision;
  if (auto !== undefined) {
    term.line(term.paint("dim", `  answered by flag: ${String(auto)}`));
    decision = auto;
  } else {
    const key = await term.ask(
      `Allow? ${term.paint("bold", "y")} yes · ${term.paint("bold", "a")} yes for this session · ${term.paint("bold", "n")} no · ${term.paint("bold", "c")} cancel the turn`,
      Object.keys(KEYS),
      "n",
      req.signal,
    );
    decision = KEYS[key] ?? "decline";
  }
  term.spin(decision === "cancel" ? "Cancelling…" : "Working…");
  return decision;
}

function showWorkspace(term: Terminal, workspace: string): void {
  const files = existsSync(workspace) ? readdirSync(workspace).sort() : [];
  term.line(term.paint("bold", "Workspace now holds:") + (files.length === 0 ? " nothing" : ""));
  for (const file of files) {
    const content = readFileSync(path.join(workspace, file), "utf8").trimEnd();
    term.line(`  ${file}: ${content.split("\n")[0] ?? ""}${content.includes("\n") ? " …" : ""}`);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Stopping by signal closes the client under the running turn: that is not an error to show.
    if (interrupted) return;
    process.stdout.write("\n");
    console.error(error instanceof CodexError ? `${error.name}: ${error.message}` : error);
    process.exitCode = 1;
  },
);
