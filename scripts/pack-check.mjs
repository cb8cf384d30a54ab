// The packed-package check: `npm pack`, install the tarball into a scratch project, then import it
// the ways a user would (ESM, CommonJS, the /testing subpath) and type-check a consumer file of
// each format against the shipped declarations under NodeNext resolution. It also holds the build
// to its shape: a few bundled .js modules (not one per source file), and `ws` not loaded at import.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "..");
// The build this check packs (test:pack builds first) finds the repository's pinned codex binary:
// with no command and an empty environment, the resolution falls to the pinned package.
const { resolveAppServerCommand } = await import(pathToFileURL(path.join(root, "dist/index.js")).href);
const scratch = mkdtempSync(path.join(os.tmpdir(), "codex-sdk-pack-"));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
try {
  run("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", scratch], root);
  const tarball = readdirSync(scratch).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack produced no tarball");
  // Only the build, the README and its docs/, the licence and package.json ship: no tests,
  // fixtures, examples, scratch files or anything that could hold a secret.
  const listed = run("tar", ["-tzf", path.join(scratch, tarball)], scratch)
    .trim()
    .split("\n");
  const unexpected = listed.filter(
    (f) =>
      !/^package\/(dist\/(index|testing)\.(js|cjs|d\.ts|d\.cts)|docs\/[\w.-]+\.md|README\.md|LICENSE|package\.json)$/.test(
        f,
      ),
  );
  if (unexpected.length > 0) throw new Error(`unexpected files in the package:\n${unexpected.join("\n")}`);
  if (listed.some((f) => /\.(env|pem|key|tgz)$|\/(test|tests|fixtures?|\.tmp)\/|\.test\./.test(f)))
    throw new Error("the package holds test, fixture or secret-like files");
  // The declarations are rolled up (one file per entry point and format), not one per source file.
  if (listed.length > 300) throw new Error(`the package has ${listed.length} files (at most 300)`);
  // The README's links into docs/ resolve inside node_modules too.
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const docLinks = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]);
  if (docLinks.length === 0)
    throw new Error("the README links to nothing under docs/: is the pattern stale?");
  const missingDocs = docLinks.filter((link) => !listed.includes(`package/${link}`));
  if (missingDocs.length > 0)
    throw new Error(`README links to files the package lacks:\n${missingDocs.join("\n")}`);
  // One ESM and one CommonJS bundle per entry point; protocol types ship as declarations only.
  const modules = listed.filter((f) => /\.(c?js)$/.test(f));
  if (modules.length > 4)
    throw new Error(`expected at most 4 .js/.cjs modules, found:\n${modules.join("\n")}`);
  console.log(
    `contents ok: ${listed.length} files (${modules.length} JS modules: ${modules.map((f) => f.slice("package/".length)).join(", ")}; ` +
      `${listed.filter((f) => /\.d\.c?ts$/.test(f)).length} declaration files), only dist/, docs/, README.md and package.json`,
  );
  writeFileSync(
    path.join(scratch, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  // The codex binary is an optional dependency of @openai/codex; the consumer check does not need it.
  run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--omit=optional", "--prefer-offline", `./${tarball}`],
    scratch,
  );
  writeFileSync(
    path.join(scratch, "esm.mjs"),
    `import * as sdk from "codex-app-server-sdk";
import { CodexClient, CodexError, CodexTransportError } from "codex-app-server-sdk";
import { MockModelServer, model, startTestClient, createLinkedTransports } from "codex-app-server-sdk/testing";
// The main entry exports no internals; the in-memory transport is part of the testing kit.
for (const internal of ["BoundedQueue", "shellSplit", "findPinnedCodexBinary", "NO_REPLY", "MemoryTransport", "createLinkedTransports", "ClientCore"])
  if (internal in sdk) throw new Error("esm: the main entry exports " + internal);
if (createLinkedTransports().length !== 2) throw new Error("esm: createLinkedTransports missing from /testing");
if (typeof CodexClient.connectStdio !== "function") throw new Error("esm: CodexClient missing");
if (typeof startTestClient !== "function") throw new Error("esm: startTestClient missing");
if (!(new CodexTransportError("x") instanceof CodexError)) throw new Error("esm: error tree broken");
const m = await MockModelServer.start([model.say("hi")]);
await m.close();
// The testing entry uses the main entry's classes, not copies: its errors pass instanceof.
const failed = await startTestClient({ command: [process.execPath, "-e", "process.exit(3)"] }).catch((e) => e);
if (!(failed instanceof CodexTransportError)) throw new Error("esm: testing entry threw a foreign error: " + failed);
console.log("esm ok");
`,
  );
  // The dual-package hazard: one process that loads both builds has two copies of every class.
  // Errors must still be recognised across them, by isCodexError and by instanceof: every error
  // class the entry exports (found by walking the exports, so a new class cannot be left out)
  // recognises the other copy's instances of itself and of its subclasses, and nothing else.
  writeFileSync(
    path.join(scratch, "dual.mjs"),
    `import { createRequire } from "node:module";
import * as esm from "codex-app-server-sdk";
const cjs = createRequire(import.meta.url)("codex-app-server-sdk");
if (esm.CodexError === cjs.CodexError) throw new Error("dual: expected two copies of the classes");
const fromCjs = new cjs.CodexTurnInactiveError("quiet", { threadId: "T", turnId: "U", cursor: 0, mode: "once" }, 20, 10);
if (!esm.isCodexError(fromCjs) || !cjs.isCodexError(new esm.CodexTransportError("x"))) throw new Error("dual: isCodexError");
if (!(fromCjs instanceof esm.CodexTimeoutError) || !(fromCjs instanceof esm.CodexError)) throw new Error("dual: instanceof");
if (fromCjs instanceof esm.CodexTransportError) throw new Error("dual: instanceof too loose");
if (esm.isCodexError(new Error("plain"))) throw new Error("dual: plain Error accepted");
const classes = Object.keys(esm).filter(
  (name) => typeof esm[name] === "function" && (esm[name] === esm.CodexError || esm[name].prototype instanceof esm.CodexError),
);
if (classes.length < 10) throw new Error("dual: found only " + classes.join(", "));
// An instance of a class of one copy, made by the base constructor (it sets the brand), so no
// class needs its own arguments here.
const make = (copy, name) => Reflect.construct(copy.CodexError, ["x"], copy[name]);
const failures = [];
for (const [from, to, label] of [[cjs, esm, "CommonJS error, ESM class"], [esm, cjs, "ESM error, CommonJS class"]]) {
  for (const made of classes) {
    const error = make(from, made);
    for (const asked of classes) {
      const expected = esm[made] === esm[asked] || esm[made].prototype instanceof esm[asked];
      if ((error instanceof to[asked]) !== expected)
        failures.push(label + ": " + made + " instanceof " + asked + " should be " + expected);
    }
  }
}
if (failures.length > 0) throw new Error("dual: cross-copy instanceof fails (is each class named in the errors registry?):\\n" + failures.join("\\n"));
console.log("dual ok: ESM and CommonJS copies recognise each other's errors, all " + classes.length + " classes: " + classes.join(", "));
`,
  );
  writeFileSync(
    path.join(scratch, "cjs.cjs"),
    `const { CodexClient, resolveAppServerCommand } = require("codex-app-server-sdk");
// The main entry is one module, and \`ws\` waits for the first WebSocket connection.
const loaded = Object.keys(require.cache).filter((f) => f.includes("node_modules"));
if (loaded.length !== 1 || !/codex-app-server-sdk.dist.index.cjs$/.test(loaded[0])) throw new Error("cjs: require loaded " + loaded.join(", "));
const { createTestCodexHome } = require("codex-app-server-sdk/testing");
if (typeof CodexClient.connectWebSocket !== "function" || typeof createTestCodexHome !== "function") throw new Error("cjs: exports missing");
if (resolveAppServerCommand({ command: "a 'b c'" }).args.length !== 1) throw new Error("cjs: resolveAppServerCommand broken");
const { CodexTransportError } = require("codex-app-server-sdk");
require("codex-app-server-sdk/testing")
  .startTestClient({ command: [process.execPath, "-e", "process.exit(3)"] })
  .then(() => { throw new Error("cjs: startTestClient should fail"); }, (e) => {
    if (!(e instanceof CodexTransportError)) throw new Error("cjs: testing entry threw a foreign error: " + e);
    console.log("cjs ok");
  });
`,
  );
  writeFileSync(
    path.join(scratch, "consumer.ts"),
    `import { CodexClient, type ClientRequestResult, type Transport } from "codex-app-server-sdk";
import { startTestClient, createLinkedTransports, type TestClient } from "codex-app-server-sdk/testing";
export async function f(): Promise<ClientRequestResult<"thread/start">> {
  const client = CodexClient.connectStdio();
  client.on("turn/completed", (p) => p.turn.status);
  void startTestClient;
  return client.request("thread/start", { cwd: "/" });
}
// The testing entry names the main entry's classes, not copies of them.
export function sameClient(t: TestClient): CodexClient {
  return t.client;
}
export const transport: Transport = createLinkedTransports()[0];
`,
  );
  // The same from a CommonJS file: `require` conditions resolve to the CommonJS-format declarations.
  writeFileSync(
    path.join(scratch, "consumer-cjs.cts"),
    `import { CodexClient, CodexError } from "codex-app-server-sdk";
import testing = require("codex-app-server-sdk/testing");
export function g(t: testing.TestClient): boolean {
  void testing.createTestCodexHome;
  const client: CodexClient = t.client;
  return client instanceof CodexError;
}
`,
  );
  writeFileSync(
    path.join(scratch, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        // A Node user has @types/node; borrow ours rather than downloading it again.
        typeRoots: [path.join(root, "node_modules/@types")],
        types: ["node"],
      },
      files: ["consumer.ts", "consumer-cjs.cts"],
    }),
  );
  process.stdout.write(run(process.execPath, ["esm.mjs"], scratch));
  process.stdout.write(run(process.execPath, ["cjs.cjs"], scratch));
  process.stdout.write(run(process.execPath, ["dual.mjs"], scratch));
  // Node16 resolution too: it refuses a CommonJS file's import of ESM-format declarations (Node 20
  // cannot require ESM), which NodeNext in TypeScript 5.9 allows.
  const tsc = path.join(root, "node_modules/typescript/bin/tsc");
  run(process.execPath, [tsc, "-p", "tsconfig.json"], scratch);
  run(
    process.execPath,
    [tsc, "-p", "tsconfig.json", "--module", "node16", "--moduleResolution", "node16"],
    scratch,
  );
  console.log("types ok (NodeNext and Node16, ESM and CommonJS consumers)");
  runPlainExamples(scratch);
  console.log("pack-check: the packed package imports as ESM and CommonJS and type-checks.");
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/**
 * The plain-JavaScript examples (examples/*.mjs), run with plain `node` (no tsx, no TypeScript)
 * from the consumer project, so "codex-app-server-sdk" resolves to the installed tarball exactly
 * as a user's import would. That is why they run here and not in test:e2e: plain node can only
 * load the built package. The consumer install has no codex binary (optional dependencies are
 * omitted), so CODEX_APP_SERVER_CMD points at this repository's pinned one; with --mock each
 * example drives it offline against a scripted model.
 */
