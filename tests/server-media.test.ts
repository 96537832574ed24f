/** Signed media links: `/api/artifacts/:hash/link` (token) → `/media/:hash?exp&sig` (no token, Range, 403 when tampered or expired). */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type request from 'supertest';
import { newSecretKey, startTestServer, type TestServer } from './fixtures/server.js';

let t: TestServer;
const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 253));
let hash: string;

beforeAll(async () => {
  t = await startTestServer();
  hash = (await t.server.context.workspace.artifacts.put({ data: bytes }, { mime: 'audio/wav', name: 'line.wav', probe: false })).hash;
});
afterAll(async () => {
  await t?.dispose();
});
afterEach(() => {
  vi.useRealTimers();
});

const binary = (test: request.Test): request.Test =>
  test.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });

async function link(ttl?: number): Promise<{ url: string; expiresAt: number }> {
  const res = await t.api.get(`/api/artifacts/${hash}/link${ttl ? `?ttl=${ttl}` : ''}`);
  expect(res.status).toBe(200);
  return res.body as { url: string; expiresAt: number };
}

describe('media links', () => {
  it('hands out a signed, expiring URL for a known artifact, only with a token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { url, expiresAt } = await link();
    expect(url).toMatch(new RegExp(`^/media/${hash}\\?exp=${expiresAt}&sig=[0-9a-f]{64}$`));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 3600);
    expect(expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 3600);
    expect((await link(60)).expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 60);

    const anon = await t.anon.get(`/api/artifacts/${hash}/link`);
    expect(anon.status).toBe(401);
    expect(anon.body.error.code).toBe('UNAUTHORIZED');
    expect((await t.api.get(`/api/artifacts/${'0'.repeat(64)}/link`)).status).toBe(404);
    expect((await t.api.get(`/api/artifacts/${hash}/link?ttl=0`)).status).toBe(400);
  });

  it('streams the whole artifact through the link without a token', async () => {
    const { url } = await link();
    const res = await binary(t.anon.get(url));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('audio/wav');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-length']).toBe('1000');
    expect(Buffer.compare(res.body as Buffer, bytes)).toBe(0);
  });

  it('answers Range requests with 206 and exactly those bytes (seeking), and 416 past the end', async () => {
    const { url } = await link();
    const res = await binary(t.anon.get(url).set('Range', 'bytes=250-499'));
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 250-499/1000');
    expect(Buffer.compare(res.body as Buffer, bytes.subarray(250, 500))).toBe(0);
    const tail = await binary(t.anon.get(url).set('Range', 'bytes=-10'));
    expect(tail.status).toBe(206);
    expect(Buffer.compare(tail.body as Buffer, bytes.subarray(990))).toBe(0);
    expect((await t.anon.get(url).set('Range', 'bytes=5000-6000')).status).toBe(416);
  });

  it('refuses a tampered signature, another hash, a changed expiry or a missing signature with 403/400', async () => {
    const { url, expiresAt } = await link();
    const sig = new URL(url, 'http://x').searchParams.get('sig') as string;
    const flipped = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
    const tampered = await t.anon.get(`/media/${hash}?exp=${expiresAt}&sig=${flipped}`);
    expect(tampered.status).toBe(403);
    expect(tampered.body.error.code).toBe('LINK_INVALID');
    expect((await t.anon.get(`/media/${hash}?exp=${expiresAt + 1000}&sig=${sig}`)).status).toBe(403);
    expect((await t.anon.get(`/media/${hash}?exp=${expiresAt}&sig=${sig.slice(0, 10)}`)).status).toBe(403);

    const other = (await t.server.context.workspace.artifacts.put({ data: 'other bytes' }, { mime: 'text/plain', probe: false })).hash;
    expect((await t.anon.get(`/media/${other}?exp=${expiresAt}&sig=${sig}`)).status).toBe(403);
    expect((await t.anon.get(`/media/${hash}?exp=${expiresAt}`)).status).toBe(400);
    expect((await t.anon.get(`/media/${hash}`)).status).toBe(400);
  });

  it('signs with a key derived from REELGRAPH_SECRET_KEY: a link works on another server of the deployment, not on a stranger', async () => {
    const { url } = await link();
    // The same data and secret key: another server process of this deployment, or this one after a restart.
    const sibling = await startTestServer({ dir: t.dir, key: t.key });
    const stranger = await startTestServer({ key: newSecretKey() });
    try {
      expect((await binary(sibling.anon.get(url))).status).toBe(200);
      expect((await stranger.anon.get(url)).status).toBe(403);
    } finally {
      await sibling.dispose();
      await stranger.dispose();
    }
  });

  it('refuses an expired link with 403', async () => {
    const { url, expiresAt } = await link(60);
    expect((await t.anon.get(url)).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((expiresAt + 1) * 1000);
    const expired = await t.anon.get(url);
    expect(expired.status).toBe(403);
    expect(expired.body.error.code).toBe('LINK_INVALID');
  });

  it('documents both routes, /media as public', async () => {
    const doc = (await t.anon.get('/api/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    expect(doc.paths['/api/artifacts/{hash}/link']?.get).toBeDefined();
    expect(doc.paths['/api/artifacts/{hash}/link']?.get?.security).toBeUndefined();
    expect(doc.paths['/media/{hash}']?.get?.security).toEqual([]);
  });
});
