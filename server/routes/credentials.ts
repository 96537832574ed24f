/** Provider credentials, encrypted at rest; the API never returns a value. */
import { credentialPutRequest } from '../../runtime/contract/api-requests.js';
import { Type } from '../../runtime/contract/typebox.js';
import type { ServerContext } from '../context.js';
import { notFound } from '../errors.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['credentials'];
const nameParams = objectSchema({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 64 }) });

export function credentialRoutes(ctx: ServerContext): AnyRoute[] {
  const { vault } = ctx;
  return [
    defineRoute({
      method: 'get',
      path: '/api/credentials',
      summary: 'Stored credentials: names, field names and times (never values)',
      tags,
      responses: { 200: { description: 'credentials', schema: arrayOf('Credential') }, ...errors(401) },
      handle: () => vault.list(),
    }),
    defineRoute({
      method: 'put',
      path: '/api/credentials/:name',
      summary: 'Store (or replace) a credential; the name is the one node types declare (e.g. `elevenlabs`)',
      tags,
      params: nameParams,
      body: credentialPutRequest,
      responses: { 200: { description: 'stored (values are not echoed)', schema: ref('Credential') }, ...errors(400, 401, 503) },
      handle: ({ params, body }) => vault.put(params.name, body.fields),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/credentials/:name',
      summary: 'Delete a credential (nodes fall back to environment variables)',
      tags,
      status: 204,
      params: nameParams,
      responses: { 204: { description: 'deleted' }, ...errors(400, 401, 404) },
      handle: async ({ params }) => {
        if (!(await vault.delete(params.name))) throw notFound(`credential "${params.name}"`);
        return undefined;
      },
    }),
  ];
}
