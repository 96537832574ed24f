/**
 * The Express app: security headers, CORS, request logs, rate limits, the
 * route table, the built editor, and JSON errors everywhere.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { rateLimit } from 'express-rate-limit';
import { pinoHttp } from 'pino-http';
import { requireToken } from './auth.js';
import type { ServerContext } from './context.js';
import { errorHandler, HttpError, notFoundHandler, sendError } from './errors.js';
import { redactQuerySecrets } from './logger.js';
import { mountRoutes } from './mount.js';
import type { AnyRoute } from './route.js';
import { artifactRoutes } from './routes/artifacts.js';
import { credentialRoutes } from './routes/credentials.js';
import { deliverableRoutes } from './routes/deliverables.js';
import { graphRoutes } from './routes/graphs.js';
import { nodeRoutes } from './routes/nodes.js';
import { reviewRoutes } from './routes/reviews.js';
import { pinRoutes } from './routes/pins.js';
import { seriesRoutes } from './routes/series.js';
import { seriesPackageRoutes } from './routes/series-package.js';
import { runRoutes } from './routes/runs.js';
import { systemRoutes } from './routes/system.js';
import { templateRoutes } from './routes/templates.js';
import { webhookRoutes } from './routes/webhooks.js';

/** Every route the server serves, in mounting order. */
export function routeTable(ctx: ServerContext): AnyRoute[] {
  const routes: AnyRoute[] = [];
  routes.push(
    ...systemRoutes(ctx, () => routes),
    ...graphRoutes(ctx),
    ...pinRoutes(ctx),
    ...templateRoutes(ctx),
    ...webhookRoutes(ctx),
    ...runRoutes(ctx),
    ...reviewRoutes(ctx),
    ...seriesRoutes(ctx),
    ...seriesPackageRoutes(ctx),
    ...deliverableRoutes(ctx),
    ...nodeRoutes(ctx),
    ...artifactRoutes(ctx),
    ...credentialRoutes(ctx),
  );
  return routes;
}

export function createApp(ctx: ServerContext): { app: Express; routes: AnyRoute[] } {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // The editor validates parameter forms with ajv, which compiles JSON Schemas to functions.
          scriptSrc: ["'self'", "'unsafe-eval'"],
          // Waveforms and previews are drawn from fetched media (blob: URLs).
          mediaSrc: ["'self'", 'blob:'],
          imgSrc: ["'self'", 'data:', 'blob:'],
        },
      },
    }),
  );
  app.use(cors({ origin: ctx.config.corsOrigins.length > 0 ? ctx.config.corsOrigins : false }));
  app.use(
    pinoHttp({
      logger: ctx.logger,
      customProps: (_req, res) => (res.locals.token ? { tokenId: (res.locals.token as { id: string }).id } : {}),
      serializers: {
        req: (req: { method: string; url: string; id: unknown }) => ({ id: req.id, method: req.method, url: redactQuerySecrets(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  const limited = (limit: number): express.RequestHandler =>
    rateLimit({
      windowMs: ctx.config.rateLimit.windowMs,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, res) => sendError(res, new HttpError(429, 'RATE_LIMITED', 'too many requests; slow down')),
    });
  app.use('/api', limited(ctx.config.rateLimit.api));
  app.use('/webhooks', limited(ctx.config.rateLimit.webhooks));

  const routes = routeTable(ctx);
  mountRoutes(app, routes, { tokens: ctx.tokens, bodyLimit: ctx.config.bodyLimit, metricsPublic: ctx.config.metricsPublic });
  // Unknown /api paths answer 401 to strangers too: no probing for routes without a token.
  app.use('/api', requireToken(ctx.tokens), notFoundHandler);
  app.use('/webhooks', notFoundHandler);

  serveEditor(app, ctx.config.editorDir);
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger));
  return { app, routes };
}

/** The built editor (vite build → dist/editor), with index.html for every other GET (client-side routes). */
function serveEditor(app: Express, dir: string): void {
  const index = join(dir, 'index.html');
  if (!existsSync(index)) return;
  // index.html names the build's hashed assets, so a browser must ask again each time (an ETag makes
  // that cheap): cached for an hour, it kept loading the previous editor after an upgrade. The hashed
  // files under assets/ never change under their name.
  const revalidate = 'no-cache';
  app.use(
    express.static(dir, {
      index: 'index.html',
      setHeaders: (res, path) => res.setHeader('Cache-Control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : revalidate),
    }),
  );
  // A middleware, not a route: the editor's pages are not part of the API the route table (and OpenAPI) describes.
  app.use((req, res, next) => {
    if (req.method !== 'GET' || /^\/(api|webhooks|socket\.io|media|metrics)(\/|$)/.test(req.path)) return next();
    res.sendFile(index, { headers: { 'Cache-Control': revalidate } });
  });
}
