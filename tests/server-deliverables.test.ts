/**
 * A run's deliverables through the REST API: the list (final video first,
 * names from the episode, types), each file as an attachment with Range, the
 * streamed package zip whose OTIO/FCPXML point at files inside it, and the
 * signed public twins (403 when forged or expired). Also the run listing's
 * episode title.
 *
 * Cheap: a 2 s 160×90 video and a tone are made with ffmpeg and handed to an
 * export-only graph (script.markdown + export.package) as run inputs.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArtifactHandle, RunDeliverables, Timeline } from '../runtime/contract/index.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { streamInfo } from './fixtures/frames.js';
import { graph, node, startTestServer, type TestServer } from './fixtures/server.js';

const run = promisify(execFile);
let t: TestServer;
let work: string;
let runId: string;
let listing: RunDeliverables;
const base = 'the-test-series-e03-the-signal';

const markdown = '---\nseries: The Test Series\nepisode: 3\n---\n# The Signal\n\n## Cold open\n\nThe lights die.\n';

const binary = (test: request.Test): request.Test =>
  test.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });

function timelineOf(video: ArtifactHandle, voice: ArtifactHandle): Timeline {
  return {
    title: 'The Signal',
    duration: 2,
    width: 160,
    height: 90,
    fps: 30,
    scenes: [{ id: 's1', index: 0, title: 'Cold open', start: 0, duration: 2 }],
    tracks: [
      { name: 'Picture', kind: 'video', clips: [{ id: 's1-video', start: 0, duration: 2, sourceIn: 0, media: video, sceneId: 's1' }] },
      { name: 'Dialogue', kind: 'dialogue', clips: [{ id: 'line-1', start: 0.2, duration: 1.5, sourceIn: 0, media: voice, speaker: 'ADA', text: 'The lights die.' }] },
    ],
    markers: [],
  };
}

const exportGraph = graph(
  'export-only',
  [node('script', 'script.markdown'), node('pkg', 'export.package', { files: ['mp4', 'srt', 'vtt', 'thumbnail', 'otio', 'fcpxml'], titleCard: false }), node('echo', 'test.echo')],
  [
    { from: '$input.video', to: 'echo.value' },
    { from: '$input.markdown', to: 'script.markdown' },
    { from: 'script.script', to: 'pkg.script' },
    { from: '$input.video', to: 'pkg.video' },
    { from: '$input.timeline', to: 'pkg.timeline' },
    { from: '$input.subtitles', to: 'pkg.subtitles' },
  ],
  {
    inputs: { markdown: { type: 'Markdown' }, video: { type: 'Video' }, timeline: { type: 'Timeline' }, subtitles: { type: 'Subtitles' } },
    // The rendered video is a graph output too, as in graphs/episode.json: it must not be listed twice.
    outputs: { video: 'echo.value', files: 'pkg.files', thumbnail: 'pkg.thumbnail' },
  },
);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'reelgraph-deliverables-'));
  t = await startTestServer();
  const ffmpeg = (args: string[]): Promise<unknown> => runTool(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args], { timeoutMs: 60_000 });
  await Promise.all([
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30:duration=2', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', join(work, 'episode.mp4')]),
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1.5:sample_rate=48000', join(work, 'voice.wav')]),
  ]);
  const { artifacts } = t.server.context.workspace;
  const video = await artifacts.put({ path: join(work, 'episode.mp4') }, { mime: 'video/mp4', name: 'episode.mp4' });
  const voice = await artifacts.put({ path: join(work, 'voice.wav') }, { mime: 'audio/wav', name: 'voice.wav' });
  const started = await t.api.post('/api/runs').send({
    graph: exportGraph,
    inputs: { markdown, video, timeline: timelineOf(video, voice), subtitles: { cues: [{ start: 0.2, end: 1.7, text: 'ADA: The lights die.' }] } },
  });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  runId = started.body.runId as string;
  const done = await t.api.get(`/api/runs/${runId}?wait=30000`);
  expect(done.body.status, JSON.stringify(done.body.error ?? done.body.nodes)).toBe('done');
  const res = await t.api.get(`/api/runs/${runId}/deliverables`);
  expect(res.status).toBe(200);
  listing = res.body as RunDeliverables;
}, 90_000);

afterAll(async () => {
  await t?.dispose();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('run deliverables', () => {
  it('lists the final video first, then each file once, named from the episode with its type', () => {
    expect(listing.runId).toBe(runId);
    expect(listing.primary).toBe(`${base}.mp4`);
    const [first, ...rest] = listing.deliverables;
    expect(first).toMatchObject({ name: `${base}.mp4`, output: expect.stringMatching(/^video\b/), kind: 'video', mime: 'video/mp4' });
    expect(rest.map((d) => [d.name, d.kind, d.mime.split(';')[0]])).toEqual([
      [`${base}.srt`, 'captions', 'application/x-subrip'],
      [`${base}.vtt`, 'captions', 'text/vtt'],
      [`${base}.jpg`, 'image', 'image/jpeg'],
      [`${base}.fcpxml`, 'timeline', 'application/xml'],
      [`${base}.otio`, 'timeline', 'application/vnd.opentimelineio+json'],
    ]);
    // No server paths leak; every entry has signed URLs.
    expect(JSON.stringify(listing)).not.toContain(t.dir);
    for (const d of listing.deliverables) {
      expect(d.downloadUrl).toMatch(new RegExp(`^/media/runs/${runId}/download/${d.name.replace(/\./g, '\\.')}\\?exp=\\d+&sig=[0-9a-f]{64}$`));
      expect(d.inlineUrl).toMatch(/^\/media\/runs\/.+\/inline\//);
      expect(d.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(listing.packageName).toBe(`${base}.zip`);
    expect(listing.packageUrl).toMatch(new RegExp(`^/media/runs/${runId}/package/${base}\\.zip\\?exp=`));
  });

  it('downloads a deliverable as an attachment with its file name, type and Range support', async () => {
    const srt = await binary(t.api.get(`/api/runs/${runId}/deliverables/${base}.srt`));
    expect(srt.status).toBe(200);
    expect(srt.headers['content-disposition']).toBe(`attachment; filename="${base}.srt"`);
    expect(srt.headers['content-type']).toBe('application/x-subrip; charset=utf-8');
    expect((srt.body as Buffer).toString('utf8')).toMatch(/00:00:00,200 --> 00:00:01,700\r?\nADA: The lights die\./);

    const video = listing.deliverables[0]!;
    const part = await binary(t.api.get(`/api/runs/${runId}/deliverables/${video.name}`).set('Range', 'bytes=0-99'));
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-99/${video.bytes}`);
    expect((part.body as Buffer).subarray(4, 8).toString('latin1')).toBe('ftyp');

    expect((await t.api.get(`/api/runs/${runId}/deliverables/nope.mp4`)).status).toBe(404);
    expect((await t.api.get(`/api/runs/unknown-run/deliverables`)).status).toBe(404);
    expect((await t.anon.get(`/api/runs/${runId}/deliverables`)).status).toBe(401);
  });

  it('serves the signed twins without a token: attachment or inline, with Range', async () => {
    const video = listing.deliverables[0]!;
    const download = await binary(t.anon.get(video.downloadUrl));
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toBe(`attachment; filename="${video.name}"`);
    expect(download.headers['content-type']).toBe('video/mp4');
    expect((download.body as Buffer).length).toBe(video.bytes);
    const inline = await binary(t.anon.get(video.inlineUrl).set('Range', 'bytes=10-19'));
    expect(inline.status).toBe(206);
    expect(inline.headers['content-disposition']).toMatch(/^inline; filename=/);
    expect((inline.body as Buffer).length).toBe(10);
  });

  it('refuses forged, re-pointed and expired links with 403', async () => {
    const [video, srt] = listing.deliverables;
    const url = new URL(video!.downloadUrl, 'http://x');
    const sig = url.searchParams.get('sig')!;
    const exp = url.searchParams.get('exp')!;
    const flipped = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
    expect((await t.anon.get(`${url.pathname}?exp=${exp}&sig=${flipped}`)).status).toBe(403);
    // The same signature for another file, another disposition, a later expiry: all refused.
    expect((await t.anon.get(`/media/runs/${runId}/download/${srt!.name}?exp=${exp}&sig=${sig}`)).status).toBe(403);
    expect((await t.anon.get(`/media/runs/${runId}/inline/${video!.name}?exp=${exp}&sig=${sig}`)).status).toBe(403);
    expect((await t.anon.get(`${url.pathname}?exp=${Number(exp) + 60}&sig=${sig}`)).status).toBe(403);
    const pkg = new URL(listing.packageUrl!, 'http://x');
    expect((await t.anon.get(`/media/runs/${runId}/package/other.zip?${pkg.searchParams}`)).status).toBe(403);

    const short = (await t.api.get(`/api/runs/${runId}/deliverables?ttl=5`)).body as RunDeliverables;
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 10_000);
      const expired = await t.anon.get(short.deliverables[0]!.downloadUrl);
      expect(expired.status).toBe(403);
      expect(expired.body.error.code).toBe('LINK_INVALID');
    } finally {
      vi.useRealTimers();
    }
  });

  it('streams one zip of the package whose OTIO and FCPXML open from the unpacked folder', async () => {
    const res = await binary(t.anon.get(listing.packageUrl!));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${base}.zip"`);
    const body = res.body as Buffer;
    expect(Number(res.headers['content-length'])).toBe(body.length);
    const zipFile = join(work, 'package.zip');
    await writeFile(zipFile, body);
    // Stored, not deflated: the media are compressed already.
    const { stdout: info } = await run('zipinfo', ['-v', zipFile]);
    expect(info).not.toMatch(/compression method:\s+deflated/);
    const out = join(work, 'unzipped');
    await mkdir(out);
    await run('unzip', ['-q', zipFile, '-d', out]);
    const names = (await readdir(out, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(out.length + 1)).sort();
    expect(names.filter((n) => !n.includes('/media/'))).toEqual([`${base}/${base}.fcpxml`, `${base}/${base}.jpg`, `${base}/${base}.mp4`, `${base}/${base}.otio`, `${base}/${base}.srt`, `${base}/${base}.vtt`].sort());
    expect(names.filter((n) => n.includes('/media/')).length).toBeGreaterThanOrEqual(2);

    const folder = join(out, base);
    expect(await streamInfo(join(folder, `${base}.mp4`))).toMatchObject({ width: 160, height: 90 });
    const otio = await readFile(join(folder, `${base}.otio`), 'utf8');
    const fcpxml = await readFile(join(folder, `${base}.fcpxml`), 'utf8');
    const urls = [...otio.matchAll(/"target_url":\s*"([^"]+)"/g), ...fcpxml.matchAll(/src="([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));
    expect(urls.length).toBeGreaterThanOrEqual(3);
    const inFolder = names.map((n) => n.slice(base.length + 1));
    for (const url of urls) expect(inFolder, url).toContain(url);
    for (const media of names.filter((n) => n.includes('/media/') && n.endsWith('.mp4'))) expect((await streamInfo(join(out, media))).width).toBe(160);

    const head = await t.api.head(`/api/runs/${runId}/package.zip`);
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(body.length);

    const withToken = await binary(t.api.get(`/api/runs/${runId}/package.zip`));
    expect(withToken.status).toBe(200);
    expect(Buffer.compare(withToken.body as Buffer, body)).toBe(0);
  });

  it('lists the run with its episode title, and the run detail carries it too', async () => {
    const rows = (await t.api.get('/api/runs')).body as Array<{ id: string; title?: string }>;
    expect(rows.find((row) => row.id === runId)?.title).toBe('The Signal');
    expect((await t.api.get(`/api/runs/${runId}`)).body.title).toBe('The Signal');
  });

  it('signs links for 12 hours unless asked otherwise', async () => {
    const now = Math.floor(Date.now() / 1000);
    const exp = Number(new URL(listing.deliverables[0]!.downloadUrl, 'http://x').searchParams.get('exp'));
    expect(exp).toBeGreaterThan(now + 11 * 3600);
    expect(exp).toBeLessThanOrEqual(now + 12 * 3600 + 5);
  });

  it('lists what an unfinished run has made so far', async () => {
    const doc = graph('half-done', [node('greet', 'text.template', { template: '# Pilot\n\nHello, {{text}}!' }), node('save', 'file.write', { filename: 'note.md', mime: 'text/markdown' }), node('wait', 'test.hang')], [
      { from: '$input.episode', to: 'greet.text' },
      { from: 'greet.text', to: 'save.content' },
    ], { inputs: { episode: { type: 'Markdown' } }, outputs: { note: 'save.file', value: 'wait.value' } });
    const started = await t.api.post('/api/runs').send({ graph: doc, inputs: { episode: '# Half Done\n\nworld' } });
    const id = started.body.runId as string;
    try {
      let found: RunDeliverables | undefined;
      for (let attempt = 0; attempt < 100 && !found?.deliverables.length; attempt++) {
        await t.api.get(`/api/runs/${id}?wait=100`);
        found = (await t.api.get(`/api/runs/${id}/deliverables`)).body as RunDeliverables;
      }
      expect((await t.api.get(`/api/runs/${id}`)).body.status).toBe('running');
      // Named from the episode title in the run's inputs: no export.package named it.
      expect(found?.deliverables.map((d) => [d.name, d.output, d.kind, d.mime])).toEqual([['half-done-note.md', 'note', 'data', 'text/markdown']]);
      const text = await t.anon.get(found!.deliverables[0]!.downloadUrl);
      expect(text.text ?? (text.body as Buffer).toString()).toBe('# Pilot\n\nHello, # Half Done\n\nworld!');
    } finally {
      await t.api.post(`/api/runs/${id}/cancel`);
    }
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const doc = (await t.anon.get('/api/openapi.json')).body as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    for (const path of ['/api/runs/{id}/deliverables', '/api/runs/{id}/deliverables/{name}', '/api/runs/{id}/package.zip', '/media/runs/{id}/download/{name}', '/media/runs/{id}/package/{name}']) expect(doc.paths).toHaveProperty([path]);
    expect(doc.components.schemas).toHaveProperty('RunDeliverables');
  });
});
