/** Node types: the plain descriptions the editor builds its palette and forms from. */
import { versionQuery } from '../../runtime/contract/api-requests.js';
import { describeNode } from '../../runtime/contract/node.js';
import { Type } from '../../runtime/contract/typebox.js';
import type { ServerContext } from '../context.js';
import { notFound } from '../errors.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['nodes'];

export function nodeRoutes(ctx: ServerContext): AnyRoute[] {
  const { registry } = ctx.workspace;
  return [
    defineRoute({
      method: 'get',
      path: '/api/nodes',
      summary: 'Every node type (every version), as plain descriptions',
      tags,
      responses: { 200: { description: 'node descriptions', schema: arrayOf('NodeDescription') }, ...errors(401) },
      handle: () => registry.list().map(describeNode),
    }),
    defineRoute({
      method: 'get',
      path: '/api/nodes/:type',
      summary: 'One node type: the latest version, or `?version=`',
      tags,
      params: objectSchema({ type: Type.String({ pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*)+$' }) }),
      query: versionQuery,
      responses: { 200: { description: 'the description', schema: ref('NodeDescription') }, ...errors(400, 401, 404) },
      handle: ({ params, query }) => {
        const node = query.version === undefined ? registry.latest(params.type) : registry.get(params.type, query.version);
        if (!node) throw notFound(`node type "${params.type}"${query.version === undefined ? '' : ` version ${query.version}`}`);
        return describeNode(node);
      },
    }),
  ];
}
