// Builders for the `UserInput` items a turn takes (text, images, audio, skills, mentions), and the
// normalisation of `TurnInput` into the `input` array of `turn/start`.
import path from "node:path";
import type { ImageDetail } from "../protocol/generated/ImageDetail.js";
import type { TextElement } from "../protocol/generated/v2/TextElement.js";
import type { UserInput } from "../protocol/generated/v2/UserInput.js";
import { checkOptions, type OptionSpec } from "../internal/option-check.js";

/**
 * What a turn takes as input: a string, or an array that mixes strings (each one a text item) and
 * `UserInput` items, for example built with {@link input}.
 */
export type TurnInput = string | readonly (string | UserInput)[];

/** Options of the image helpers. */
export interface ImageOptions {
  /** How closely the model looks: `"auto"` (the server's default), `"low"`, `"high"` or `"original"`. */
  detail?: ImageDetail | undefined;
}

/** An uploaded file, referred to by its id instead of a URL. */
export interface FileReference {
  fileId: string;
}

/** The keys of {@link ImageOptions}. */
export const IMAGE_OPTIONS = { detail: "string" } as const satisfies OptionSpec<ImageOptions>;

const IMAGE_DETAILS: ReadonlySet<string> = new Set<ImageDetail>(["auto", "low", "high", "original"]);
const KINDS = "text, image, localImage, audio, localAudio, skill, mention";

/**
 * Builders for every `UserInput` kind of the pinned schema. Mix them with plain strings in a turn's
 * input; each string becomes a text item.
 *
 * Local paths are read by the app-server, on its machine. A relative path is made absolute against
 * this process's working directory, so pass absolute paths when the server runs elsewhere.
 *
 * @example
 * ```js
 * import { input } from "codex-app-server-sdk";
 *
 * const result = await thread.chatOnce([
 *   "What differs between these two screenshots?",
 *   input.localImage("./before.png"),
 *   input.image("https://example.com/after.png", { detail: "high" }),
 * ]);
 * ```
 */
export const input = {
  /** A text item. `textElements` are UI spans inside the text (optional, default none). */
  text(text: string, options: { textElements?: TextElement[] | undefined } = {}): UserInput {
    if (typeof text !== "string")
      throw new TypeError(`input.text(text) needs a string, got ${describe(text)}.`);
    checkOptions(options, { textElements: "array" }, "input.text(text, options)");
    return { type: "text", text, text_elements: options.textElements ?? [] };
  },

  /** An image the server fetches: an `https:` or `data:` URL, or `{ fileId }` of an uploaded file. */
  image(source: string | URL | FileReference, options: ImageOptions = {}): UserInput {
    return { type: "image", ...remoteSource(source, "input.image"), ...imageDetail(options, "input.image") };
  },

  /** An image file on the server's disk (PNG, JPEG, …), sent to the model with the message. */
  localImage(filePath: string, options: ImageOptions = {}): UserInput {
    return {
      type: "localImage",
      path: localPath(filePath, "input.localImage"),
      ...imageDetail(options, "input.localImage"),
    };
  },

  /** Audio the server fetches: a URL, or `{ fileId }` of an uploaded file. */
  audio(source: string | URL | FileReference): UserInput {
    return { type: "audio", ...remoteSource(source, "input.audio") };
  },

  /** An audio file on the server's disk. */
  localAudio(filePath: string): UserInput {
    return { type: "localAudio", path: localPath(filePath, "input.localAudio") };
  },

  /** Invokes a skill by name; `path` is its `SKILL.md` (as `skills/list` reports it). */
  skill(name: string, skillPath: string): UserInput {
    requireString(name, "input.skill(name, path)", "the skill's name");
    return { type: "skill", name, path: localPath(skillPath, "input.skill") };
  },

  /** Mentions a file, app or plugin by name and path (e.g. `app://…`, `plugin://…`, a file path). */
  mention(name: string, mentionPath: string): UserInput {
    requireString(name, "input.mention(name, path)", "the display name");
    requireString(mentionPath, "input.mention(name, path)", "the path or app://, plugin:// URI");
    return { type: "mention", name, path: mentionPath };
  },
} as const;

