/** What every route module gets: the workspace and the server's services. */
import type { Logger } from 'pino';
import type { Workspace } from '../runtime/workspace.js';
import type { CredentialVault } from '../runtime/credentials/vault.js';
import type { ServerTables } from '../runtime/store/server-tables.js';
import type { TokenService } from './auth.js';
import type { ServerConfig } from './config.js';
import type { CallbackSender } from './webhooks/callbacks.js';
import type { MediaSigner } from './media-links.js';
import type { MetricsMount } from './metrics.js';

export interface ServerContext {
  workspace: Workspace;
  tables: ServerTables;
  vault: CredentialVault;
  tokens: TokenService;
  logger: Logger;
  config: ServerConfig;
  callbacks: CallbackSender;
  metrics: MetricsMount;
  /** Signs and checks the editor's media links. */
  mediaSigner: MediaSigner;
}
