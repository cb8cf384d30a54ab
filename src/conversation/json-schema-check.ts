// A small structural check of a value against a JSON Schema: the keywords a structured-output
// schema is made of. Not a full validator: see `checkJsonSchema`.
import type { OutputIssue } from "../errors/conversation.js";

/** A JSON Schema object, as sent in `turn/start`'s `outputSchema`. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * Checks `value` against `schema`'s `type` (one or a list; `integer` included), `enum`, `const`,
 * `properties`, `required`, `additionalProperties` (`false` or a schema), `items` (one schema),
 * `anyOf` and `oneOf` (as "at least one matches"). Other keywords (`$ref`, `format`, `pattern`,
 * `minimum`, `minLength`, …) are not checked. Returns the issues, none when it matches.
 */
export function checkJsonSchema(
  schema: unknown,
  value: unknown,
  path: (string | number)[] = [],
): OutputIssue[] {
  if (typeof schema !== "object" || schema === null) return [];
  const s = schema as JsonSchema;
  const issues: OutputIssue[] = [];
  const issue = (message: string, at = path) => issues.push({ message, path: at });
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as unknown[]) : [s.type];
    if (!types.some((t) => hasType(value, t))) {
      issue(`expected ${types.join(" or ")}, got ${typeOf(value)}`);
      return issues;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((v) => sameJson(v, value)))
    issue(`expected one of ${JSON.stringify(s.enum)}, got ${JSON.stringify(value)}`);
  if ("const" in s && !sameJson(s.const, value))
    issue(`expected ${JSON.stringify(s.const)}, got ${JSON.stringify(value)}`);
  for (const keyword of ["anyOf", "oneOf"] as const) {
    const options = s[keyword];
    if (Array.isArray(options) && !options.some((o) => checkJsonSchema(o, value, path).length === 0))
      issue(`matches none of the ${keyword} schemas`);
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    if (Array.isArray(s.required))
      for (const key of s.required as string[])
        if (!(key in object)) issue(`missing required property "${key}"`, [...path, key]);
    for (const [key, v] of Object.entries(object)) {
      if (key in properties) issues.push(...checkJsonSchema(properties[key], v, [...path, key]));
      else if (s.additionalProperties === false) issue(`unexpected property "${key}"`, [...path, key]);
      else issues.push(...checkJsonSchema(s.additionalProperties, v, [...path, key]));
    }
  }
  if (Array.isArray(value) && typeof s.items === "object" && s.items !== null)
    value.forEach((v, i) => issues.push(...checkJsonSchema(s.items, v, [...path, i])));
  return issues;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function hasType(value: unknown, type: unknown): boolean {
  if (type === "integer") return Number.isInteger(value);
  return typeOf(value) === type;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
