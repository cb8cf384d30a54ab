// Quickstart in plain JavaScript: Node 20, no TypeScript, no build step of your own.
//   node examples/quickstart.mjs [--mock]
// Inside this repository, run `npm run build` first: plain `node` resolves "codex-app-server-sdk"
// through the package's own "exports", that is to dist/. With --mock it runs offline against the
// real pinned app-server and a scripted model (codex-app-server-sdk/testing).
import { existsSync } from "node:fs";
import path from "node:path";
import { CodexClient, CommandApprovalRequest, isCodexError } from "codex-app-server-sdk";

const mock = process.argv.includes("--mock");

/** A connected client and the folder the agent works in; `close()` releases everything. */
async function open() {
  if (!mock) {
    const client = CodexClient.connectStdio();
    return { client, cwd: process.cwd(), close: () => client.close() };
  }
  const { model, startTestClient } = await import("codex-app-server-sdk/testing");
  const t = await startTestClient({
    script: [
      model.exec("echo hello > hello.txt", { escalate: { justification: "write hello.txt" } }),
      model.say("I wrote hello.txt."),
      model.say("It says hello."),
    ],
  });
  return { client: t.client, cwd: t.workspace, close: () => t.dispose() };
}

const { client, cwd, close } = await open();
try {
  // Callback mode: allow `echo` for the rest of the session, decline everything else.
  client.setApprovalHandler((req) => {
    if (req instanceof CommandApprovalRequest) {
      console.log(`asked to run: ${req.command}`);
      // The server wraps commands in a shell (`/bin/bash -lc '…'`): match the words, not the start.
      if (/\becho\b/.test(req.command ?? "")) return "acceptForSession";
    }
    return "decline";
  });
  client.onApprovalDecided((r) =>
    console.log(`approval: ${r.request.type} -> ${JSON.stringify(r.decision)}`),
  );

  const thread = await client.startThread({ cwd, approvalPolicy: "on-request", sandbox: "read-only" });
  const first = await thread.chatOnce("Write 'hello' into hello.txt.");
  console.log(`codex: ${first.finalText}`);
  console.log(`hello.txt written: ${existsSync(path.join(cwd, "hello.txt"))}`);

  for await (const step of thread.chat("What does hello.txt say?")) {
    console.log(`[${step.stepType}] ${step.text}`);
  }
} catch (error) {
  if (!isCodexError(error)) throw error;
  console.error(`${error.name}: ${error.message}`);
  process.exitCode = 1;
} finally {
  await close();
}
