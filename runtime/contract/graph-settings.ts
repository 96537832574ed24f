/**
 * How a graph's settings reach its nodes. A setting fills the node param of
 * the same name on every node whose type takes it and whose own params leave
 * it unset, so a node's explicit value still wins. Runs apply this before any
 * cache key is computed (results at different profiles never mix); validation
 * checks each setting against what those nodes accept.
 *
 * Only the registered node descriptions (their params schemas) are read: the
 * runtime never imports node code, and the editor lists the same choices.
 */
import type { GraphProblem } from './errors.js';
import type { GraphDocument, GraphNode, GraphSettings } from './graph.js';
import type { NodeDescription } from './node.js';
import type { JsonSchema } from './ports.js';
import type { NodeRegistry } from './registry.js';
import { checkSchema } from './schema.js';

/** The settings that fill node params (the daily budget is read by the runtime instead). */
export type GraphSettingName = Exclude<keyof GraphSettings, 'budgetUsdPerDay'>;

/** Every graph setting; each is also the name of the node param it fills. */
export const graphSettingNames: readonly GraphSettingName[] = ['profile'];

/** What a setting is called in messages. */
const settingTitles: Record<GraphSettingName, string> = { profile: 'render profile' };

/**
 * The schema of the param a setting fills on this node type, or undefined when
 * the type does not take it from the graph. A param declared without a default
 * takes its value from upstream (chunks, join and mix read the timeline's
 * profile), so the graph's value already reaches it through that node.
 */
export function settingParamSchema(description: NodeDescription, setting: GraphSettingName): JsonSchema | undefined {
  const properties = description.params.properties as Record<string, JsonSchema> | undefined;
  const schema = properties?.[setting];
  return schema && schema.default !== undefined ? schema : undefined;
}

export interface SettingTarget {
  node: GraphNode;
  /** Index of the node in the document's `nodes`. */
  index: number;
  /** The node type's schema of the param the setting fills. */
  schema: JsonSchema;
}

/** The nodes a setting would fill: their type takes it and their own params leave it unset. Unknown node types are skipped (validation reports them). */
export function settingTargets(nodes: readonly GraphNode[], registry: NodeRegistry, setting: GraphSettingName): SettingTarget[] {
  const targets: SettingTarget[] = [];
  nodes.forEach((node, index) => {
    if (node.params?.[setting] !== undefined) return;
    const description = registry.get(node.type, node.typeVersion);
    const schema = description && settingParamSchema(description, setting);
    if (schema) targets.push({ node, index, schema });
  });
  return targets;
}

/**
 * The graph as a run sees it: each setting written into the params of the
 * nodes it fills. Returns the same document when it has no settings. The
 * stored document keeps the setting in one place; this copy is what the
 * engine plans, defaults and keys the cache with.
 */
export function applyGraphSettings(graph: GraphDocument, registry: NodeRegistry): GraphDocument {
  const settings = graphSettingNames.map((name) => [name, graph.settings?.[name]] as [GraphSettingName, unknown]).filter(([, value]) => value !== undefined);
  if (settings.length === 0) return graph;
  const filled = new Map<number, Record<string, unknown>>();
  for (const [setting, value] of settings) {
    for (const { index, node } of settingTargets(graph.nodes, registry, setting)) {
      filled.set(index, { ...(filled.get(index) ?? node.params), [setting]: value });
    }
  }
  if (filled.size === 0) return graph;
  return { ...graph, nodes: graph.nodes.map((node, index) => (filled.has(index) ? { ...node, params: filled.get(index) as Record<string, unknown> } : node)) };
}

/**
 * Each setting checked against the param schema of every node it fills; one
 * problem per setting at `/settings/<name>`, naming the nodes that refuse the
 * value and the values all of them accept. A setting that fills no node is
 * harmless (every node sets its own value) and is not reported.
 */
export function checkGraphSettings(graph: Pick<GraphDocument, 'settings' | 'nodes'>, registry: NodeRegistry): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const setting of graphSettingNames) {
    const value = graph.settings?.[setting];
    if (value === undefined) continue;
    const targets = settingTargets(graph.nodes, registry, setting);
    const refusing = targets.filter(({ schema }) => checkSchema(schema, value).length > 0);
    if (refusing.length === 0) continue;
    const allowed = commonChoices(targets.map(({ schema }) => schema));
    problems.push({
      path: `/settings/${setting}`,
      code: 'INVALID_SETTING',
      message: `${settingTitles[setting]} ${JSON.stringify(value)} is not accepted by ${refusing.map(({ node }) => node.id).join(', ')} (${
        allowed === undefined ? 'see their params' : allowed.length > 0 ? `allowed: ${allowed.join(', ')}` : 'no value is accepted by all of them'
      })`,
    });
  }
  return problems;
}

/**
 * A node type's params schema as the graph's settings leave it: each setting
 * the type takes becomes its param's default, so a form shows what an unset
 * param will render at. The same schema when no setting applies.
 */
export function paramsSchemaUnderSettings(description: NodeDescription, settings: GraphSettings | undefined): JsonSchema {
  let properties: Record<string, JsonSchema> | undefined;
  for (const setting of graphSettingNames) {
    const value = settings?.[setting];
    const schema = settingParamSchema(description, setting);
    if (value === undefined || !schema) continue;
    properties ??= { ...(description.params.properties as Record<string, JsonSchema>) };
    const note = `Unset: the graph's ${settingTitles[setting]} (${value}).`;
    properties[setting] = { ...schema, default: value, description: typeof schema.description === 'string' ? `${schema.description} ${note}` : note };
  }
  return properties ? { ...description.params, properties } : description.params;
}

/**
 * The values a setting may take, for a picker: the union of the `enum`s of the
 * node types that take it, in the order the types declare them.
 */
export function settingChoices(descriptions: Iterable<NodeDescription>, setting: GraphSettingName): string[] {
  const choices = new Set<string>();
  for (const description of descriptions) {
    const schema = settingParamSchema(description, setting);
    for (const value of enumOf(schema) ?? []) choices.add(value);
  }
  return [...choices];
}

/** The values every schema accepts, when all of them list their values; undefined when any accepts free text. */
function commonChoices(schemas: JsonSchema[]): string[] | undefined {
  let common: string[] | undefined;
  for (const schema of schemas) {
    const values = enumOf(schema);
    if (!values) return undefined;
    common = common === undefined ? values : common.filter((value) => values.includes(value));
  }
  return common;
}

function enumOf(schema: JsonSchema | undefined): string[] | undefined {
  return Array.isArray(schema?.enum) ? schema.enum.filter((value): value is string => typeof value === 'string') : undefined;
}
