/** socket.io: token handshake, run rooms, snapshots and event forwarding. */
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReelgraphEvent } from '../runtime/contract/index.js';
import { hangGraph, startTestServer, type TestServer } from './fixtures/server.js';

let t: TestServer;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await t?.dispose();
});

function open(token: string | undefined): Socket {
  const socket = connect(t.server.url, { transports: ['websocket'], reconnection: false, ...(token !== undefined ? { auth: { token } } : {}) });
  sockets.push(socket);
  return socket;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
}

describe('socket.io', () => {
  it('refuses a connection without a valid token', async () => {
    for (const token of [undefined, 'rg_wrong']) {
      const error = await new Promise<Error & { data?: { code?: string } }>((resolve) => {
        const socket = open(token);
        socket.once('connect_error', resolve);
        socket.once('connect', () => resolve(new Error('connected')));
      });
      expect(error.message).toBe('unauthorized');
      expect(error.data?.code).toBe('UNAUTHORIZED');
    }
  });

  it("delivers a snapshot and then the subscribed run's events, and none of another run's", async () => {
    const a = (await t.api.post('/api/runs').send({ graph: hangGraph('a') })).body.runId as string;
    const b = (await t.api.post('/api/runs').send({ graph: hangGraph('b') })).body.runId as string;

    const socket = open(t.token);
    await connected(socket);
    const events: ReelgraphEvent[] = [];
    socket.on('event', (event: ReelgraphEvent) => events.push(event));
    const snapshot = new Promise<{ id: string }>((resolve) => socket.once('snapshot', resolve));
    const ack = (await socket.timeout(10_000).emitWithAck('subscribe', a)) as { ok: boolean; run: { id: string; status: string } };
    expect(ack.ok).toBe(true);
    expect(ack.run.id).toBe(a);
    expect(['queued', 'running']).toContain(ack.run.status);
    expect((await snapshot).id).toBe(a);

    // b ends first; if its events leaked to this socket, they would arrive before a's (one connection keeps order).
    expect((await t.api.post(`/api/runs/${b}/cancel`)).status).toBe(202);
    expect((await t.api.get(`/api/runs/${b}?wait=30000`)).body.status).toBe('cancelled');

    const aEnded = new Promise<void>((resolve) => {
      socket.on('event', (event: ReelgraphEvent) => {
        if (event.type === 'run' && event.runId === a && event.status === 'cancelled') resolve();
      });
    });
    expect((await t.api.post(`/api/runs/${a}/cancel`)).status).toBe(202);
    await aEnded;

    expect(events.length).toBeGreaterThan(0);
    expect(events.every((event) => event.runId === a)).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ type: 'node', nodeId: 'wait', status: 'cancelled' }));
  });

  it('stops forwarding after unsubscribe, and rejects unknown runs', async () => {
    const socket = open(t.token);
    await connected(socket);
    const missing = (await socket.timeout(10_000).emitWithAck('subscribe', 'no-such-run')) as { ok: boolean; error: { code: string } };
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const c = (await t.api.post('/api/runs').send({ graph: hangGraph('c') })).body.runId as string;
    expect(((await socket.timeout(10_000).emitWithAck('subscribe', c)) as { ok: boolean }).ok).toBe(true);
    expect(((await socket.timeout(10_000).emitWithAck('unsubscribe', c)) as { ok: boolean }).ok).toBe(true);
    const events: ReelgraphEvent[] = [];
    socket.on('event', (event: ReelgraphEvent) => events.push(event));
    await t.api.post(`/api/runs/${c}/cancel`);
    expect((await t.api.get(`/api/runs/${c}?wait=30000`)).body.status).toBe('cancelled');
    // A round trip after the run ended: anything sent for c would have arrived before this ack.
    await socket.timeout(10_000).emitWithAck('subscribe', c);
    expect(events).toEqual([]);
  });
});
