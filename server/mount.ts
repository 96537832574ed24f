/** Mounts the route table on an Express app: access control, body parsing, ajv validation, JSON replies. */
import express, { type Express, type RequestHandler } from 'express';
import { jsonSchema } from '../runtime/contract/json-schema.js';
import type { TokenService } from './auth.js';
import { requireToken } from './auth.js';
import { badRequest } from './errors.js';
import type { AnyRoute } from './route.js';
import { summarize, validatePart } from './validation.js';

export interface MountOptions {
  tokens: TokenService;
  bodyLimit: string;
  metricsPublic: boolean;
}

export function mountRoutes(app: Express, routes: AnyRoute[], options: MountOptions): void {
  const auth = requireToken(options.tokens);
  for (const route of routes) {
    const handlers: RequestHandler[] = [];
    const access = route.access ?? 'token';
    if (access === 'token' || (access === 'metrics' && !options.metricsPublic)) handlers.push(auth);
    if (route.rawBody) handlers.push(express.raw({ type: () => true, limit: route.rawBody.limit }));
    else if (route.body) handlers.push(express.json({ limit: route.bodyLimit ?? options.bodyLimit }));
    handlers.push(async (req, res) => {
      const params = route.params ? validatePart('params', jsonSchema(route.params), { ...req.params }) : { value: {}, problems: [] };
      const query = route.query ? validatePart('query', jsonSchema(route.query), { ...(req.query as object) }) : { value: {}, problems: [] };
      const body = route.body ? validatePart('body', jsonSchema(route.body), req.body ?? {}) : { value: req.body, problems: [] };
      const problems = [...params.problems, ...query.problems, ...body.problems];
      if (problems.length > 0) throw badRequest(summarize(problems), problems);
      const result = await route.handle({ params: params.value, query: query.value, body: body.value, req, res });
      if (res.headersSent || res.writableEnded) return;
      const status = route.status ?? 200;
      if (result === undefined) res.status(status).end();
      else res.status(status).json(result);
    });
    app[route.method](route.path, ...handlers);
  }
}
