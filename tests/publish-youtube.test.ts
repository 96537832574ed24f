import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, GraphValidationError, validateGraph, type GraphDocument } from '../runtime/contract/index.js';
import { createBuiltinRegistry } from '../nodes/index.js';
import youtube from '../nodes/publish/youtube.node.js';
import { YouTubeQuotaError } from '../nodes/publish/youtube-client.js';
import { CLIENT, startFakeYouTube, type FakeYouTube, type YouTubeRequest } from './fixtures/fake-youtube.js';
import { createHarness, graph } from './fixtures/harness.js';
import { memoryParts, runPublish } from './fixtures/publish-context.js';

const KiB = 1024;
const CHUNK = 256 * KiB;
/** A little over four chunks: the last one is short, as real files' are. */
const VIDEO_BYTES = 4 * CHUNK + 77_777;
const CHAPTERS = '0:00 Cold open\n0:12 The terminal\n0:31 Signal lost\n';

let dir: string;
let fake: FakeYouTube;
let video: Buffer;
let files: Array<{ kind: string; path: string; bytes: number }>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-youtube-'));
  fake = await startFakeYouTube();
  video = randomBytes(VIDEO_BYTES);
  const thumbnail = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);
  await writeFile(join(dir, 'ep.mp4'), video);
  await writeFile(join(dir, 'ep.jpg'), thumbnail);
  await writeFile(join(dir, 'ep.chapters.txt'), CHAPTERS);
  files = [
    { kind: 'thumbnail', path: join(dir, 'ep.jpg'), bytes: thumbnail.byteLength },
    { kind: 'chapters', path: join(dir, 'ep.chapters.txt'), bytes: CHAPTERS.length },
    { kind: 'mp4', path: join(dir, 'ep.mp4'), bytes: video.byteLength },
  ];
});

afterEach(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

function params(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Last Terminal — Episode 1',
    description: 'The station goes dark.',
    tags: ['sci-fi', 'audio drama'],
    selfDeclaredMadeForKids: false,
    containsSyntheticMedia: true,
    apiBase: fake.url,
    tokenBase: fake.url,
    chunkKiB: 256,
    requestTimeoutMs: 5_000,
    retryBackoffMs: 1,
    ...extra,
  };
}

function publish(extra: Record<string, unknown> = {}, options: { parts?: ReturnType<typeof memoryParts> } = {}) {
  return runPublish(youtube, { dir, params: params(extra), inputs: { files }, credentials: { youtube: CLIENT }, ...options });
}

const steps = (): string[] => fake.requests.map((request) => request.step);
const chunks = (): YouTubeRequest[] => fake.requests.filter((request) => request.step === 'chunk');

