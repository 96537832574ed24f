/** scene.pika against a local fake of fal's queue API: wire format, and the shared scene-provider contract. */
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../runtime/contract/index.js';
import pika, { pikaRequestBody } from '../nodes/scene/pika.node.js';
import { startFakeFal } from './fixtures/fake-fal.js';
import { sendJson, startFakeServer } from './fixtures/fake-http.js';
import { PROMPT, sceneProviderSuite } from './fixtures/scene-provider-suite.js';

const FAL_KEY = 'fal_TEST_0b7e4d2c9a13:5f6e';

const suite = sceneProviderSuite({
  provider: 'fal',
  node: pika,
  start: startFakeFal,
  credentials: { fal: { apiKey: FAL_KEY } },
  secret: FAL_KEY,
  unauthorized: { status: 401, body: { detail: 'Invalid key $KEY: cannot access application' } },
  failure: /HTTP 422: body\.prompt: The prompt was flagged by the content checker \(content_policy_violation\)/,
  sendsNegativePrompt: true,
  stalledStatus: /last status: IN_PROGRESS/,
});

describe('scene.pika: wire format', () => {
  it('submits the model input with Key auth, follows the returned status and response URLs, and fetches the video without the key', async () => {
    await suite.run().result;
    const [submit] = suite.requests('submit');
    expect(submit?.method).toBe('POST');
    expect(submit?.path).toBe('/fal-ai/pika/v2.2/text-to-video');
    expect(submit?.headers.authorization).toBe(`Key ${FAL_KEY}`);
    expect(submit?.headers['content-type']).toBe('application/json');
    // 160×120 is 4:3: the nearest of Pika's ratios is 5:4; 120 px needs only 720p; 1.5 s needs the 5 s clip.
    expect(submit?.body).toEqual({ prompt: PROMPT.prompt, negative_prompt: 'text, watermark', seed: 42, aspect_ratio: '5:4', resolution: '720p', duration: 5 });

    // Status and result URLs drop the model's sub-path.
    const polls = suite.requests('poll');
    expect(polls).toHaveLength(3);
    expect(polls[0]?.path).toMatch(/^\/fal-ai\/pika\/requests\/[0-9a-f-]{36}\/status$/);
    expect(polls.every((p) => p.headers.authorization === `Key ${FAL_KEY}`)).toBe(true);
    const results = suite.fake.requests.filter((r) => suite.fake.step(r) === 'other');
    expect(results.map((r) => [r.method, r.path])).toEqual([['GET', polls[0]?.path.replace(/\/status$/, '')]]);

    const [download] = suite.requests('download');
    expect(download?.path).toMatch(/^\/cdn\/.*\/output\.mp4$/);
    expect(download?.headers.authorization).toBeUndefined();
  });

  it('cancels with PUT on the cancel URL', async () => {
    suite.fake.plan = { polls: 0, outcome: 'never' };
    await suite.run({ params: { timeoutSeconds: 0.1 } }).result.catch(() => {});
    const [cancel] = suite.requests('cancel');
    expect(cancel?.method).toBe('PUT');
    expect(cancel?.path).toBe(suite.requests('poll')[0]?.path.replace(/\/status$/, '/cancel'));
    expect(cancel?.headers.authorization).toBe(`Key ${FAL_KEY}`);
  });

  it('asks for FAL_KEY before sending anything', async () => {
    const error = await suite.run({ credentials: {} }).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toBe(`fal: scene "s1": no API key configured; store it as credential "fal" in the editor's Credentials panel (PUT /api/credentials/fal) or set FAL_KEY in the server's environment`);
    expect(suite.fake.requests).toHaveLength(0);
  });

  it('never sends the key to a status URL on another origin', async () => {
    const elsewhere = await startFakeServer((_request, res) => sendJson(res, 200, { status: 'COMPLETED' }));
    const liar = await startFakeServer((_request, res) =>
      sendJson(res, 200, { status: 'IN_QUEUE', request_id: 'r1', status_url: `${elsewhere.url}/steal/status`, response_url: `${elsewhere.url}/steal`, cancel_url: `${elsewhere.url}/steal/cancel` }),
    );
    try {
      const error = await suite.run({ params: { endpoint: liar.url } }).result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toMatch(/fal's status_url points to http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+; the key is not sent there/);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await Promise.all([elsewhere.close(), liar.close()]);
    }
  });
});

describe('scene.pika: request shape', () => {
  const body = (format: { width: number; height: number; fps: number }, params: Record<string, unknown>, duration: number) =>
    pikaRequestBody(
      { prompt: { sceneId: 's1', prompt: 'p', duration }, params: { endpoint: '', pollIntervalMs: 1, timeoutSeconds: 1, fit: 'cover', extend: 'freeze', profile: 'youtube-1080p', model: 'fal-ai/pika/v2.2/text-to-video', ...params }, format, seed: 9 },
      'fal: scene "s1"',
    );

  it.each([
    { name: '16:9 1080p, short scene', format: { width: 1920, height: 1080, fps: 30 }, params: {}, duration: 4, expected: { aspect_ratio: '16:9', resolution: '1080p', duration: 5 } },
    { name: '9:16 1080p, long scene', format: { width: 1080, height: 1920, fps: 30 }, params: {}, duration: 12, expected: { aspect_ratio: '9:16', resolution: '1080p', duration: 10 } },
    { name: '720p preview', format: { width: 1280, height: 720, fps: 30 }, params: {}, duration: 6, expected: { aspect_ratio: '16:9', resolution: '720p', duration: 10 } },
    { name: 'overrides for another endpoint id', format: { width: 1920, height: 1080, fps: 30 }, params: { model: 'fal-ai/pika/v2.1/text-to-video', ratio: '1:1', clipSeconds: 5 }, duration: 3, expected: { aspect_ratio: '1:1', duration: 5 } },
  ])('$name', ({ format, params, duration, expected }) => {
    expect(body(format, params, duration)).toEqual({ prompt: 'p', seed: 9, ...expected });
  });
});
