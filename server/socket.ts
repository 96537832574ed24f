/**
 * socket.io: clients authenticate with an API token (`auth: {token}`), then
 * `subscribe` to runs. Each run has a room `run:<id>`; the engine's events
 * for that run are forwarded to it as `event`, and a subscriber first gets
 * the run's stored state (`snapshot`, also the ack) so nothing is missed.
 * A review gate that opens is also sent as `review:waiting` (the event
 * itself), so a client can notify without filtering every event.
 */
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { ServerContext } from './context.js';

const RUN_ID = /^[A-Za-z0-9_-]{1,100}$/;
export const roomOf = (runId: string): string => `run:${runId}`;

type Ack = (reply: Record<string, unknown>) => void;

export function attachSocket(httpServer: HttpServer, ctx: ServerContext): { io: Server; close(): Promise<void> } {
  const io = new Server(httpServer, {
    serveClient: false,
    cors: { origin: ctx.config.corsOrigins.length > 0 ? ctx.config.corsOrigins : false },
    maxHttpBufferSize: 64 * 1024,
  });

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    ctx.tokens
      .verify(typeof token === 'string' ? token : undefined)
      .then((record) => {
        if (!record) {
          const error = new Error('unauthorized') as Error & { data?: unknown };
          error.data = { code: 'UNAUTHORIZED', message: 'an API token is required: io(url, {auth: {token}})' };
          next(error);
          return;
        }
        socket.data.tokenId = record.id;
        next();
      })
      .catch((error: unknown) => next(error instanceof Error ? error : new Error(String(error))));
  });

  io.on('connection', (socket) => {
    socket.on('subscribe', async (runId: unknown, ack?: Ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      if (typeof runId !== 'string' || !RUN_ID.test(runId)) return reply({ ok: false, error: { code: 'INVALID_REQUEST', message: 'subscribe(runId: string)' } });
      // Join before reading the snapshot: an event in between arrives twice rather than never.
      await socket.join(roomOf(runId));
      const run = await ctx.workspace.store.getRun(runId).catch(() => undefined);
      if (!run) {
        await socket.leave(roomOf(runId));
        return reply({ ok: false, error: { code: 'NOT_FOUND', message: `run "${runId}" does not exist` } });
      }
      socket.emit('snapshot', run);
      reply({ ok: true, run });
    });
    socket.on('unsubscribe', async (runId: unknown, ack?: Ack) => {
      if (typeof runId === 'string') await socket.leave(roomOf(runId));
      if (typeof ack === 'function') ack({ ok: true });
    });
  });

  const unsubscribe = ctx.workspace.engine.events.on((event) => {
    io.to(roomOf(event.runId)).emit('event', event);
    if (event.type === 'review' && event.status === 'pending') io.to(roomOf(event.runId)).emit('review:waiting', event);
  });

  return {
    io,
    close: async () => {
      unsubscribe();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}