describe('publish.youtube: resumable upload', () => {
  it('uploads the file in 256 KiB chunks that reassemble to the source, with the metadata, chapters and thumbnail', async () => {
    const run = publish();
    const outputs = await run.result;

    expect(fake.sessions).toHaveLength(1);
    const session = fake.sessions[0]!;
    expect(sha256(fake.bytesOf(session))).toBe(sha256(video));
    expect(outputs).toEqual({ videoId: session.videoId, url: `https://www.youtube.com/watch?v=${session.videoId}` });

    // The session was opened with the size and type, and the video resource YouTube asks for.
    expect(session.declaredLength).toBe(VIDEO_BYTES);
    expect(session.declaredType).toBe('video/mp4');
    expect(session.resource).toEqual({
      snippet: { title: 'Last Terminal — Episode 1', description: `The station goes dark.\n\n${CHAPTERS.trim()}`, tags: ['sci-fi', 'audio drama'], categoryId: '22' },
      status: { privacyStatus: 'private', selfDeclaredMadeForKids: false, containsSyntheticMedia: true },
    });
    // Every chunk but the last is a whole 256 KiB, each following the last byte the server confirmed.
    const ranges = chunks().map((chunk) => chunk.range!);
    expect(ranges.map((range) => range.from)).toEqual([0, CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]);
    expect(ranges.slice(0, -1).every((range) => range.to - range.from + 1 === CHUNK)).toBe(true);
    expect(steps()).toEqual(['token', 'initiate', 'chunk', 'chunk', 'chunk', 'chunk', 'chunk', 'thumbnail']);
    expect(fake.thumbnails).toEqual([{ videoId: session.videoId, bytes: expect.any(Buffer), contentType: 'image/jpeg' }]);
    expect(fake.thumbnails[0]!.bytes.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(run.usage).toEqual([{ provider: 'youtube', unit: 'uploads', quantity: 1 }]);
    // The OAuth secrets never reach a log line.
    expect(run.logs.join('\n')).not.toMatch(/secret-XYZ|refresh-token-never/);
  });

  it('does not upload the same video with the same metadata twice; changed metadata is a new upload', async () => {
    const parts = memoryParts();
    const first = await publish({}, { parts }).result;
    const again = publish({}, { parts });
    expect(await again.result).toEqual(first);
    expect(fake.sessions).toHaveLength(1);
    expect(again.usage).toEqual([]);
    expect(fake.requests.filter((request) => request.step === 'thumbnail')).toHaveLength(1);

    const retitled = await publish({ title: 'Last Terminal — Episode 1 (recut)' }, { parts }).result;
    expect(fake.sessions).toHaveLength(2);
    expect(retitled.videoId).not.toBe(first.videoId);
  });

  it('resumes an upload whose connection dropped mid-chunk from the server’s Range, sending no confirmed byte again', async () => {
    const dropAt = 2 * CHUNK + 1000;
    fake.dropAtByte = dropAt;
    await publish().result;

    expect(fake.sessions).toHaveLength(1);
    expect(sha256(fake.bytesOf(fake.sessions[0]!))).toBe(sha256(video));
    // After the failed chunk the session was asked, and the next chunk starts exactly where the server's Range ended.
    const sequence = steps();
    const failedAt = chunks().findIndex((chunk) => chunk.bodyBytes < chunk.range!.to - chunk.range!.from + 1);
    expect(failedAt).toBe(2);
    const statusAt = sequence.indexOf('status');
    expect(statusAt).toBeGreaterThan(sequence.indexOf('chunk'));
    const resumed = fake.requests[statusAt + 1]!;
    expect(resumed.step).toBe('chunk');
    expect(resumed.range!.from).toBe(dropAt);
    // Only the interrupted chunk's unconfirmed bytes went twice: no range overlaps another but that one.
    const ranges = chunks().map((chunk) => chunk.range!);
    const interrupted = ranges[failedAt]!;
    for (const [i, a] of ranges.entries()) {
      for (const b of ranges.slice(i + 1)) {
        const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from) + 1;
        if (overlap > 0) expect(a === interrupted || b === interrupted).toBe(true);
      }
    }
    const sent = ranges.reduce((sum, range) => sum + range.to - range.from + 1, 0);
    expect(sent - VIDEO_BYTES).toBeLessThanOrEqual(interrupted.to - dropAt + 1);
  });

  it('asks the session and goes on after a 503 on a chunk', async () => {
    fake.replies.chunk.push({ status: 503, reason: 'backendError', retryAfter: '0' });
    await publish().result;
    expect(fake.sessions).toHaveLength(1);
    expect(sha256(fake.bytesOf(fake.sessions[0]!))).toBe(sha256(video));
    expect(steps().slice(0, 5)).toEqual(['token', 'initiate', 'chunk', 'status', 'chunk']);
  });

  it('ends a chunk that gets no answer at the request deadline and goes on from what the session holds', async () => {
    fake.hangNextChunk = true;
    const started = Date.now();
    await publish({ requestTimeoutMs: 300 }).result;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(sha256(fake.bytesOf(fake.sessions[0]!))).toBe(sha256(video));
    // The server kept the whole unanswered chunk: after asking, nothing of it is sent again.
    expect(steps().slice(0, 5)).toEqual(['token', 'initiate', 'chunk', 'status', 'chunk']);
    expect(chunks().map((chunk) => chunk.range!.from)).toEqual([0, CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK]);
  });

  it('gives up, as transient, on a session that answers 308 but takes nothing', async () => {
    fake.stuck = true;
    const error = await publish({ retries: 2 }).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, message: expect.stringMatching(/took nothing at byte 0/) });
    expect(chunks()).toHaveLength(3);
  });

  it('refreshes the access token once on a 401 mid-upload and goes on in the same session', async () => {
    fake.expireTokenAfterChunks = 2;
    await publish().result;
    expect(steps().filter((step) => step === 'token')).toHaveLength(2);
    expect(fake.sessions).toHaveLength(1);
    expect(sha256(fake.bytesOf(fake.sessions[0]!))).toBe(sha256(video));
    const tokensUsed = new Set(chunks().map((chunk) => chunk.headers.authorization));
    expect(tokensUsed).toEqual(new Set(['Bearer ya29.token-1', 'Bearer ya29.token-2']));
  });

  it('a thumbnail that fails after the upload costs no second upload: the next run sets only the thumbnail', async () => {
    const parts = memoryParts();
    fake.replies.thumbnail.push({ status: 400, reason: 'invalidImage', message: 'The thumbnail image is invalid.' });
    await expect(publish({}, { parts }).result).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/thumbnail.*invalidImage/) });
    expect(fake.sessions).toHaveLength(1);
    const again = await publish({}, { parts }).result;
    expect(again.videoId).toBe(fake.sessions[0]!.videoId);
    expect(fake.sessions).toHaveLength(1);
    expect(fake.thumbnails.map((thumbnail) => thumbnail.videoId)).toEqual([fake.sessions[0]!.videoId]);
  });

  it('a Retry-After longer than the cap is handed to the engine at once, not slept through', async () => {
    fake.replies.initiate.push({ status: 429, reason: 'rateLimitExceeded', retryAfter: '3600' });
    const started = Date.now();
    const error = await publish({ maxRetryAfterMs: 1000 }).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true, retryAfterMs: 3_600_000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(steps()).toEqual(['token', 'initiate']);
  });

  it.each(['quotaExceeded', 'uploadLimitExceeded'])('a 403 %s is a typed permanent error naming the reason, and nothing is retried', async (reason) => {
    fake.replies.initiate.push({ status: 403, reason, message: 'The request cannot be completed because you have exceeded your quota.' });
    const error = await publish().result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(YouTubeQuotaError);
    expect(error).toMatchObject({ reason, retryable: false, code: 'PERMANENT' });
    expect((error as Error).message).toContain(reason);
    expect(steps()).toEqual(['token', 'initiate']);
  });
});

