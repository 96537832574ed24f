/**
 * Route requests written once (issue 16): a handler's params, query and body
 * are the static types of the TypeBox schemas the route validates with, so
 * the two cannot disagree. The type assertions are checked by `npm run
 * typecheck`; vitest checks that no route is left with a plain schema.
 */
import { Kind } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { withDefault, type Received, type RunListQuery, type runListQuery, type StartRunRequest, type startRunRequest } from '../runtime/contract/api-requests.js';
import type { AnyGraphDocument, Priority, RunStatus } from '../runtime/contract/index.js';
import type { RunTrigger } from '../runtime/contract/records.js';
import { Type } from '../runtime/contract/typebox.js';
import { routeTable } from '../server/app.js';
import type { ServerContext } from '../server/context.js';
import { defineRoute, idParams, objectSchema, type Route } from '../server/route.js';

const declared = { method: 'post' as const, path: '/probe', summary: 'probe', tags: [], responses: {} };

describe('a route handler', () => {
  it('gets the static types of its schemas, defaults filled in', () => {
    defineRoute({
      ...declared,
      params: idParams,
      query: objectSchema({ limit: withDefault(Type.Integer(), 10), cursor: Type.Optional(Type.String()) }),
      body: objectSchema({ name: Type.String(), tags: Type.Optional(Type.Array(Type.String())) }),
      handle: ({ params, query, body }) => {
        expectTypeOf(params).toEqualTypeOf<{ id: string }>();
        expectTypeOf(query).toEqualTypeOf<{ limit: number; cursor?: string }>();
        expectTypeOf(body).toEqualTypeOf<{ name: string; tags?: string[] }>();
        // @ts-expect-error the body schema has no `age`
        return body.age;
      },
    });
  });

  it('gets nothing for what has no schema, and a rawBody route the bytes', () => {
    defineRoute({
      ...declared,
      handle: ({ params, query, body }) => {
        expectTypeOf(params).toEqualTypeOf<Record<string, never>>();
        expectTypeOf(query).toEqualTypeOf<Record<string, never>>();
        expectTypeOf(body).toEqualTypeOf<undefined>();
      },
    });
    defineRoute({ ...declared, rawBody: { limit: '1kb', description: 'bytes' }, handle: ({ body }) => expectTypeOf(body).toEqualTypeOf<Buffer>() });
  });

  it('sees what a client sends with the defaults applied', () => {
    expectTypeOf<RunListQuery>().toEqualTypeOf<{ graphId?: string; status?: RunStatus[]; trigger?: RunTrigger; limit?: number }>();
    expectTypeOf<Received<typeof runListQuery>>().toEqualTypeOf<{ graphId?: string; status?: RunStatus[]; trigger?: RunTrigger; limit: number }>();
    expectTypeOf<StartRunRequest['priority']>().toEqualTypeOf<Priority | undefined>();
    expectTypeOf<Received<typeof startRunRequest>['priority']>().toEqualTypeOf<Priority>();
    expectTypeOf<StartRunRequest['graph']>().toEqualTypeOf<AnyGraphDocument | undefined>();
  });
});

describe('the route table', () => {
  // The factories only read the context while declaring routes; no handler runs here.
  const anything: ServerContext = new Proxy(() => {}, { get: (_target, key) => (key === 'then' ? undefined : anything), apply: () => anything }) as never;
  const routes = routeTable(anything) as Route[];

  it('declares every request schema with TypeBox (none written as plain JSON Schema)', () => {
    const plain = routes.flatMap((route) =>
      (['params', 'query', 'body'] as const).filter((part) => route[part] !== undefined && !(Kind in route[part])).map((part) => `${route.method} ${route.path} ${part}`),
    );
    expect(routes.length).toBeGreaterThan(30);
    expect(plain).toEqual([]);
  });

  it('declares a params schema for every path parameter', () => {
    const missing = routes.filter((route) => route.path.includes(':') && route.params === undefined).map((route) => route.path);
    expect(missing).toEqual([]);
  });
});
