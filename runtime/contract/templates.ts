/**
 * The shipped templates the empty editor offers: graphs from graphs/*.json and
 * example episodes from examples/episodes/. Served by GET /api/templates.
 * Browser-safe: types only.
 */
export interface GraphTemplate {
  /** The file's base name without ".json", e.g. "shorts". */
  name: string;
  /** The file name, e.g. "shorts.json". */
  file: string;
  title: string;
  description: string;
  /** A variant extends another template (`extends`). */
  kind: 'graph' | 'variant';
  extends?: string;
  nodeCount: number;
  /** The graph's input names. */
  inputs: string[];
}

export interface EpisodeTemplate {
  name: string;
  file: string;
  title: string;
  description: string;
  format: 'markdown' | 'fountain';
  words: number;
  /** the graph template it is meant for, e.g. "episode" */
  graph: string;
}

export interface TemplateCatalog {
  graphs: GraphTemplate[];
  episodes: EpisodeTemplate[];
}