describe('publish.youtube: params are checked before any byte is sent', () => {
  const registry = createBuiltinRegistry();
  const problemsOf = (nodeParams: Record<string, unknown>): Array<{ param?: string; message: string }> => {
    const doc: GraphDocument = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      name: 'publish',
      nodes: [{ id: 'yt', type: 'publish.youtube', typeVersion: 1, position: { x: 0, y: 0 }, params: nodeParams }],
      edges: [],
    };
    return validateGraph(doc, registry).filter((problem) => problem.code === 'INVALID_PARAM');
  };

  it('a missing containsSyntheticMedia answer is a params error in the graph, and execute refuses it with zero requests', async () => {
    const { containsSyntheticMedia: _answer, ...unanswered } = params();
    expect(problemsOf(unanswered)).toEqual([expect.objectContaining({ param: '/containsSyntheticMedia', message: 'is required' })]);
    expect(problemsOf(params())).toEqual([]);

    const error = await runPublish(youtube, { dir, params: unanswered, inputs: { files }, credentials: { youtube: CLIENT } }).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: false, location: { param: '/containsSyntheticMedia' } });
    expect(fake.requests).toEqual([]);
  });

  it('publishAt with public privacy is a params error; with private it is fine', async () => {
    const scheduled = params({ publishAt: '2030-01-01T09:00:00Z', privacyStatus: 'public' });
    expect(problemsOf(scheduled)).toEqual([expect.objectContaining({ param: '/privacyStatus' })]);
    expect(problemsOf(params({ publishAt: '2030-01-01T09:00:00Z', privacyStatus: 'private' }))).toEqual([]);

    const error = await runPublish(youtube, { dir, params: scheduled, inputs: { files }, credentials: { youtube: CLIENT } }).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: false, location: { param: '/privacyStatus' } });
    expect((error as Error).message).toMatch(/publishAt needs privacyStatus "private"/);
    expect(fake.requests).toEqual([]);
  });
});

describe('publish.youtube in the engine', () => {
  const publishGraph = (nodeParams: Record<string, unknown>) =>
    graph([['yt', 'publish.youtube', nodeParams]], ['$input.files -> yt.files'], { inputs: { files: { type: 'Json', required: true } }, outputs: { videoId: 'yt.videoId' } });

  it('a second run of the same video and metadata answers the recorded upload (the workspace’s part cache): no duplicate', async () => {
    const harness = await createHarness({ credentials: { get: async (name) => (name === 'youtube' ? CLIENT : undefined) } });
    try {
      const first = await harness.run(publishGraph(params()), { inputs: { files } });
      expect(first.status).toBe('done');
      const second = await harness.run(publishGraph(params()), { inputs: { files } });
      expect(second.status).toBe('done');
      expect(second.outputs.videoId).toBe(first.outputs.videoId);
      expect(fake.sessions).toHaveLength(1);
    } finally {
      await harness.dispose();
    }
  });

  it('refuses a graph without the synthetic-media answer before anything runs', async () => {
    const harness = await createHarness({ credentials: { get: async () => CLIENT } });
    try {
      const { containsSyntheticMedia: _answer, ...unanswered } = params();
      // The engine refuses while starting (synchronously): no unit is dispatched.
      const error = await Promise.resolve()
        .then(() => harness.run(publishGraph(unanswered), { inputs: { files } }))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GraphValidationError);
      expect((error as GraphValidationError).problems).toEqual([expect.objectContaining({ nodeId: 'yt', param: '/containsSyntheticMedia' })]);
      expect(fake.requests).toEqual([]);
    } finally {
      await harness.dispose();
    }
  });
});
