// Every end-to-end test fails when the real server sends a `deprecationNotice`: the SDK must make
// no deprecated call, so a deprecation that arrives with a new codex release is caught the day the
// pin moves. Importing this module (test/support/real-server.ts does; the e2e files that make their
// own clients import it themselves) watches every CodexClient of the test file from its handshake
// on, and adds an `afterEach` that fails the test that received a notice.
import { after, afterEach } from "node:test";
import { ClientSession } from "../../src/client/session.js";
import type { RpcConnection } from "../../src/rpc/connection.js";
import type { DeprecationNoticeNotification } from "../../src/protocol/generated/v2/DeprecationNoticeNotification.js";

const watched = new WeakSet<RpcConnection>();
let notices: DeprecationNoticeNotification[] = [];

/** Starts recording a client's deprecation notices (idempotent; done at every client's handshake). */
export function watchDeprecations(client: { connection: RpcConnection }): void {
  if (watched.has(client.connection)) return;
  watched.add(client.connection);
  client.connection.onNotification("deprecationNotice", (params) => {
    notices.push(params as DeprecationNoticeNotification);
  });
}

/** The notices received since the last check, cleared. */
export function takeDeprecationNotices(): DeprecationNoticeNotification[] {
  const taken = notices;
  notices = [];
  return taken;
}

/** Throws, naming them, if any client of this file received a deprecation notice since the last check. */
export function assertNoDeprecations(): void {
  const taken = takeDeprecationNotices();
  if (taken.length > 0) {
    throw new Error(
      `The app-server sent ${taken.length} deprecationNotice(s): ` +
        taken.map((n) => JSON.stringify(n.summary)).join("; ") +
        ". The SDK (or this test) made a deprecated call: use the replacement the notice names.",
    );
  }
}

// Every client is watched from its handshake on: its session's `initialize` runs before any other
// request (an explicit call, the first request, or a reconnect), so no notice can come before it.
const proto = ClientSession.prototype as { initialize: ClientSession["initialize"] };
if (!(proto.initialize as { deprecationGuard?: true }).deprecationGuard) {
  const original = proto.initialize;
  const guarded = function (this: ClientSession, ...args: Parameters<ClientSession["initialize"]>) {
    watchDeprecations(this);
    return original.apply(this, args);
  };
  Object.assign(guarded, { deprecationGuard: true });
  proto.initialize = guarded;
}

afterEach(() => {
  assertNoDeprecations();
});

after(() => {
  assertNoDeprecations();
});
