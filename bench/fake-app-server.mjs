// A fake app-server for the benchmarks: just enough protocol (initialize, thread/start, turn/start)
// to start a turn, then a scripted flood written as fast as the pipe takes it. The turn's input
// text is a JSON command: {"flood":"items"|"deltas"|"approvals"|"concurrent","n":N}.
// Plain JavaScript, so it costs the same whoever reads it.
let buffered = "";
let threads = 0;
let turns = 0;
let pendingApproval; // { id, startedAt, resolve }
const concurrent = [];

process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffered += chunk;
  let nl;
  while ((nl = buffered.indexOf("\n")) !== -1) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (line) handle(JSON.parse(line));
  }
});
process.stdin.on("end", () => process.exit(0));

const send = (message) => process.stdout.write(JSON.stringify(message) + "\n");

/** Writes lines in large chunks, waiting for the pipe to drain: the flood goes as fast as the reader reads. */
async function flood(count, lineOf) {
  const CHUNK = 2000;
  for (let i = 0; i < count; ) {
    let text = "";
    const end = Math.min(count, i + CHUNK);
    for (; i < end; i++) text += lineOf(i);
    if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once("drain", resolve));
  }
}

function turnCompleted(threadId, turnId) {
  send({
    method: "turn/completed",
    params: { threadId, turn: { id: turnId, items: [], status: "completed", error: null } },
  });
}

function handle(message) {
  if (message.method === undefined) {
    // a reply to one of our requests (an approval)
    if (pendingApproval && message.id === pendingApproval.id) {
      const p = pendingApproval;
      pendingApproval = undefined;
      p.resolve(Number(process.hrtime.bigint() - p.startedAt));
    }
    return;
  }
  if (message.id === undefined) return; // notifications: initialized
  switch (message.method) {
    case "initialize":
      return send({
        id: message.id,
        result: { userAgent: "fake-app-server", codexHome: "/", platformFamily: "unix", platformOs: "linux" },
      });
    case "bench/echo":
      return send({ id: message.id, result: { ok: true } });
    case "thread/start":
      return send({ id: message.id, result: { thread: { id: `thr_${++threads}` } } });
    case "thread/read":
      return send({ id: message.id, result: { thread: { id: message.params.threadId, turns: [] } } });
    case "thread/turns/list": // the SDK's own history look-ups (e.g. chatOnce's final-text fallback)
      return send({ id: message.id, result: { data: [], nextCursor: null, backwardsCursor: null } });
    case "turn/start":
      return void startTurn(message);
    default:
      return send({ id: message.id, error: { code: -32601, message: `fake server: no ${message.method}` } });
  }
}

async function startTurn(message) {
  const { threadId, input } = message.params;
  const turnId = `turn_${++turns}`;
  const command = JSON.parse(input[0].text);
  send({ id: message.id, result: { turn: { id: turnId, items: [], status: "inProgress", error: null } } });
  const prefix = `{"method":"item/completed","params":{"threadId":"${threadId}","turnId":"${turnId}","item":{"type":"agentMessage","id":"m`;
  const deltaPrefix = `{"method":"item/agentMessage/delta","params":{"threadId":"${threadId}","turnId":"${turnId}","itemId":"m1","delta":"`;
  switch (command.flood) {
    case "items":
      await flood(command.n, (i) => `${prefix}${i}","text":"step ${i}","phase":null},"completedAtMs":0}}\n`);
      break;
    case "deltas":
      await flood(command.n, (i) => `${deltaPrefix}d${i % 10} "}}\n`);
      break;
    case "approvals": {
      const latencies = [];
      for (let i = 0; i < command.n; i++) {
        latencies.push(
          await new Promise((resolve) => {
            pendingApproval = { id: i, startedAt: process.hrtime.bigint(), resolve };
            send({
              id: i,
              method: "item/commandExecution/requestApproval",
              params: {
                kind: "command",
                threadId,
                turnId,
                itemId: `c${i}`,
                startedAtMs: 0,
                environmentId: null,
                command: "true",
                availableDecisions: null,
              },
            });
          }),
        );
      }
      send({ method: "bench/approvalLatencies", params: { threadId, turnId, latenciesNs: latencies } });
      break;
    }
    case "concurrent":
      // Turns are answered at once and their events interleaved round-robin, so many are in flight.
      concurrent.push({ threadId, turnId, n: command.n });
      if (concurrent.length === 1) setImmediate(emitConcurrent);
      return;
  }
  turnCompleted(threadId, turnId);
}

async function emitConcurrent() {
  await new Promise((resolve) => setTimeout(resolve, 20)); // let the other turn/starts arrive
  const active = concurrent.splice(0);
  const max = Math.max(...active.map((t) => t.n));
  for (let i = 0; i < max; i++) {
    let text = "";
    for (const t of active) {
      if (i < t.n)
        text += `{"method":"item/agentMessage/delta","params":{"threadId":"${t.threadId}","turnId":"${t.turnId}","itemId":"a","delta":"."}}\n`;
    }
    if (!process.stdout.write(text)) await new Promise((resolve) => process.stdout.once("drain", resolve));
  }
  for (const t of active) {
    send({
      method: "item/completed",
      params: {
        threadId: t.threadId,
        turnId: t.turnId,
        item: { type: "agentMessage", id: "a", text: `answer for ${t.threadId}`, phase: null },
        completedAtMs: 0,
      },
    });
    turnCompleted(t.threadId, t.turnId);
  }
}
