/** The shipped templates (server/templates.ts): the catalog, an example episode's text, and installing a graph. */
import { Type } from '../../runtime/contract/typebox.js';
import type { ServerContext } from '../context.js';
import { TEMPLATE_NAME, episodeText, installTemplate, templateCatalog, type TemplateDirs } from '../templates.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { arrayOf, errors, ref } from '../schemas.js';
import { checkedSaver, storedGraph, withResolved } from './graphs.js';

const tags = ['templates'];
const nameParams = objectSchema({ name: Type.String({ pattern: TEMPLATE_NAME, description: 'the file base name, e.g. `shorts`' }) });

export function templateRoutes(ctx: ServerContext, dirs?: TemplateDirs): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/templates',
      summary: 'The shipped graphs (graphs/*.json) and example episodes (examples/episodes), each with a title and a short description',
      tags,
      responses: {
        200: {
          description: 'the catalog, most useful first',
          schema: { type: 'object', required: ['graphs', 'episodes'], properties: { graphs: arrayOf('GraphTemplate'), episodes: arrayOf('EpisodeTemplate') } },
        },
        ...errors(401),
      },
      handle: () => templateCatalog(dirs),
    }),
    defineRoute({
      method: 'get',
      path: '/api/templates/episodes/:name',
      summary: "An example episode's text, to fill a run's episode input",
      tags,
      params: nameParams,
      responses: {
        200: {
          description: 'the episode',
          schema: { type: 'object', required: ['name', 'title', 'format', 'text'], properties: { name: { type: 'string' }, title: { type: 'string' }, format: { enum: ['markdown', 'fountain'] }, text: { type: 'string' } } },
        },
        ...errors(400, 401, 404),
      },
      handle: ({ params }) => episodeText(params.name, dirs),
    }),
    defineRoute({
      method: 'post',
      path: '/api/templates/graphs/:name/install',
      summary: 'Store a shipped graph to open and edit it (a variant brings its template along)',
      description:
        'Answers the stored graph. A stored graph whose latest version equals the shipped document is reused; a different graph under that id is never overwritten: the template is stored under a free id (`episode-2`). A variant is stored extending its template\'s stored id.',
      tags,
      status: 201,
      params: nameParams,
      responses: { 201: { description: 'the stored graph (a variant also carries `resolved`)', schema: ref('StoredGraph') }, ...errors(400, 401, 404) },
      handle: async ({ params }) => {
        const id = await installTemplate(ctx.workspace.store, params.name, checkedSaver(ctx), dirs);
        return withResolved(ctx, await storedGraph(ctx, id));
      },
    }),
  ];
}
