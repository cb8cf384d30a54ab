// Structured output for chatOnce: the JSON Schema sent in `turn/start`, and the final message
// parsed and validated, with a JSON Schema or any Standard Schema validator.
import { CodexOutputValidationError, type OutputIssue } from "../errors/conversation.js";
import { checkJsonSchema, type JsonSchema } from "./json-schema-check.js";

export type { JsonSchema } from "./json-schema-check.js";

/** The result of a Standard Schema `validate`. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | {
      readonly issues: readonly {
        readonly message: string;
        readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
      }[];
    };

/**
 * A validator that follows the Standard Schema convention (`@standard-schema/spec` v1), as zod,
 * valibot and arktype do: a `~standard` property with `version: 1`, `vendor` and `validate`. One
 * that also follows Standard JSON Schema (`~standard.jsonSchema.output({ target })`, zod 4.2+)
 * gives the JSON Schema to send by itself.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
    readonly jsonSchema?:
      | { readonly output: (options: { readonly target: string }) => Record<string, unknown> }
      | undefined;
  };
}

/** What `outputSchema` takes: a JSON Schema object, or a Standard Schema validator. */
export type OutputSchema = JsonSchema | StandardSchemaV1;

/** The type `result.output` has for an `outputSchema`: the validator's output, else `unknown`. */
export type OutputOf<S> = S extends StandardSchemaV1<unknown, infer O> ? O : unknown;

/** What chatOnce needs from the options: the schema to send and how to check the answer. */
export interface PreparedOutput {
  jsonSchema: JsonSchema;
  validate(value: unknown): Promise<readonly OutputIssue[] | { value: unknown }>;
}

function isStandard(schema: unknown): schema is StandardSchemaV1 {
  const props = (schema as { "~standard"?: { version?: unknown; validate?: unknown } })["~standard"];
  return typeof props === "object" && props !== null && typeof props.validate === "function";
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads `outputSchema` (and `jsonSchema`) of chatOnce. The JSON Schema sent is `jsonSchema` when
 * given; else the validator's Standard JSON Schema (`draft-2020-12`, then `draft-07`); else its
 * `toJSONSchema()` method; else, for a plain JSON Schema, the schema itself.
 */
export function prepareOutput(outputSchema: unknown, jsonSchema: unknown): PreparedOutput {
  if (jsonSchema !== undefined && !isObject(jsonSchema))
    throw new TypeError("jsonSchema must be a JSON Schema object.");
  if (isStandard(outputSchema)) {
    const validator = outputSchema;
    const sent = jsonSchema ?? jsonSchemaOf(validator);
    return {
      jsonSchema: sent,
      async validate(value) {
        const result = await validator["~standard"].validate(value);
        if (result.issues === undefined) return { value: result.value };
        return result.issues.map((i) => ({
          message: i.message,
          path: (i.path ?? []).map((p) => {
            const key = typeof p === "object" && p !== null ? p.key : p;
            return typeof key === "number" ? key : String(key);
          }),
        }));
      },
    };
  }
  if (!isObject(outputSchema))
    throw new TypeError("outputSchema must be a JSON Schema object or a Standard Schema validator.");
  if (jsonSchema !== undefined)
    throw new TypeError(
      "jsonSchema goes with a Standard Schema outputSchema; this outputSchema is already JSON Schema.",
    );
  const schema = outputSchema;
  return {
    jsonSchema: schema,
    validate(value) {
      const issues = checkJsonSchema(schema, value);
      return Promise.resolve(issues.length > 0 ? issues : { value });
    },
  };
}

function jsonSchemaOf(validator: StandardSchemaV1): JsonSchema {
  const standard = validator["~standard"].jsonSchema;
  if (standard && typeof standard.output === "function") {
    try {
      return standard.output({ target: "draft-2020-12" });
    } catch {
      return standard.output({ target: "draft-07" });
    }
  }
  const method = (validator as { toJSONSchema?: unknown }).toJSONSchema;
  if (typeof method === "function") return method.call(validator) as JsonSchema;
  throw new TypeError(
    `outputSchema: this ${validator["~standard"].vendor} validator cannot give its JSON Schema. ` +
      "Pass it as { outputSchema: validator, jsonSchema } (for zod 4: jsonSchema: z.toJSONSchema(validator)).",
  );
}

/** Parses the final message of a completed turn as JSON and validates it. */
export async function readOutput(
  turn: { threadId: string; turnId: string; status: string; finalText: string },
  prepared: PreparedOutput,
): Promise<unknown> {
  const fail = (issues: OutputIssue[] | readonly OutputIssue[], why: string, cause?: unknown) =>
    new CodexOutputValidationError(
      `Turn ${turn.turnId}: ${why}: ${issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ")}`,
      { threadId: turn.threadId, turnId: turn.turnId, issues, rawText: turn.finalText },
      { cause },
    );
  if (turn.status !== "completed")
    throw fail([{ message: `the turn ended "${turn.status}"`, path: [] }], "no structured output");
  let parsed: unknown;
  try {
    parsed = JSON.parse(turn.finalText);
  } catch (error) {
    throw fail(
      [{ message: `not JSON (${(error as Error).message})`, path: [] }],
      "the final message is not valid output",
      error,
    );
  }
  let checked;
  try {
    checked = await prepared.validate(parsed);
  } catch (error) {
    throw fail(
      [{ message: `the validator threw: ${String(error)}`, path: [] }],
      "the output could not be validated",
      error,
    );
  }
  if ("value" in checked) return checked.value;
  throw fail(checked, "the final message does not match outputSchema");
}
