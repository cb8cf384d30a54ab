// The approval inbox in a real headless Chromium, against the real app-server and a scripted
// model: a person clicks, and the disk shows what was granted.
//   node --import tsx --test examples/approval-inbox/inbox.test.ts
// INBOX_SCREENSHOT=docs/img/approval-inbox.png also saves the screenshot the docs show.
//
// Chromium: CHROMIUM_PATH, else `chromium` or `chromium-browser` on PATH. Without it the test is
// skipped, saying what to install; under CI (CI=true) it is required and fails instead.
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test as nodeTest } from "node:test";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { ApprovalSettledRecord } from "codex-app-server-sdk";
import { startTestClient, type TestClient } from "codex-app-server-sdk/testing";
import { startInbox, type Inbox } from "./inbox.js";
import { CONVERSATIONS, scenarioModel } from "./scenario.js";

function findChromium(): string | undefined {
  const configured = process.env.CHROMIUM_PATH;
  if (configured !== undefined && configured !== "") return existsSync(configured) ? configured : undefined;
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean))
    for (const name of ["chromium", "chromium-browser"])
      if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return undefined;
}
const CHROMIUM = findChromium();
const CI = !["", "0", "false"].includes((process.env.CI ?? "").toLowerCase());
const MISSING =
  CHROMIUM === undefined
    ? `The approval inbox test needs Chromium, and ${
        process.env.CHROMIUM_PATH
          ? `CHROMIUM_PATH (${process.env.CHROMIUM_PATH}) does not exist`
          : "none is on PATH"
      }: install it (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH to its executable.`
    : undefined;
const SKIP =
  MISSING !== undefined && !CI ? `SKIPPED, no Chromium. ${MISSING} (Under CI=true it fails.)` : false;
if (SKIP) {
  process.stderr.write(`\n*** approval inbox browser test ${SKIP}\n\n`);
  // `npm test` repeats it under its summary.
  if (process.env.SDK_TEST_NOTES) appendFileSync(process.env.SDK_TEST_NOTES, `Browser test ${SKIP}\n`);
}

// One budget for the test, inside the 120 s that `npm run test:e2e` gives each file: each wait is
// for the page's own change (an element, a condition on the DOM) and ends as soon as it holds. A
// wait that never ends fails after WAIT_MS with Playwright's message naming what it waited for,
// before the runner would stop the whole file without saying where.
const BUDGET_MS = 100_000;
const WAIT_MS = 80_000;

let t: TestClient;
let inbox: Inbox;
let browser: BrowserContext;
let profile: string;
const settled: ApprovalSettledRecord[] = [];

before(async () => {
  if (SKIP) return;
  if (CHROMIUM === undefined) throw new Error(`${MISSING} Under CI=true this test is required.`);
  t = await startTestClient({ approvalPolicy: "on-request", sandbox: "read-only" });
  t.modelServer.respond(scenarioModel(t.workspace));
  t.client.onApprovalSettled((r) => settled.push(r));
  inbox = await startInbox(t.client, { user: "alice" });
  profile = mkdtempSync(path.join(os.tmpdir(), "inbox-chromium-"));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // A rebinding attacker's name, resolved to the inbox's own address (no DNS involved).
      "--host-resolver-rules=MAP rebind.test 127.0.0.1",
    ],
  });
  browser.setDefaultTimeout(WAIT_MS);
  // Recorded before any page script runs: each Content-Security-Policy violation a page meets.
  await browser.addInitScript(`{
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(e.violatedDirective));
  }`);
});

