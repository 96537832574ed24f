/** The OpenAPI 3.1 document, generated from the route table. */
import type { JsonSchema } from '../runtime/contract/ports.js';
import { openApiPath, type AnyRoute } from './route.js';
import { componentSchemas } from './schemas.js';

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
  description?: string;
}

function parametersOf(schema: JsonSchema | undefined, where: 'path' | 'query'): Parameter[] {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property as JsonSchema & { description?: string };
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) };
  });
}

function operationId(route: AnyRoute): string {
  const words = route.path
    .replace(/^\/api\//, '/')
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `by-${part.slice(1)}` : part))
    .join('-');
  return `${route.method}-${words}`.replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '');
}

export function buildOpenApi(routes: AnyRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const operation: Record<string, unknown> = {
      operationId: operationId(route),
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: route.tags,
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, spec]) => [
          status,
          {
            description: spec.description,
            ...(spec.schema ? { content: { 'application/json': { schema: spec.schema } } } : {}),
            ...(spec.contentType ? { content: { [spec.contentType]: { schema: { type: 'string', format: 'binary' } } } } : {}),
          },
        ]),
      ),
    };
    if (route.body) operation.requestBody = { required: true, content: { 'application/json': { schema: route.body } } };
    if (route.rawBody) {
      operation.requestBody = { required: true, description: route.rawBody.description, content: { 'application/json': { schema: { type: 'object' } } } };
    }
    const access = route.access ?? 'token';
    if (access === 'public' || access === 'signature') operation.security = [];
    (paths[path] ??= {})[route.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'reelgraph API',
      version: '1',
      description: 'Graphs, runs, node types, artifacts, credentials and signed webhooks. Every /api route needs `Authorization: Bearer <token>` (create one with `reelgraph token create <name>`).',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [...new Set(routes.flatMap((r) => r.tags))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token' } },
      schemas: componentSchemas,
    },
  };
}
