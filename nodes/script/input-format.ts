/**
 * `reelgraph run -i episode=@ep.fountain` and `reelgraph demo ep.fountain`:
 * the saved pipelines parse their episode with `script.markdown`, so a file
 * in another script format would be read as the wrong one. The format is
 * decided as `reelgraph script parse --format auto` decides it (extension,
 * else content), and the script parser fed by that input is swapped for the
 * one of that format for this run. The swap is in the graph the run records,
 * so the run says which parser read the file, and the cache keys differ.
 */
import { GRAPH_INPUT_NODE, parseRef, ReelgraphError, type GraphDocument } from '../../runtime/contract/index.js';
import { detectScriptFormat, type ScriptFormat } from './engine/detect-format.js';

/** The script parser node for each format, and its text input port. Both share params and outputs. */
const scriptParsers: Record<ScriptFormat, { type: string; port: string }> = {
  markdown: { type: 'script.markdown', port: 'markdown' },
  fountain: { type: 'script.fountain', port: 'fountain' },
};

const parserFormat = (type: string): ScriptFormat | undefined => (Object.keys(scriptParsers) as ScriptFormat[]).find((format) => scriptParsers[format].type === type);

/**
 * `graph` with every script parser wired straight from a file input replaced
 * by the parser of the file's format. `sources`: input name → file name;
 * `inputs`: input name → the file's text.
 */
export function withParsersForInputFiles(graph: GraphDocument, sources: Record<string, string>, inputs: Record<string, unknown>): GraphDocument {
  // node id → the parser it is, and the parser it should be
  const swaps = new Map<string, { from: ScriptFormat; to: ScriptFormat }>();
  for (const edge of graph.edges) {
    const from = parseRef(edge.from);
    const input = from.node === GRAPH_INPUT_NODE ? from.port : undefined;
    const file = input === undefined ? undefined : sources[input];
    if (input === undefined || file === undefined) continue;
    const { node: nodeId, port } = parseRef(edge.to);
    const type = graph.nodes.find((node) => node.id === nodeId)?.type;
    const current = type === undefined ? undefined : parserFormat(type);
    if (!current || scriptParsers[current].port !== port) continue;
    const text = inputs[input];
    const wanted = detectScriptFormat(file, typeof text === 'string' ? text : undefined);
    if (wanted !== current) swaps.set(nodeId, { from: current, to: wanted });
  }
  if (swaps.size === 0) return graph;
  return {
    ...graph,
    nodes: graph.nodes.map((node) => {
      const swap = swaps.get(node.id);
      return swap ? { ...node, type: scriptParsers[swap.to].type } : node;
    }),
    edges: graph.edges.map((edge) => {
      const { node: nodeId, port } = parseRef(edge.to);
      const swap = swaps.get(nodeId);
      return swap && port === scriptParsers[swap.from].port ? { ...edge, to: `${nodeId}.${scriptParsers[swap.to].port}` } : edge;
    }),
  };
}

/**
 * The graph and inputs that render one episode script: the graph input
 * feeding a script parser gets the text, and that parser is the one of the
 * script's format. Throws when no graph input feeds a script parser.
 */
export function episodeRunOf(graph: GraphDocument, text: string, format: ScriptFormat): { graph: GraphDocument; inputs: Record<string, unknown> } {
  for (const edge of graph.edges) {
    const from = parseRef(edge.from);
    if (from.node !== GRAPH_INPUT_NODE) continue;
    const { node: nodeId, port } = parseRef(edge.to);
    const type = graph.nodes.find((node) => node.id === nodeId)?.type;
    const current = type === undefined ? undefined : parserFormat(type);
    if (!current || scriptParsers[current].port !== port) continue;
    const extension = format === 'fountain' ? 'episode.fountain' : 'episode.md';
    return { graph: withParsersForInputFiles(graph, { [from.port]: extension }, { [from.port]: text }), inputs: { [from.port]: text } };
  }
  throw new EpisodeInputError(`graph "${graph.name}" has no input that feeds a script parser (script.markdown or script.fountain): an episode has nowhere to go`);
}

/** A graph that cannot take an episode script. */
export class EpisodeInputError extends ReelgraphError {
  constructor(message: string) {
    super('NO_EPISODE_INPUT', message, { retryable: false });
  }
}
