/**
 * Series and episodes (runtime/contract/series.ts): create a series on a
 * stored graph, add episodes (each script parsed first: a broken one is
 * refused with its file and line, and none of the request is stored), list
 * a series' episodes with their status, and revise an episode's script.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Type } from '../../runtime/contract/typebox.js';
import { addEpisodeRequest, createSeriesRequest, seriesSettings, type SeriesSettings } from '../../runtime/contract/series.js';
import { publishSeries, seriesSettingsProblems } from '../../runtime/runs/series-publish.js';
import { readEpisodeScript } from '../../nodes/script/engine/episode-file.js';
import { ScriptError } from '../../nodes/script/engine/index.js';
import { parseEpisodeList, renderSeries } from '../../runtime/runs/series-render.js';
import { episodeRunOf } from '../../nodes/script/input-format.js';
import type { ServerContext } from '../context.js';
import { graphFor } from '../runs.js';
import { badRequest } from '../errors.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['series'];
const seriesParams = objectSchema({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const episodeParams = objectSchema({ id: Type.String({ minLength: 1, maxLength: 64 }), number: Type.String({ pattern: '^[1-9][0-9]{0,5}$' }) });

/** Episodes that could not start, as render and publish answers list them. */
const notStartedSchema = { type: 'array', items: { type: 'object', required: ['number', 'title', 'error'], properties: { number: { type: 'integer' }, title: { type: 'string' }, error: { type: 'string' } } } };

/** A request's `episodes`: numbers, or a list such as "1-3,5"; undefined for all; a 400 naming the field for anything else. */
function episodesOf(given: string | number[] | undefined): number[] | undefined {
  const episodes = typeof given === 'string' ? parseEpisodeList(given) : given;
  if (episodes === undefined && given !== undefined) throw badRequest(`episodes "${String(given)}": give numbers and ranges, e.g. "1-3,5"`, [{ in: 'body', path: '/episodes', message: 'not a list of episodes' }]);
  return episodes;
}

