/** Signed webhooks: signature, freshness, replays, size limit, markdown mapping and the signed completion callback. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { isInternalAddress } from '../server/webhooks/callback-target.js';
import { CallbackSender } from '../server/webhooks/callbacks.js';
import { signature } from '../server/webhooks/signing.js';
import { greetingGraph, startTestServer, type TestServer } from './fixtures/server.js';

let t: TestServer;
let receiver: Server;
let callbackUrl: string;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];
let onCallback: () => void = () => {};
/** The receiver refuses this many callbacks first, to exercise retries. */
let refuseNext = 0;

beforeAll(async () => {
  t = await startTestServer();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (refuseNext > 0) {
        refuseNext -= 1;
        res.writeHead(503).end();
        return;
      }
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
      onCallback();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/done`;
  expect((await t.api.post('/api/graphs').send({ document: greetingGraph('hooked') })).status).toBe(201);
});
afterAll(async () => {
  await t?.dispose();
  await new Promise((resolve) => receiver?.close(resolve));
});

interface Hook {
  slug: string;
  secret: string;
  url: string;
  curl: string;
}

function deliver(hook: Hook, body: string, options: { timestamp?: number; secret?: string; signatureOverride?: string } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return t.anon
    .post(`/webhooks/${hook.slug}`)
    .set('Content-Type', 'application/json')
    .set('X-Reelgraph-Timestamp', timestamp)
    .set('X-Reelgraph-Signature', options.signatureOverride ?? signature(options.secret ?? hook.secret, timestamp, body))
    .send(body);
}

describe('webhook management', () => {
  it('creates, shows (with a signing recipe), rotates and removes a webhook', async () => {
    const created = await t.api.post('/api/graphs/hooked/webhook').send({});
    expect(created.status).toBe(201);
    const hook = created.body as Hook;
    expect(hook.url).toBe(`${t.server.url}/webhooks/${hook.slug}`);
    expect(hook.curl).toContain('openssl dgst -sha256 -hmac');
    expect(hook.curl).toContain(hook.url);

    const shown = await t.api.get('/api/graphs/hooked/webhook');
    expect(shown.body).toMatchObject({ slug: hook.slug, secret: hook.secret });
    expect((await t.anon.get('/api/graphs/hooked/webhook')).status).toBe(401);
    // Listed by graph: one for this graph, an empty list (not a 404) for a graph without one.
    const listed = await t.api.get('/api/webhooks').query({ graphId: 'hooked' });
    expect(listed.status).toBe(200);
    expect(listed.body).toMatchObject([{ graphId: 'hooked', slug: hook.slug, secret: hook.secret, url: hook.url }]);
    expect((await t.api.get('/api/webhooks').query({ graphId: 'no-hook-here' })).body).toEqual([]);
    expect((await t.api.get('/api/webhooks')).body.map((listedHook: Hook & { graphId: string }) => listedHook.graphId)).toContain('hooked');
    expect((await t.anon.get('/api/webhooks')).status).toBe(401);

    const rotated = (await t.api.post('/api/graphs/hooked/webhook').send({ callbackUrl })).body as Hook;
    expect(rotated.slug).not.toBe(hook.slug);
    expect(rotated.secret).not.toBe(hook.secret);
    // The old slug is gone.
    expect((await deliver(hook, '{}')).status).toBe(404);

    expect((await t.api.post('/api/graphs/missing/webhook').send({})).status).toBe(404);
    expect((await t.api.post('/api/graphs/hooked/webhook').send({ callbackUrl: 'ftp://x' })).body.error.problems[0]).toMatchObject({ in: 'body', path: '/callbackUrl' });
  });
});

describe('deliveries', () => {
  let hook: Hook;

  beforeAll(async () => {
    hook = (await t.api.post('/api/graphs/hooked/webhook').send({ callbackUrl })).body as Hook;
  });

  it('starts a run from a correctly signed delivery and POSTs a signed completion callback', async () => {
    refuseNext = 1; // the first callback attempt fails; the retry delivers
    const callback = new Promise<void>((resolve) => (onCallback = resolve));
    const body = JSON.stringify({ markdown: '# Pilot', priority: 'batch' });
    const res = await deliver(hook, body);
    expect(res.status).toBe(202);
    const { runId } = res.body as { runId: string };

    const run = await t.api.get(`/api/runs/${runId}?wait=30000`);
    expect(run.body).toMatchObject({ status: 'done', trigger: 'webhook', priority: 'batch', graphId: 'hooked', inputs: { episode: '# Pilot' } });
    expect(run.body.outputs).toEqual({ greeting: 'Hello, # Pilot!' });

    await callback;
    const [delivery] = received;
    expect(delivery).toBeDefined();
    const payload = JSON.parse(delivery!.body) as Record<string, unknown>;
    expect(payload).toEqual({ runId, status: 'done', outputs: { greeting: 'Hello, # Pilot!' }, error: null });
    const timestamp = delivery!.headers['x-reelgraph-timestamp'] as string;
    expect(delivery!.headers['x-reelgraph-signature']).toBe(signature(hook.secret, timestamp, delivery!.body));
    expect(delivery!.headers['x-reelgraph-signature']).not.toBe(signature('another secret', timestamp, delivery!.body));
  });

  it('refuses a bad signature with 401 and starts nothing', async () => {
    const before = (await t.api.get('/api/runs?trigger=webhook')).body.length;
    const body = JSON.stringify({ markdown: 'x' });
    const wrongSecret = await deliver(hook, body, { secret: 'not the secret' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body.error.code).toBe('BAD_SIGNATURE');
    expect((await deliver(hook, body, { signatureOverride: 'sha256=abc' })).status).toBe(401);
    const tampered = await t.anon
      .post(`/webhooks/${hook.slug}`)
      .set('Content-Type', 'application/json')
      .set('X-Reelgraph-Timestamp', String(Math.floor(Date.now() / 1000)))
      .set('X-Reelgraph-Signature', signature(hook.secret, String(Math.floor(Date.now() / 1000)), body))
      .send(JSON.stringify({ markdown: 'y' }));
    expect(tampered.status).toBe(401);
    expect((await t.anon.post(`/webhooks/${hook.slug}`).send(body)).status).toBe(401);
    expect((await t.api.get('/api/runs?trigger=webhook')).body.length).toBe(before);
  });

  it('refuses a stale timestamp with 401', async () => {
    const res = await deliver(hook, JSON.stringify({ markdown: 'late' }), { timestamp: Math.floor(Date.now() / 1000) - 10 * 60 });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/timestamp/);
    expect((await deliver(hook, JSON.stringify({ markdown: 'early' }), { timestamp: Math.floor(Date.now() / 1000) + 10 * 60 })).status).toBe(401);
  });

  it('refuses a replayed delivery with 409', async () => {
    const body = JSON.stringify({ inputs: { episode: 'once' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const first = await deliver(hook, body, { timestamp });
    expect(first.status).toBe(202);
    const again = await deliver(hook, body, { timestamp });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('REPLAYED');
    await t.api.get(`/api/runs/${first.body.runId}?wait=30000`);
  });

  it('refuses an oversized delivery with 413', async () => {
    const body = JSON.stringify({ markdown: 'x'.repeat(1024 * 1024 + 10) });
    const res = await deliver(hook, body);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('validates the payload after the signature: unknown fields and invalid inputs are 400s', async () => {
    const extra = await deliver(hook, JSON.stringify({ markdown: 'x', color: 'red' }));
    expect(extra.status).toBe(400);
    expect(extra.body.error.problems).toContainEqual({ in: 'body', path: '/color', message: 'is not a known property' });
    const wrongInput = await deliver(hook, JSON.stringify({ inputs: { nope: 1 } }));
    expect(wrongInput.status).toBe(400);
    expect(wrongInput.body.error.code).toBe('INVALID_INPUT');
    expect((await deliver(hook, 'not json')).status).toBe(400);
  });
});

describe('callback targets (SSRF)', () => {
  it('tells internal addresses from public ones, IPv4-mapped IPv6 included', () => {
    for (const address of ['127.0.0.1', '10.2.3.4', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(isInternalAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isInternalAddress(address), address).toBe(false);
  });

  it('refuses a callback URL inside the network when saving a webhook, unless allowed', async () => {
    const strict = await startTestServer({ callback: { timeoutMs: 1000, retries: 0, backoffMs: 10, allowPrivate: false } });
    try {
      await strict.api.post('/api/graphs').send({ document: greetingGraph('strict') });
      for (const url of [callbackUrl, 'http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:127.0.0.1]:8080/x', 'http://localhost:9/x']) {
        const res = await strict.api.post('/api/graphs/strict/webhook').send({ callbackUrl: url });
        expect(res.status, url).toBe(400);
        expect(res.body.error.problems[0]).toMatchObject({ in: 'body', path: '/callbackUrl' });
        expect(res.body.error.message).toMatch(/internal address|REELGRAPH_CALLBACK_ALLOW_PRIVATE/);
      }
      // An address literal outside the network needs no DNS and is accepted.
      expect((await strict.api.post('/api/graphs/strict/webhook').send({ callbackUrl: 'http://93.184.216.34/hook' })).status).toBe(201);
    } finally {
      await strict.dispose();
    }
  });

  it('checks again at delivery: a callback that now resolves inside the network is not sent', async () => {
    const before = received.length;
    const sender = new CallbackSender({ timeoutMs: 1000, retries: 0, backoffMs: 10, allowPrivate: false }, pino({ level: 'silent' }));
    expect(await sender.send(callbackUrl, 'secret', { runId: 'r', status: 'done' })).toBe(false);
    await sender.close();
    expect(received.length).toBe(before);
  });
});
