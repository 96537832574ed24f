/** Provider credentials, encrypted at rest; the API never returns a value. */
import type { ServerContext } from '../context.js';
import { notFound } from '../errors.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['credentials'];
const nameParams = objectSchema({ name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 64 } }, ['name']);

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
    defineRoute<{ name: string }, Record<string, never>, { fields: Record<string, string> }>({
      method: 'put',
      path: '/api/credentials/:name',
      summary: 'Store (or replace) a credential; the name is the one node types declare (e.g. `elevenlabs`)',
      tags,
      params: nameParams,
      body: objectSchema(
        {
          fields: {
            type: 'object',
            minProperties: 1,
            maxProperties: 20,
            propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 64 },
            additionalProperties: { type: 'string', minLength: 1, maxLength: 8192 },
          },
        },
        ['fields'],
      ),
      responses: { 200: { description: 'stored (values are not echoed)', schema: ref('Credential') }, ...errors(400, 401, 503) },
      handle: ({ params, body }) => vault.put(params.name, body.fields),
    }),
    defineRoute<{ name: string }>({
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
  ] as AnyRoute[];
}
