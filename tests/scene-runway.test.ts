/** scene.runway against a local fake of Runway's developer API: wire format, and the shared scene-provider contract. */
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../runtime/contract/index.js';
import runway, { runwayRequestBody } from '../nodes/scene/runway.node.js';
import { startFakeRunway, RUNWAY_FAILURE } from './fixtures/fake-runway.js';
import { PROMPT, sceneProviderSuite } from './fixtures/scene-provider-suite.js';

const API_KEY = 'key_runway_TEST_5e1f9a77c3d2b8';

const suite = sceneProviderSuite({
  provider: 'runway',
  node: runway,
  start: startFakeRunway,
  credentials: { runway: { apiKey: API_KEY } },
  secret: API_KEY,
  unauthorized: { status: 401, body: { error: 'Invalid API key: $KEY' } },
  failure: new RegExp(`failed: ${RUNWAY_FAILURE.failure.replace(/\./g, '\\.')} \\[SAFETY\\.INPUT\\.TEXT\\]`),
  sendsNegativePrompt: false,
  stalledStatus: /last status: RUNNING 50%/,
});

describe('scene.runway: wire format', () => {
  it('creates a text_to_video task with bearer auth and the version header, polls it, and fetches the output without the key', async () => {
    const run = suite.run();
    await run.result;
    // Billed once Runway accepted the task: the seconds asked for, not the scene's 1.5 s.
    expect(run.usage).toEqual([{ provider: 'runway', unit: 'seconds', quantity: 2, model: 'gen4.5' }]);
    const [create] = suite.requests('submit');
    expect(create?.path).toBe('/v1/text_to_video');
    expect(create?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(create?.headers['x-runway-version']).toBe('2024-11-06');
    expect(create?.headers['content-type']).toBe('application/json');
    // 160×120 is closest in shape to 1280:720 of gen4.5's two; 1.5 s needs the 2 s clip.
    expect(create?.body).toEqual({ model: 'gen4.5', promptText: PROMPT.prompt, ratio: '1280:720', duration: 2, seed: 42 });

    const polls = suite.requests('poll');
    expect(polls.map((p) => p.method)).toEqual(['GET', 'GET', 'GET']);
    expect(new Set(polls.map((p) => p.path)).size).toBe(1);
    expect(polls[0]?.path).toMatch(/^\/v1\/tasks\/[0-9a-f-]{36}$/);
    expect(polls[0]?.headers['x-runway-version']).toBe('2024-11-06');

    const [download] = suite.requests('download');
    expect(download?.path).toMatch(/^\/files\/.*\.mp4\?sig=abc$/);
    expect(download?.headers.authorization).toBeUndefined();
  });

  it('cancels with DELETE /v1/tasks/{id}', async () => {
    suite.fake.plan = { polls: 0, outcome: 'never' };
    await suite.run({ params: { timeoutSeconds: 0.1 } }).result.catch(() => {});
    const [cancel] = suite.requests('cancel');
    expect(cancel?.method).toBe('DELETE');
    expect(cancel?.path).toBe(suite.requests('poll')[0]?.path);
    expect(cancel?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('asks for RUNWAYML_API_SECRET before sending anything', async () => {
    const error = await suite.run({ credentials: {} }).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/^runway: scene "s1": no API key configured; store it as credential "runway" in the editor's Credentials panel \(PUT \/api\/credentials\/runway\) or set RUNWAYML_API_SECRET in the server's environment$/);
    expect(suite.fake.requests).toHaveLength(0);
  });
});

describe('scene.runway: request shape', () => {
  const body = (format: { width: number; height: number; fps: number }, params: Record<string, unknown>, duration = 3.2, prompt = PROMPT.prompt) =>
    runwayRequestBody({ prompt: { sceneId: 's1', prompt, duration }, params: { endpoint: '', pollIntervalMs: 1, timeoutSeconds: 1, fit: 'cover', extend: 'freeze', profile: 'youtube-1080p', model: 'gen4.5', ...params }, format, seed: 7 }, 'runway: scene "s1"');

  it.each([
    { name: 'gen4.5, 16:9 1080p', format: { width: 1920, height: 1080, fps: 30 }, params: {}, duration: 3.2, expected: { ratio: '1280:720', duration: 4, seed: 7 } },
    { name: 'gen4.5, long scene', format: { width: 1920, height: 1080, fps: 30 }, params: {}, duration: 14, expected: { ratio: '1280:720', duration: 10, seed: 7 } },
    { name: 'gen4.5, 9:16', format: { width: 1080, height: 1920, fps: 30 }, params: {}, duration: 2, expected: { ratio: '720:1280', duration: 2, seed: 7 } },
    { name: 'veo3.1, 9:16 covers with 1080:1920, no seed', format: { width: 1080, height: 1920, fps: 30 }, params: { model: 'veo3.1' }, duration: 3.2, expected: { ratio: '1080:1920', duration: 4 } },
    { name: 'veo3.1_fast, small 16:9 takes the smaller ratio', format: { width: 640, height: 360, fps: 30 }, params: { model: 'veo3.1_fast' }, duration: 6.5, expected: { ratio: '1280:720', duration: 8 } },
    { name: 'overrides for a model not in the table', format: { width: 1920, height: 1080, fps: 30 }, params: { model: 'gen5', ratio: '1584:672', clipSeconds: 5 }, duration: 3, expected: { ratio: '1584:672', duration: 5, seed: 7 } },
  ])('$name', ({ format, params, duration, expected }) => {
    const sent = body(format, params, duration);
    expect(sent).toEqual({ model: params.model ?? 'gen4.5', promptText: PROMPT.prompt, ...expected });
  });

  it('refuses a model it cannot shape a request for, naming the param', () => {
    expect(() => body({ width: 1920, height: 1080, fps: 30 }, { model: 'gen5' })).toThrow(expect.objectContaining({ location: { param: '/model' }, message: expect.stringMatching(/model "gen5" is not one of gen4\.5, veo3\.1, veo3\.1_fast; set ratio and clipSeconds/) }));
  });

  it('refuses a prompt over Runway’s 1,000 UTF-16 units, naming the scene', () => {
    expect(() => body({ width: 1920, height: 1080, fps: 30 }, {}, 3, 'x'.repeat(1001))).toThrow(/runway: scene "s1": the prompt is 1001 characters; Runway takes at most 1000/);
  });
});
