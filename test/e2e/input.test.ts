// Image and skill input built with the `input` helpers reach the model: the request body the real
// app-server sends the scripted model carries them.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { useRealServer } from "../support/real-server.js";
import { input } from "../../src/conversation/input.js";
import { model, type RecordedModelRequest } from "../../src/testing/index.js";

// A 1×1 PNG.
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

interface ContentPart {
  type: string;
  text?: string;
  image_url?: string;
}

/** The content parts of the last user message the model received. */
function lastUserContent(request: RecordedModelRequest | undefined): ContentPart[] {
  const items = (request?.body as { input?: { type: string; role?: string; content?: ContentPart[] }[] })
    .input;
  const user = items?.filter((i) => i.type === "message" && i.role === "user").at(-1);
  return user?.content ?? [];
}

describe("input helpers against the real app-server", () => {
  const rs = useRealServer();

  it("a local image and an image URL mixed with text reach the model as images", async () => {
    rs.modelServer.enqueue(model.say("I see two images."));
    const file = path.join(rs.home.workspace, "pixel.png");
    writeFileSync(file, PNG);
    // A data: URL, so that nothing is fetched from another host.
    const dataUrl = `data:image/png;base64,${PNG.toString("base64")}`;
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    const result = await thread.chatOnce([
      "Compare these.",
      input.localImage(file),
      input.image(dataUrl, { detail: "low" }),
    ]);
    assert.equal(result.finalText, "I see two images.");

    const content = lastUserContent(rs.modelServer.modelRequests.at(-1));
    assert.equal(content[0]?.text, "Compare these.");
    const images = content.filter((c) => c.type === "input_image");
    // The server read the local file and inlined its bytes; the URL went through as given.
    assert.equal(images.length, 2);
    assert.equal(images[0]?.image_url, dataUrl);
    assert.equal(images[1]?.image_url, dataUrl);
    assert.ok(content.some((c) => c.text?.includes(`path="${file}"`)));

    // The thread's history keeps the items as sent, detail included.
    const user = result.items.find((i) => i.type === "userMessage");
    assert.deepEqual(user?.type === "userMessage" ? user.content : undefined, [
      { type: "text", text: "Compare these.", text_elements: [] },
      { type: "localImage", path: file, detail: null },
      { type: "image", url: dataUrl, detail: "low" },
    ]);
  });

  // The server injects a skill it discovers (here the workspace's .agents/skills folder).
  it("a skill item makes the server hand the model that skill's instructions", async () => {
    rs.modelServer.enqueue(model.say("Following the skill."));
    const dir = path.join(rs.home.workspace, ".agents", "skills", "greeter");
    mkdirSync(dir, { recursive: true });
    const skillFile = path.join(dir, "SKILL.md");
    writeFileSync(
      skillFile,
      "---\nname: greeter\ndescription: Greets people warmly.\n---\n\nAlways greet with SKILL-MARKER-42.\n",
    );
    const thread = await rs.client.startThread({ cwd: rs.home.workspace });
    await thread.chatOnce(["Say hello.", input.skill("greeter", skillFile)]);
    const body = JSON.stringify(rs.modelServer.modelRequests.at(-1)?.body);
    assert.match(body, /<skill>\\n<name>greeter<\/name>[^"]*SKILL-MARKER-42/);
  });
});
