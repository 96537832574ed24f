import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import webhook, { DELIVERY_HEADER } from '../nodes/publish/webhook.node.js';
import { verifySignature } from '../server/webhooks/signing.js';
import { runPublish } from './fixtures/publish-context.js';

const SECRET = 'whsec-publish-7d1c-never-logged';

interface Received {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A receiver that answers each POST with the next scripted reply (then 200); `hang` never answers. */
interface Receiver {
  url: string;
  received: Received[];
  replies: Array<{ status: number; body?: string; retryAfter?: string } | 'hang'>;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const replies: Receiver['replies'] = [];
  const server = createServer((req, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      const reply = replies.shift() ?? { status: 200, body: '{"ok":true}' };
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/json', ...(reply.retryAfter ? { 'retry-after': reply.retryAfter } : {}) });
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/published`,
    received,
    replies,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let dir: string;
let receiver: Receiver;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-webhook-'));
  receiver = await startReceiver();
});

afterEach(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

const files = [
  { kind: 'mp4', path: '/out/Last Terminal e01.mp4', bytes: 12_345_678 },
  { kind: 'srt', path: '/out/Last Terminal e01.srt', bytes: 2_048 },
];
const urls = { mp4: 'https://cdn.example.com/ep01/Last%20Terminal%20e01.mp4', srt: 'https://cdn.example.com/ep01/Last%20Terminal%20e01.srt' };

function send(params: Record<string, unknown> = {}) {
  return runPublish(webhook, {
    dir,
    params: { url: receiver.url, backoffMs: 1, timeoutMs: 2_000, metadata: { series: 'Last Terminal', episode: 1 }, ...params },
    inputs: { files, urls, youtubeUrl: 'https://www.youtube.com/watch?v=vid00000001' },
    credentials: { 'publish-webhook': { secret: SECRET } },
  });
}

const verified = (request: Received, secret = SECRET) =>
  verifySignature(secret, request.headers['x-reelgraph-timestamp'] as string, request.headers['x-reelgraph-signature'] as string, request.body, 300_000);

describe('publish.webhook', () => {
  it('POSTs the deliverables, links and metadata, signed so the server’s own verifier accepts it', async () => {
    const run = send();
    const outputs = await run.result;
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(verified(request!)).toEqual({ ok: true });
    expect(verified(request!, 'another-secret')).toMatchObject({ ok: false });
    const body = JSON.parse(request!.body.toString('utf8')) as Record<string, unknown>;
    expect(body).toEqual({
      deliveryId: outputs.deliveryId,
      event: 'episode.published',
      runId: 'test-run',
      deliverables: [
        { kind: 'mp4', name: 'Last Terminal e01.mp4', bytes: 12_345_678, url: urls.mp4 },
        { kind: 'srt', name: 'Last Terminal e01.srt', bytes: 2_048, url: urls.srt },
      ],
      links: { ...urls, youtube: 'https://www.youtube.com/watch?v=vid00000001' },
      metadata: { series: 'Last Terminal', episode: 1 },
    });
    expect(request!.headers[DELIVERY_HEADER.toLowerCase()]).toBe(outputs.deliveryId);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(outputs.status).toBe(200);
    expect(run.logs.join('\n')).not.toContain(SECRET);
  });

  it('retries 5xx and a timeout with the same body and delivery id, each attempt signed', async () => {
    receiver.replies.push({ status: 503, body: 'busy' }, 'hang', { status: 502 });
    const outputs = await send({ timeoutMs: 300 }).result;
    expect(outputs.status).toBe(200);
    expect(receiver.received).toHaveLength(4);
    expect(new Set(receiver.received.map((request) => request.body.toString('utf8'))).size).toBe(1);
    expect(new Set(receiver.received.map((request) => request.headers[DELIVERY_HEADER.toLowerCase()])).size).toBe(1);
    expect(receiver.received.every((request) => verified(request).ok)).toBe(true);
  });

  it('a 4xx is permanent after one attempt', async () => {
    receiver.replies.push({ status: 400, body: '{"error":"unknown series"}' });
    const error = await send().result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: false, code: 'PERMANENT', location: { nodeId: 'publish' } });
    expect((error as Error).message).toMatch(/HTTP 400.*unknown series/);
    expect(receiver.received).toHaveLength(1);
  });

  it('gives up after the retries as a transient error (the engine may try again later)', async () => {
    receiver.replies.push({ status: 500 }, { status: 500 }, { status: 500 });
    const error = await send({ retries: 2 }).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, code: 'TRANSIENT' });
    expect(receiver.received).toHaveLength(3);
  });
});