after(async () => {
  await browser?.close();
  await inbox?.close();
  await t?.dispose();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const keysOn = async (page: Page) => {
  const cards = page.locator(".approval");
  const keys: (string | null)[] = [];
  for (let i = 0; i < (await cards.count()); i++) keys.push(await cards.nth(i).getAttribute("data-key"));
  return keys;
};
// Checked on each animation frame in the page, until it holds or the budget runs out.
const cardsLeft = (page: Page, n: number) =>
  page.waitForFunction(`document.querySelectorAll(".approval").length === ${n}`);

const cardOf = (page: Page, conversation: string) =>
  page.locator(".approval", { has: page.locator(".conversation", { hasText: conversation }) });

const conversation = (name: string) => CONVERSATIONS.find((c) => c.name === name)!;

// Skipped without Chromium (outside CI), and bounded by the budget.
const test = (name: string, fn: () => Promise<void>) =>
  nodeTest(name, { skip: SKIP, timeout: BUDGET_MS }, fn);

test("a person approves and declines from the page; cancelled and timed-out requests disappear", async () => {
  const page = await browser.newPage();
  await page.goto(inbox.url); // the printed URL: its secret becomes this browser's cookie
  const started = new Map<string, Promise<void>>();
  const start = async (c: (typeof CONVERSATIONS)[number], timeout = c.approvalTimeoutMs) => {
    const { done } = await inbox.startConversation(c.name, c.prompt, {
      cwd: t.workspace,
      ...(timeout === undefined ? {} : { approvalTimeoutMs: timeout }),
    });
    started.set(c.name, done);
  };
  // "Cleanup" is left to time out. It starts once the others are answered, so that however slow
  // the machine, its short timeout cannot fire while the page is still being checked.
  const answered = CONVERSATIONS.filter((c) => c.name !== "Cleanup");
  for (const c of answered) await start(c);
  // Four conversations, four requests, live.
  await page.locator(".approval").nth(3).waitFor();
  assert.equal(await page.locator(".approval").count(), 4);

  // A reload starts from the server's snapshot: the same requests, the same keys.
  const keysBefore = await keysOn(page);
  await page.reload();
  await page.locator(".approval").nth(3).waitFor();
  const keysAfter = await keysOn(page);
  assert.deepEqual(new Set(keysAfter), new Set(keysBefore));

  // What the person sees: the command, its cwd and reason; the patch as a unified diff.
  await assert.doesNotReject(
    cardOf(page, "Build").locator("pre.command", { hasText: "echo built > build.txt" }).waitFor(),
  );
  assert.match(await cardOf(page, "Build").innerText(), /Why: Write the build output to build\.txt/);
  // Each command card says what accepting does to the sandbox; these commands all ask to escalate.
  assert.match(await cardOf(page, "Build").innerText(), /Accepting runs this OUTSIDE the sandbox\./);
  assert.equal(await cardOf(page, "Release notes").locator(".sandbox").count(), 0);
  assert.match(await cardOf(page, "Release notes").innerText(), /\+\+\+ .*NOTES\.md[\s\S]*\+# Release 1\.2/);
  assert.deepEqual(await cardOf(page, "Build").locator("button").allInnerTexts(), [
    "Approve",
    "Approve for session",
    "Decline",
  ]);
  if (process.env.INBOX_SCREENSHOT)
    await page.screenshot({ path: process.env.INBOX_SCREENSHOT, fullPage: true });

  // The secret left the address bar for a cookie that scripts cannot read, and the page's own
  // script and style ran under its Content-Security-Policy without a single violation.
  assert.equal(new URL(page.url()).search, "");
  assert.equal(await page.evaluate("document.cookie"), "");
  assert.deepEqual(await page.evaluate("window.cspViolations"), []);

  // Another site in the same browser cannot answer: its script's post carries no cookie (SameSite)
  // and a foreign Origin, and is refused.
  const foreign = await browser.newPage();
  await foreign.goto(`http://rebind.test:${new URL(inbox.url).port}/`).catch(() => undefined);
  const crossSite = await foreign.evaluate(
    `fetch(${JSON.stringify(new URL(`approvals/${encodeURIComponent(keysAfter[0] as string)}`, inbox.url).href)}, {
      method: "POST", mode: "no-cors", headers: { "content-type": "text/plain" }, body: '{"decision":"accept"}',
    }).then(() => "sent", () => "blocked")`,
  );
  assert.ok(["sent", "blocked"].includes(crossSite as string));
  await foreign.close();
  assert.equal(settled.length, 0, "nothing was answered by the foreign page");

  // A page that rebinds its own name to 127.0.0.1 reaches the inbox's port and gets nothing.
  const rebound = await browser.newPage();
  const rebindReply = await rebound.goto(`http://rebind.test:${new URL(inbox.url).port}/`);
  assert.equal(rebindReply?.status(), 421);
  assert.doesNotMatch(await rebound.content(), /approval/i);
  await rebound.close();

  // On a phone (390 px wide) the two columns stack, and nothing scrolls sideways.
  const phone = await browser.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.goto(new URL("/", inbox.url).href);
  await phone.locator(".approval").nth(3).waitFor();
  const layout = (await phone.evaluate(`({
    section: document.querySelector("main > section").getBoundingClientRect().bottom,
    aside: document.querySelector("main > aside").getBoundingClientRect().top,
    scrollWidth: document.documentElement.scrollWidth,
  })`)) as { section: number; aside: number; scrollWidth: number };
  assert.ok(
    layout.aside >= layout.section,
    `the conversations sit under the requests: ${JSON.stringify(layout)}`,
  );
  assert.ok(layout.scrollWidth <= 390, `no sideways scrolling: ${layout.scrollWidth} px wide`);
  await phone.close();

  await cardOf(page, "Build").getByRole("button", { name: "Approve", exact: true }).click();
  await cardOf(page, "Release notes").getByRole("button", { name: "Decline" }).click();
  await cardOf(page, "Tests").getByRole("button", { name: "Approve for session" }).click();
  // The turn of "Deploy" is stopped: its request leaves with the turn.
  await page.locator(".conv", { hasText: "Deploy" }).getByRole("button", { name: "Stop" }).click();

  await Promise.all([
    started.get("Build"),
    started.get("Release notes"),
    started.get("Tests"),
    started.get("Deploy"),
  ]);
  // Answered, and the turn stopped: those cards are gone.
  await cardsLeft(page, 0);
  // "Cleanup" asks, nobody answers, and its card leaves with its 1 s timeout. The page records each
  // card it renders, so a card shown and removed between two looks still counts.
  await page.evaluate(`{
    const seen = (window.cardsSeen = []);
    new MutationObserver(() => {
      for (const name of document.querySelectorAll(".approval .conversation")) seen.push(name.textContent);
    }).observe(document.body, { childList: true, subtree: true });
  }`);
  await start(conversation("Cleanup"), 1_000);
  await started.get("Cleanup");
  await page.waitForFunction(
    `window.cardsSeen.includes("Cleanup") && document.querySelectorAll(".approval").length === 0`,
  );

  // On disk: the approved command ran, the declined patch was not applied, the session approval
  // let the second identical command run unasked, and the others did nothing.
  const ws = t.workspace;
  assert.equal(readFileSync(path.join(ws, "build.txt"), "utf8").trim(), "built");
  assert.equal(existsSync(path.join(ws, "NOTES.md")), false);
  assert.equal(readFileSync(path.join(ws, "tests.log"), "utf8"), "passed\npassed\n");
  assert.equal(existsSync(path.join(ws, "deploy.txt")), false);

  const byConversation = (name: string) =>
    settled.filter((r) => inbox.conversations().find((c) => c.id === r.request.threadId)?.name === name);
  assert.deepEqual(
    byConversation("Build").map((r) => [r.outcome, r.decision, r.by]),
    [["answered", "accept", "alice"]],
  );
  assert.deepEqual(
    byConversation("Release notes").map((r) => [r.outcome, r.decision]),
    [["answered", "decline"]],
  );
  assert.deepEqual(
    byConversation("Tests").map((r) => r.decision),
    ["acceptForSession"],
    "asked once",
  );
  assert.deepEqual(
    byConversation("Cleanup").map((r) => [r.outcome, r.decision]),
    [["timeout", "decline"]],
  );
  assert.deepEqual(
    byConversation("Deploy").map((r) => r.outcome),
    ["turnEnded"],
  );
  assert.deepEqual(
    inbox.conversations().map((c) => [c.name, c.status]),
    [...answered, conversation("Cleanup")].map((c) => [c.name, c.name === "Deploy" ? "stopped" : "finished"]),
  );
  assert.match(inbox.conversations().find((c) => c.name === "Build")?.text ?? "", /Build: done/);
});