export function seriesRoutes(ctx: ServerContext): AnyRoute[] {
  const { series } = ctx.workspace;
  /** Settings as stored: a publish target whose params its node type refuses is a 400 naming each param. */
  const checked = (settings: SeriesSettings): SeriesSettings => {
    const problems = seriesSettingsProblems(settings, ctx.workspace.registry);
    if (problems.length > 0) {
      throw badRequest(
        `settings.publish: ${problems.map((problem) => problem.message).join('; ')}`,
        problems.map((problem) => ({ in: 'body', path: `/settings${problem.path}`, message: problem.message })),
      );
    }
    return settings;
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/series',
      summary: 'Every series, with its episode count',
      tags,
      responses: { 200: { description: 'series, oldest first', schema: arrayOf('Series') }, ...errors(401) },
      handle: () => series.list(),
    }),
    defineRoute({
      method: 'post',
      path: '/api/series',
      summary: 'Create a series on a stored graph (a template or a variant)',
      description:
        "`id` defaults to the name made into lower-case letters, digits and dashes. `settings.publish` (optional) names a publish node and its params, checked against that node's params schema: 400 naming the param. 404 `UNKNOWN_GRAPH` when the graph is not stored; 409 `SERIES_EXISTS` when the id is taken.",
      tags,
      status: 201,
      body: createSeriesRequest,
      responses: { 201: { description: 'the series', schema: ref('Series') }, ...errors(400, 401, 404, 409) },
      handle: async ({ body }) => {
        const id = body.id ?? slug(body.name);
        if (!id) throw badRequest('give the series an `id` (lower-case letters, digits and dashes): its name has none of them', [{ in: 'body', path: '/id', message: 'required' }]);
        return series.create({ id, name: body.name, graphId: body.graphId, settings: checked(body.settings ?? {}) });
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/series/:id/settings',
      summary: "Replace a series' settings (checked as at creation: a publish target's params against its node type's schema)",
      tags,
      params: seriesParams,
      body: seriesSettings,
      responses: { 200: { description: 'the series', schema: ref('Series') }, ...errors(400, 401, 404) },
      handle: async ({ params, body }) => series.update(params.id, { settings: checked(body) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/series/:id',
      summary: 'A series and its episodes in order, each with its status (read from its latest run) and last render',
      tags,
      params: seriesParams,
      responses: {
        200: { description: 'the series with `episodes`', schema: { allOf: [ref('Series'), { type: 'object', required: ['episodes'], properties: { episodes: arrayOf('Episode') } }] } },
        ...errors(401, 404),
      },
      handle: async ({ params }) => ({ ...(await series.get(params.id)), episodes: await series.episodes(params.id) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/series/:id/episodes',
      summary: 'Add episodes to a series, numbered in request order after its last one',
      description: 'Each script is parsed first (markdown or Fountain, by `format` or by its content): a broken one answers 400 naming its file and line, and nothing of the request is stored.',
      tags,
      status: 201,
      params: seriesParams,
      body: objectSchema({ episodes: Type.Array(addEpisodeRequest, { minItems: 1, maxItems: 500 }) }),
      responses: { 201: { description: 'the added episodes', schema: { type: 'object', required: ['episodes'], properties: { episodes: arrayOf('Episode') } } }, ...errors(400, 401, 404) },
      handle: async ({ params, body }) => {
        const scripts = body.episodes.map((episode, index) => {
          try {
            const read = readEpisodeScript(episode.text, { ...(episode.fileName ? { file: episode.fileName } : {}), ...(episode.format ? { format: episode.format } : {}) });
            return { ...read, ...(episode.title ? { title: episode.title } : {}), ...(episode.fileName ? { fileName: episode.fileName } : {}) };
          } catch (error) {
            if (!(error instanceof ScriptError)) throw error;
            throw badRequest(`episode ${index + 1}: ${error.message}`, [{ in: 'body', path: `/episodes/${index}/text`, message: error.message }]);
          }
        });
        return { episodes: await series.addEpisodes(params.id, scripts) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/series/:id/render',
      summary: "Render a series' episodes (all, a selection, or the failed ones), each as its own run at batch priority",
      description:
        "Each episode runs through the series' graph (its latest stored version) with its latest script, at the series' profile unless `profile` says otherwise, under the series' per-run budget. A failed episode stops no other. Episodes share the cache: what an earlier render made is reused. Follow each run as any other (`GET /api/runs/:id`, socket.io); the series' episodes show their status.",
      tags,
      status: 202,
      params: seriesParams,
      body: objectSchema({
        episodes: Type.Optional(Type.Union([Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000 }), Type.String({ pattern: '^[0-9, -]+$', maxLength: 1000, description: 'e.g. "1-3,5"' })])),
        failedOnly: Type.Optional(Type.Boolean({ description: 'only the episodes whose latest run failed' })),
        profile: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      }),
      responses: {
        202: {
          description: 'the runs started, by episode, and the episodes that could not start (with why)',
          schema: {
            type: 'object',
            required: ['seriesId', 'runs', 'notStarted'],
            properties: {
              seriesId: { type: 'string' },
              runs: { type: 'array', items: { type: 'object', required: ['number', 'title', 'runId'], properties: { number: { type: 'integer' }, title: { type: 'string' }, runId: { type: 'string' } } } },
              notStarted: notStartedSchema,
              nothingToRender: { type: 'string', description: 'present when no episode was chosen, saying why (e.g. none has failed); not an error' },
            },
          },
        },
        ...errors(400, 401, 404),
      },
      handle: async ({ params, body }) => {
        const episodes = episodesOf(body.episodes);
        const found = await series.get(params.id);
        const { graph, version } = await graphFor(ctx, { graphId: found.graphId });
        const runsDir = ctx.config.runsDir ?? join(ctx.workspace.dataDir, 'runs');
        const render = await renderSeries(ctx.workspace, params.id, {
          graph,
          ...(version !== undefined ? { graphVersion: version } : {}),
          ...(episodes ? { episodes } : {}),
          ...(body.failedOnly ? { failedOnly: true } : {}),
          ...(body.profile ? { profile: body.profile } : {}),
          trigger: 'api',
          outDirOf: () => join(runsDir, randomUUID()),
          episodeRun: (g, episode, text) => episodeRunOf(g, text, episode.format),
        });
        ctx.logger.info({ seriesId: params.id, runs: render.started.length, notStarted: render.notStarted.length }, 'series render started');
        return {
          seriesId: params.id,
          runs: render.started.map(({ number, title, runId }) => ({ number, title, runId })),
          notStarted: render.notStarted,
          ...(render.nothingToRender !== undefined ? { nothingToRender: render.nothingToRender } : {}),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/series/:id/publish',
      summary: "Publish rendered episodes with the series' publish target (settings.publish), each as its own run",
      description:
        "Each episode's latest render, when it is done, is published by a run of the series' publish node fed that render's package files; once that run is done the episode's status is `published`. Default: every `rendered` episode not yet published; named episodes are published (again) when rendered, and those that are not are listed in `notStarted`. 400 `NO_PUBLISH_TARGET` when the series has none.",
      tags,
      status: 202,
      params: seriesParams,
      body: objectSchema({
        episodes: Type.Optional(Type.Union([Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 10_000 }), Type.String({ pattern: '^[0-9, -]+$', maxLength: 1000, description: 'e.g. "1-3,5"' })])),
      }),
      responses: {
        202: {
          description: 'the publish runs started, by episode, and the episodes that could not be published (with why)',
          schema: {
            type: 'object',
            required: ['seriesId', 'node', 'runs', 'notStarted'],
            properties: {
              seriesId: { type: 'string' },
              node: { type: 'string' },
              runs: {
                type: 'array',
                items: { type: 'object', required: ['number', 'title', 'runId', 'renderRunId'], properties: { number: { type: 'integer' }, title: { type: 'string' }, runId: { type: 'string' }, renderRunId: { type: 'string' } } },
              },
              notStarted: notStartedSchema,
              nothingToPublish: { type: 'string', description: 'present when no episode was chosen, saying why; not an error' },
            },
          },
        },
        ...errors(400, 401, 404),
      },
      handle: async ({ params, body }) => {
        const episodes = episodesOf(body.episodes);
        const runsDir = ctx.config.runsDir ?? join(ctx.workspace.dataDir, 'runs');
        const published = await publishSeries(ctx.workspace, params.id, { ...(episodes ? { episodes } : {}), trigger: 'api', outDirOf: () => join(runsDir, randomUUID()) });
        ctx.logger.info({ seriesId: params.id, runs: published.started.length, notStarted: published.notStarted.length }, 'series publish started');
        return {
          seriesId: params.id,
          node: published.node,
          runs: published.started.map(({ number, title, runId, renderRunId }) => ({ number, title, runId, renderRunId })),
          notStarted: published.notStarted,
          ...(published.nothingToPublish !== undefined ? { nothingToPublish: published.nothingToPublish } : {}),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/series/:id/episodes/:number',
      summary: 'One episode: its status, its latest script and its runs, newest first',
      tags,
      params: episodeParams,
      responses: {
        200: {
          description: 'the episode with `script` (latest text) and `runs`',
          schema: {
            allOf: [
              ref('Episode'),
              {
                type: 'object',
                required: ['script', 'runs'],
                properties: {
                  script: { type: 'string' },
                  runs: { type: 'array', items: { type: 'object', required: ['runId', 'scriptVersion', 'createdAt'], properties: { runId: { type: 'string' }, scriptVersion: { type: 'integer' }, createdAt: { type: 'integer' } } } },
                },
              },
            ],
          },
        },
        ...errors(401, 404),
      },
      handle: async ({ params }) => {
        const episode = await series.episode(params.id, Number(params.number));
        return { ...episode, script: (await series.script(episode.id)).text, runs: await series.runsOf(episode.id) };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/series/:id/episodes/:number/script',
      summary: "A new version of an episode's script (the same text again makes none)",
      tags,
      params: episodeParams,
      body: objectSchema({ text: Type.String({ minLength: 1, maxLength: 2_000_000 }) }),
      responses: { 200: { description: 'the episode', schema: ref('Episode') }, ...errors(400, 401, 404) },
      handle: async ({ params, body }) => {
        const episode = await series.episode(params.id, Number(params.number));
        try {
          readEpisodeScript(body.text, { ...(episode.fileName ? { file: episode.fileName } : {}), format: episode.format });
        } catch (error) {
          if (!(error instanceof ScriptError)) throw error;
          throw badRequest(error.message, [{ in: 'body', path: '/text', message: error.message }]);
        }
        return series.reviseEpisode(params.id, episode.number, body.text);
      },
    }),
  ];
}

/** "The Last Terminal" → "the-last-terminal". */
function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}