function runPlainExamples(dir) {
  const expected = {
    "approvals-from-python.mjs": [
      /callback: command .*echo a/,
      /callback: file change notes\.txt/,
      // The execpolicy amendment covered the second echo: two ran, one was asked about.
      /commands run: 2, asked about: 1/,
      /written: notes\.txt true/,
      /stream: approve for session .*touch streamed\.txt/,
      /written: streamed\.txt true/,
    ],
    "quickstart.mjs": [
      /asked to run: .*echo hello > hello\.txt/,
      /approval: commandExecution -> "acceptForSession"/,
      /codex: I wrote hello\.txt\./,
      /hello\.txt written: true/,
      /\[codex\] It says hello\./,
    ],
  };
  const examples = readdirSync(path.join(root, "examples")).filter((f) => f.endsWith(".mjs"));
  if (examples.sort().join() !== Object.keys(expected).sort().join())
    throw new Error(`examples/*.mjs and the expectations in pack-check.mjs differ: ${examples.join(", ")}`);
  const pinned = resolveAppServerCommand({ env: {} });
  if (pinned.source !== "pinned-package")
    throw new Error("the pinned codex binary is not installed: run npm install");
  for (const name of examples) {
    copyFileSync(path.join(root, "examples", name), path.join(dir, name));
    const out = execFileSync(process.execPath, [name, "--mock"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 90_000,
      env: { ...process.env, CODEX_APP_SERVER_CMD: `'${pinned.file}' app-server` },
    });
    for (const pattern of expected[name]) {
      if (!pattern.test(out)) throw new Error(`${name}: expected ${pattern} in its output:\n${out}`);
    }
    console.log(`${name} ok: ran with plain node against the installed package`);
  }
}
