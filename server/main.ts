/**
 * `reelgraph server`: opens the workspace with the encrypted credentials
 * vault, resumes the runs a previous server left unfinished, and serves the
 * API, socket.io, signed webhooks and the built editor.
 */
import type { Server } from 'socket.io';
import { mkdir } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { builtinNodes } from '../nodes/index.js';
import { openWorkspace, type Workspace } from '../runtime/workspace.js';
import type { NodeType } from '../runtime/contract/node.js';
import { resolveSecretKey } from '../runtime/credentials/secret-key.js';
import { CredentialVault } from '../runtime/credentials/vault.js';
import { MediaSigner, mediaLinkKey } from './media-links.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { ServerTables } from '../runtime/store/server-tables.js';
import { createApp } from './app.js';
import { TokenService } from './auth.js';
import { configFromEnv, type ServerConfig } from './config.js';
import type { ServerContext } from './context.js';
import { createServerLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { attachSocket } from './socket.js';
import { CallbackSender } from './webhooks/callbacks.js';
import { deliverCompletions } from './webhooks/completions.js';
import { notifyWaitingReviews } from './webhooks/review-notices.js';
import { scheduleRetention } from './retention-schedule.js';

export interface StartServerOptions extends Partial<ServerConfig> {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Node types beside the built-in ones (tests). */
  extraNodes?: NodeType[];
  /** Where the first-start token notice goes. Default: stderr. */
  notice?: (text: string) => void;
}

export interface RunningServer {
  url: string;
  /** The token created on first start (no tokens yet), else undefined. */
  initialToken?: string;
  /** Run ids resumed at startup. */
  resumed: string[];
  context: ServerContext;
  app: Express;
  http: HttpServer;
  /** The live-update server (socket.io), e.g. to drop every client's connection in a test. */
  io: Server;
  /** Stops accepting, leaves unfinished runs to the next start, closes the store. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const env = options.env ?? process.env;
  const { dataDir, env: _env, logger: givenLogger, extraNodes, notice, ...overrides } = options;
  const config = configFromEnv(env, overrides);
  const logger = givenLogger ?? createServerLogger(env);
  // Malformed key: fail before anything opens. Without REELGRAPH_SECRET_KEY the
  // key lives in the data directory, created on first start (quick start needs no setup).
  await mkdir(dataDir, { recursive: true });
  const key = (await resolveSecretKey(dataDir, { env, create: true, notice: (message) => logger.info(message) }))?.key;

  let tables: ServerTables | undefined;
  let vault: CredentialVault | undefined;
  const workspace: Workspace = await openWorkspace(dataDir, {
    nodes: builtinNodes,
    env,
    ...(extraNodes ? { extraNodes } : {}),
    credentials: async ({ store, registry }) => {
      tables = new ServerTables(store.database);
      vault = new CredentialVault(tables, key, new EnvCredentials(registry.list(), env));
      // Stored secrets need the key they were sealed with: a clear error now, not a failed run later.
      await vault.assertUsable();
      return vault;
    },
  });
  if (!tables || !vault) throw new Error('the workspace did not build the credentials vault');

  const tokens = new TokenService(tables);
  const metrics = createMetrics(workspace.engine.events, workspace.dispatcher);
  const callbacks = new CallbackSender(config.callback, logger);
  const mediaSigner = new MediaSigner(mediaLinkKey(key));
  const context: ServerContext = { workspace, tables, vault, tokens, logger, config, callbacks, metrics, mediaSigner };

  let initialToken: string | undefined;
  if ((await tokens.count()) === 0) initialToken = (await tokens.create('initial')).token;

  const stopReviewNotices = notifyWaitingReviews({ events: workspace.engine.events, store: workspace.store, tables, vault, callbacks, logger });
  // Before resuming runs: a resumed webhook run calls back when it ends, and what ended unsent is sent now.
  const stopCompletions = deliverCompletions({ launcher: workspace.launcher, store: workspace.store, tables, vault, callbacks, logger });
  // REELGRAPH_GC_INTERVAL_MS: retention in this process (server/retention-schedule.ts); a sweep removes nothing while a run is active.
  const retention = scheduleRetention(workspace, env, logger);

  const { app } = createApp(context);
  const http = createServer(app);
  const socket = attachSocket(http, context);
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  const resumed = await workspace.launcher.resumeUnfinished();
  if (resumed.length > 0) logger.info({ runIds: resumed }, 'resumed unfinished runs');
  logger.info({ url, dataDir }, 'reelgraph server listening');
  if (initialToken) {
    (notice ?? ((text) => process.stderr.write(text)))(
      `\nreelgraph server: created an API token (shown only once; more with \`reelgraph token create <name>\`):\n\n    ${initialToken}\n\nOpen the editor at:\n\n    ${url}/?token=${initialToken}\n\n`,
    );
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      http.closeIdleConnections();
      await socket.close(); // closes the HTTP server too
      http.closeAllConnections();
      // Unfinished runs stay queued/running in the store; the next start resumes them.
      workspace.launcher.detach();
      stopReviewNotices();
      stopCompletions();
      await retention.stop();
      await callbacks.close();
      metrics.close();
      await workspace.engine.close();
      await workspace.store.close();
    })());

  return { url, ...(initialToken ? { initialToken } : {}), resumed, context, app, http, io: socket.io, close };
}
