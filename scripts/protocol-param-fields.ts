/**
 * From the binary's JSON schema: the fields of the params that carry thread and turn settings, each
 * with its JSON types, and where those params hold paths the server needs absolute. The SDK checks
 * options against these sets, so a field a new server adds is accepted without an SDK release.
 */

interface SchemaNode {
  type?: string | string[];
  $ref?: string;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  allOf?: SchemaNode[];
  enum?: unknown[];
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
}

interface Schema {
  definitions: Record<string, SchemaNode>;
}

/**
 * The params whose fields become options: of startThread, resumeThread, forkThread, turns and
 * settings, and of the calls that pass a params object on (listThreads, startReview, execCommand).
 */
const SETTINGS_PARAMS = [
  "ThreadStartParams",
  "ThreadResumeParams",
  "ThreadForkParams",
  "TurnStartParams",
  "ThreadSettingsUpdateParams",
  "ThreadListParams",
  "CommandExecParams",
  "ReviewStartParams",
] as const;

const ABSOLUTE_PATH = "AbsolutePathBuf";

const refName = (node: SchemaNode) => node.$ref?.split("/").at(-1);

/** The JSON types a value of `node` may have, or `["any"]` when the schema does not say simply. */
function jsonTypes(schema: Schema, node: SchemaNode, seen: ReadonlySet<string> = new Set()): string[] {
  const ref = refName(node);
  if (ref !== undefined) {
    const def = schema.definitions[ref];
    return def && !seen.has(ref) ? jsonTypes(schema, def, new Set([...seen, ref])) : ["any"];
  }
  if (typeof node.type === "string") return [node.type];
  if (Array.isArray(node.type)) return [...node.type];
  const members = node.anyOf ?? node.oneOf ?? (node.allOf?.length === 1 ? node.allOf : undefined);
  if (members) {
    const all = members.map((m) => jsonTypes(schema, m, seen));
    return all.some((t) => t.includes("any")) ? ["any"] : [...new Set(all.flat())].sort();
  }
  if (node.enum) return [...new Set(node.enum.map((v) => (v === null ? "null" : typeof v)))].sort();
  return ["any"];
}

function fieldTypes(schema: Schema, def: SchemaNode): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, prop] of Object.entries(def.properties ?? {}).sort(([a], [b]) => a.localeCompare(b)))
    out[name] = jsonTypes(schema, prop);
  return out;
}

/** The variants of a `{ type: … }` union (the sandbox policy), each with its fields. */
function variants(schema: Schema, name: string): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const member of schema.definitions[name]?.oneOf ?? []) {
    const tag = member.properties?.type?.enum?.[0];
    if (typeof tag !== "string") throw new Error(`${name}: a variant without a string \`type\` tag`);
    out[tag] = fieldTypes(schema, member);
  }
  if (Object.keys(out).length === 0) throw new Error(`${name}: no variants in the schema`);
  return out;
}

/**
 * Where `node` holds an absolute path: each location is a list of steps, a field name, `[]` for
 * every item of an array, or `type=X` for the variant of a tagged union whose `type` is X.
 */
function absolutePaths(schema: Schema, node: SchemaNode, seen: ReadonlySet<string>): string[][] {
  const ref = refName(node);
  if (ref === ABSOLUTE_PATH) return [[]];
  if (ref !== undefined) {
    const def = schema.definitions[ref];
    return def && !seen.has(ref) ? absolutePaths(schema, def, new Set([...seen, ref])) : [];
  }
  const out: string[][] = [];
  for (const member of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) {
    const tag = member.properties?.type?.enum?.[0];
    const inner = absolutePaths(schema, member, seen);
    out.push(...(typeof tag === "string" ? inner.map((p) => [`type=${tag}`, ...p]) : inner));
  }
  if (node.items) out.push(...absolutePaths(schema, node.items, seen).map((p) => ["[]", ...p]));
  for (const [name, prop] of Object.entries(node.properties ?? {}))
    out.push(...absolutePaths(schema, prop, seen).map((p) => [name, ...p]));
  return out;
}

/** The generated module `param-fields.ts`: `header` first, then the field sets and path locations. */
export function paramFieldsModule(jsonSchema: { definitions: object }, header: string): string {
  const schema = jsonSchema as Schema;
  const fields: Record<string, Record<string, string[]>> = {};
  const paths: Record<string, string[][]> = {};
  for (const name of SETTINGS_PARAMS) {
    const def = schema.definitions[name];
    if (!def?.properties) throw new Error(`${name} is missing from the schema`);
    fields[name] = fieldTypes(schema, def);
    paths[name] = absolutePaths(schema, def, new Set([name])).sort((a, b) =>
      a.join(".").localeCompare(b.join(".")),
    );
  }
  return (
    header +
    "\n/**\n * The fields of the params that carry thread and turn settings (and of the other params a call\n" +
    " * passes on), each with the JSON types its value may have (`any`: the schema does not say\n" +
    " * simply). Options are checked against these.\n */\n" +
    `export const PARAM_FIELDS = ${JSON.stringify(fields, null, 2)} as const;\n\n` +
    "/** The sandbox policy's variants by `type`, each with its fields' JSON types. */\n" +
    `export const SANDBOX_POLICY_FIELDS = ${JSON.stringify(variants(schema, "SandboxPolicy"), null, 2)} as const;\n\n` +
    "/**\n * Where these params hold paths the server needs absolute (`AbsolutePathBuf`): a field name,\n" +
    " * `[]` for each array item, `type=X` for the variant whose `type` is X.\n */\n" +
    `export const ABSOLUTE_PATH_FIELDS = ${JSON.stringify(paths, null, 2)} as const;\n`
  );
}
