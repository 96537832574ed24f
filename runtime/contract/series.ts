/**
 * Series and episodes: a series is a stored graph (a template or a variant)
 * with its settings and an ordered list of episodes; an episode is a script
 * (markdown or Fountain, versioned like graphs), the runs made from it and a
 * status read from them. Written once with TypeBox: the store keeps these
 * records, the API answers with them and the CLI prints them.
 */
import { Type, type Static } from './typebox.js';

/** Where an episode stands, read from its latest run and that run's publications (never stored, so never stale). */
export const episodeStatuses = ['draft', 'rendering', 'needs review', 'rendered', 'published', 'failed'] as const;
export type EpisodeStatus = (typeof episodeStatuses)[number];

export const scriptFormats = ['markdown', 'fountain'] as const;
export type ScriptFormat = (typeof scriptFormats)[number];

/** The node types a series can publish its episodes with (nodes/publish/). */
export const publishNodeTypes = ['publish.youtube', 'publish.s3', 'publish.webhook'] as const;
export type PublishNodeType = (typeof publishNodeTypes)[number];

/**
 * Where a series' rendered episodes go: a publish node and its params. The
 * params are checked against that node type's own params schema when the
 * settings are stored (runtime/runs/series-publish.ts), so a mistake is
 * refused then, naming the param, not found at the first publish.
 */
export const seriesPublishTarget = Type.Object(
  {
    node: Type.StringEnum(publishNodeTypes, { description: 'the publish node type' }),
    params: Type.Record(Type.String(), Type.Unknown(), { description: "that node's params (its schema: GET /api/nodes)" }),
  },
  { additionalProperties: false },
);
export type SeriesPublishTarget = Static<typeof seriesPublishTarget>;

/** What every episode of a series is rendered with, unless a render says otherwise. */
export const seriesSettings = Type.Object(
  {
    publish: Type.Optional(seriesPublishTarget),
    profile: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'render profile for its episodes, e.g. `preview-720p`; unset: the graph\'s own' })),
    budgetUsdPerRun: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'each episode render stops before a paid request would take it past this (USD at list price)' })),
  },
  { additionalProperties: false },
);
export type SeriesSettings = Static<typeof seriesSettings>;

const seriesId = Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,63}$', description: 'lower-case letters, digits and dashes' });

export const createSeriesRequest = Type.Object(
  {
    id: Type.Optional(seriesId),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    graphId: Type.String({ minLength: 1, description: 'the stored graph (template or variant) its episodes run through' }),
    settings: Type.Optional(seriesSettings),
  },
  { additionalProperties: false },
);
export type CreateSeriesRequest = Static<typeof createSeriesRequest>;

export const seriesRecord = Type.Object({
  id: seriesId,
  name: Type.String(),
  graphId: Type.String(),
  settings: seriesSettings,
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  episodeCount: Type.Integer({ minimum: 0 }),
});
export type SeriesRecord = Static<typeof seriesRecord>;

export const addEpisodeRequest = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: 2_000_000, description: "the episode's script" }),
    format: Type.Optional(Type.StringEnum(scriptFormats, { description: 'default: Fountain when the text reads as Fountain, else markdown' })),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: "default: the script's title" })),
    /** For messages: the file the text came from. */
    fileName: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type AddEpisodeRequest = Static<typeof addEpisodeRequest>;

export const episodeRecord = Type.Object({
  id: Type.String(),
  seriesId: Type.String(),
  /** 1-based position in the series (its episode number). */
  number: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  format: Type.StringEnum(scriptFormats),
  /** The latest script version. */
  version: Type.Integer({ minimum: 1 }),
  sha256: Type.String({ description: "the latest script's content hash" }),
  fileName: Type.Optional(Type.String()),
  status: Type.StringEnum(episodeStatuses),
  lastRun: Type.Optional(
    Type.Object({
      runId: Type.String(),
      status: Type.String(),
      scriptVersion: Type.Integer(),
      createdAt: Type.Integer(),
      finishedAt: Type.Optional(Type.Integer()),
      durationMs: Type.Optional(Type.Integer()),
      progress: Type.Optional(
        Type.Number({
          minimum: 0,
          maximum: 1,
          description: "how far the run is, while it is queued or running (runtime/contract/run-progress.ts: each node of its graph weighs one, a running one by its share done); 1 once done; absent otherwise",
        }),
      ),
      publishedAt: Type.Optional(Type.Integer({ description: 'when the first publish run of this render that is done was started; present: the episode is `published`' })),
      costUsd: Type.Number({
        minimum: 0,
        description: "the run's priced provider usage at list price, as its run detail says (runtime/observability/prices.ts); 0 when it paid for nothing (offline providers, cached results); so far, while it runs",
      }),
    }),
  ),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});
export type EpisodeRecord = Static<typeof episodeRecord>;

/** An episode's status from its latest run's status (`undefined`: never rendered) and whether a publish run of that render is done. */
export function episodeStatusOf(runStatus: string | undefined, published = false): EpisodeStatus {
  switch (runStatus) {
    case undefined:
      return 'draft';
    case 'queued':
    case 'running':
      return 'rendering';
    case 'waiting':
      return 'needs review';
    case 'done':
      return published ? 'published' : 'rendered';
    default:
      return 'failed';
  }
}
