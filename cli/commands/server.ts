/**
 * `reelgraph server` and `reelgraph token create|list|revoke`. Registered on
 * the main program by cli/main.ts.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { ServerTables } from '../../runtime/store/server-tables.js';
import { openSqliteStore } from '../../runtime/store/sqlite.js';
import { TokenService } from '../../server/auth.js';
import type { CliContext } from '../context.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port must be 0..65535, got "${value}"`);
  return n;
}

async function withTokens<T>(dataDir: string, fn: (tokens: TokenService) => Promise<T>): Promise<T> {
  const store = await openSqliteStore(join(dataDir, 'reelgraph.db'));
  try {
    return await fn(new TokenService(new ServerTables(store.database)));
  } finally {
    await store.close();
  }
}

export function registerServerCommands(program: Command, { dataDir, io }: CliContext): void {
  program
    .command('server')
    .description('serve the API, socket.io, signed webhooks and the editor (REELGRAPH_HOST, REELGRAPH_PORT)')
    .option('--host <host>', 'interface to listen on (default $REELGRAPH_HOST or 127.0.0.1)')
    .option('--port <port>', 'port (default $REELGRAPH_PORT or 4170)', port)
    .action(async (options: { host?: string; port?: number }) => {
      // Express, socket.io and the routes load only for this command: every other command starts faster.
      const { startServer } = await import('../../server/main.js');
      const server = await startServer({
        dataDir: dataDir(),
        ...(options.host ? { host: options.host } : {}),
        ...(options.port !== undefined ? { port: options.port } : {}),
        notice: io.err,
      });
      io.err(`reelgraph server listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string): void => {
          io.err(`reelgraph server: ${signal}, shutting down (unfinished runs resume on the next start)\n`);
          process.off('SIGTERM', onTerm);
          process.off('SIGINT', onInt);
          server.close().then(resolve, (error: unknown) => {
            io.err(`reelgraph server: shutdown failed: ${error instanceof Error ? error.message : String(error)}\n`);
            resolve();
          });
        };
        const onTerm = (): void => stop('SIGTERM');
        const onInt = (): void => stop('SIGINT');
        process.once('SIGTERM', onTerm);
        process.once('SIGINT', onInt);
      });
    });

  const token = program.command('token').description('API tokens for the server (stored as hashes; a token is shown only when created)');
  token
    .command('create')
    .description('create a token and print it once')
    .argument('<name>', 'a name to recognise it by')
    .action(async (name: string) => {
      const { token: value } = await withTokens(dataDir(), (tokens) => tokens.create(name));
      io.out(`${value}\n`);
      io.err(`token "${name}" created; it is not shown again\n`);
    });
  token
    .command('list')
    .description('list tokens (names and dates, never the tokens)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await withTokens(dataDir(), (tokens) => tokens.list());
      if (options.json) return io.out(`${JSON.stringify(list, null, 2)}\n`);
      if (list.length === 0) return io.out('no tokens\n');
      for (const t of list) {
        io.out(`${t.id}  ${t.name}  created ${new Date(t.createdAt).toISOString()}  ${t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toISOString()}` : 'never used'}\n`);
      }
    });
  token
    .command('revoke')
    .description('revoke a token by name or id')
    .argument('<nameOrId>', 'token name or id')
    .action(async (nameOrId: string) => {
      const removed = await withTokens(dataDir(), (tokens) => tokens.revoke(nameOrId));
      if (!removed) throw new Error(`no token named "${nameOrId}"`);
      io.out(`revoked ${nameOrId}\n`);
    });
}