/**
 * Normalises a turn's input for `turn/start`: a string becomes one text item, strings in an array
 * become text items, and every item is checked, so that a wrong shape fails here with a TypeError
 * that says what to pass, not later as a server error.
 */
export function toUserInput(value: TurnInput): UserInput[] {
  if (typeof value === "string") return [input.text(value)];
  if (!Array.isArray(value)) {
    throw new TypeError(
      `Turn input must be a string or an array of strings and UserInput items (see input.image(), ` +
        `input.localImage(), …), got ${describe(value)}.`,
    );
  }
  if (value.length === 0) throw new TypeError("Turn input is an empty array: pass at least one item.");
  return value.map((item: unknown, index) => checkItem(item, index));
}

function checkItem(item: unknown, index: number): UserInput {
  if (typeof item === "string") return input.text(item);
  const where = `Turn input item ${index}`;
  if (typeof item !== "object" || item === null || typeof (item as { type?: unknown }).type !== "string") {
    throw new TypeError(
      `${where} must be a string or a UserInput item ({ type: ${KINDS} }), got ${describe(item)}` +
        (typeof item === "object" && item !== null ? " without a string type." : "."),
    );
  }
  const it = item as Record<string, unknown> & { type: string };
  const needs = (...fields: string[]) => {
    const missing = fields.filter((f) => typeof it[f] !== "string");
    if (missing.length > 0)
      throw new TypeError(`${where} (type "${it.type}") needs a string ${missing.join(" and ")}.`);
  };
  switch (it.type) {
    case "text":
      needs("text");
      // Python users write { type: "text", text }: the SDK fills the (always present) spans list.
      return (it.text_elements === undefined ? { ...it, text_elements: [] } : it) as UserInput;
    case "image":
    case "audio":
      if (typeof it.url !== "string" && typeof it.fileId !== "string")
        throw new TypeError(`${where} (type "${it.type}") needs a string url or fileId.`);
      return it as UserInput;
    case "localImage":
    case "localAudio":
      needs("path");
      return it as UserInput;
    case "skill":
    case "mention":
      needs("name", "path");
      return it as UserInput;
    default:
      throw new TypeError(
        `${where} has an unknown type ${JSON.stringify(it.type)}; the kinds are ${KINDS} ` +
          "(camelCase, as in the protocol). Build items with input.text(), input.image(), input.localImage(), ….",
      );
  }
}

function remoteSource(source: string | URL | FileReference, helper: string): { url: string } | FileReference {
  if (source instanceof URL) return { url: source.href };
  if (typeof source === "string") {
    requireString(source, `${helper}(url)`, "a URL (https:, data:, …) or { fileId }");
    return { url: source };
  }
  if (typeof source === "object" && source !== null && typeof source.fileId === "string" && source.fileId)
    return { fileId: source.fileId };
  throw new TypeError(`${helper}() takes a URL string, a URL object or { fileId }, got ${describe(source)}.`);
}

function localPath(filePath: string, helper: string): string {
  requireString(filePath, `${helper}(path)`, "a file path");
  return path.resolve(filePath);
}

function imageDetail(options: ImageOptions, helper: string): { detail?: ImageDetail } {
  checkOptions(options, IMAGE_OPTIONS, `${helper}(…, options)`);
  const detail = options.detail;
  if (detail === undefined) return {};
  if (!IMAGE_DETAILS.has(detail))
    throw new TypeError(
      `${helper}(): detail must be one of ${[...IMAGE_DETAILS].join(", ")}, got ${describe(detail)}.`,
    );
  return { detail };
}

function requireString(value: unknown, call: string, what: string): void {
  if (typeof value !== "string" || value.length === 0)
    throw new TypeError(`${call} needs ${what} as a non-empty string, got ${describe(value)}.`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return value.length === 0 ? "an empty string" : "a string";
  return typeof value === "object" ? "an object" : typeof value;
}
