/**
 * The shipped templates the empty editor offers: graphs from graphs/*.json and
 * example episodes from examples/episodes/. Served by GET /api/templates.
 */
import { Type, type Static } from './typebox.js';

export const graphTemplate = Type.Object({
  name: Type.String({ description: 'the file base name, e.g. `shorts`' }),
  file: Type.String({ description: 'the file name, e.g. `shorts.json`' }),
  title: Type.String(),
  description: Type.String(),
  kind: Type.StringEnum(['graph', 'variant'], { description: 'a variant extends another template' }),
  extends: Type.Optional(Type.String({ description: "a variant's template (its name)" })),
  nodeCount: Type.Integer({ description: 'nodes of the resolved graph' }),
  inputs: Type.Array(Type.String(), { description: "the graph's input names" }),
});
export type GraphTemplate = Static<typeof graphTemplate>;

export const episodeTemplate = Type.Object({
  name: Type.String(),
  file: Type.String(),
  title: Type.String(),
  description: Type.String({ description: 'its opening paragraph' }),
  format: Type.StringEnum(['markdown', 'fountain']),
  words: Type.Integer(),
  graph: Type.String({ description: 'the graph template it is meant for, e.g. `episode`' }),
});
export type EpisodeTemplate = Static<typeof episodeTemplate>;

export const templateCatalog = Type.Object({ graphs: Type.Array(graphTemplate), episodes: Type.Array(episodeTemplate) });
export type TemplateCatalog = Static<typeof templateCatalog>;

/** An example episode's text (GET /api/templates/episodes/:name). */
export const episodeTemplateText = Type.Object({
  name: Type.String(),
  title: Type.String(),
  format: Type.StringEnum(['markdown', 'fountain']),
  text: Type.String(),
});
export type EpisodeTemplateText = Static<typeof episodeTemplateText>;
