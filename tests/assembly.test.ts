import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { parse as parseSubtitles } from '@plussub/srt-vtt-parser';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Timeline } from '../runtime/contract/index.js';
import { ffmpegPath, ffprobePath, runTool } from '../runtime/media/binaries.js';
import { decodeAudio, MIX_RATE } from '../nodes/audio/pcm.js';
import { duckingGains } from '../nodes/audio/ducking.js';
import type { ScenePlan } from '../nodes/assembly/plan.js';
import { assemblyGraph, makeAssets, shortEpisode } from './fixtures/assembly-graph.js';
import { grabFrame, meanColour, streamInfo } from './fixtures/frames.js';
import { measureLoudness } from './fixtures/loudness.js';
import { createHarness, type Harness } from './fixtures/harness.js';

type Handle = { hash: string; duration: number; stem?: string };

let assets: string;
let h: Harness;
beforeAll(async () => {
  assets = await mkdtemp(join(tmpdir(), 'reelgraph-assembly-'));
  await makeAssets(assets);
});
afterAll(async () => {
  await rm(assets, { recursive: true, force: true });
});
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.dispose();
});

const pathOf = (handle: { hash: string }): Promise<string> => h.engine.services.artifacts.localPath(handle);

async function streams(file: string): Promise<Array<Record<string, string>>> {
  const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,profile,pix_fmt,width,height,r_frame_rate,avg_frame_rate,duration,nb_frames,sample_rate,channels', '-of', 'json', file], { timeoutMs: 30_000 });
  return (JSON.parse(stdout.toString()) as { streams: Array<Record<string, string>> }).streams;
}


const rmsDb = (samples: Float32Array, from: number, to: number): number => {
  let sum = 0;
  const a = Math.floor(from * MIX_RATE) * 2;
  const b = Math.floor(to * MIX_RATE) * 2;
  for (let i = a; i < b; i++) sum += samples[i]! * samples[i]!;
  return 10 * Math.log10(sum / (b - a));
};

describe('assembly: a short episode, rendered for real', () => {
  it('produces a conforming MP4 at the loudness target, with streams of equal length and scenes sized by the speech', async () => {
    const result = await h.run(assemblyGraph({ assetRoot: assets, width: 320, height: 180, music: true }), { inputs: { episode: shortEpisode } });
    expect(result.status, result.error?.message).toBe('done');
    const video = result.outputs.video as Handle & { stems: Record<string, Handle> };
    const file = await pathOf(video);
    const [v, a] = await streams(file);
    expect(v).toMatchObject({ codec_type: 'video', codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width: 320, height: 180, r_frame_rate: '30/1', avg_frame_rate: '30/1' });
    expect(a).toMatchObject({ codec_type: 'audio', codec_name: 'aac', profile: 'LC', sample_rate: '48000', channels: 2 });
    expect(Math.abs(Number(v!.duration) - Number(a!.duration))).toBeLessThan(1 / 30);
    const timeline = result.outputs.timeline as Timeline;
    expect(Number(v!.nb_frames)).toBe(Math.round(timeline.duration * 30));

    // Decodes with zero errors.
    const decode = await runTool(ffmpegPath(), ['-v', 'error', '-i', file, '-f', 'null', '-'], { timeoutMs: 60_000 });
    expect(decode.stderr.trim()).toBe('');
    // +faststart: the index (moov) comes before the media (mdat).
    const { stdout: head } = await runTool('head', ['-c', '65536', file], { timeoutMs: 5_000 });
    expect(head.indexOf('moov')).toBeGreaterThan(0);
    expect(head.indexOf('moov')).toBeLessThan(head.indexOf('mdat'));

    const measured = await measureLoudness(file);
    expect(Math.abs(measured.integrated - -14)).toBeLessThanOrEqual(1);
    expect(measured.peak).toBeLessThanOrEqual(-1);

    // Each scene lasts as long as its lines plus lead-in, gaps and tail: nothing overlaps, nothing is cut.
    const plan = result.outputs.plan as ScenePlan;
    for (const scene of plan.scenes) {
      const last = scene.events.filter((event) => event.duration > 0).at(-1)!;
      expect(last.start + last.duration).toBeLessThanOrEqual(scene.start + scene.duration);
    }
    const dialogue = timeline.tracks.find((track) => track.kind === 'dialogue')!.clips;
    for (let i = 1; i < dialogue.length; i++) expect(dialogue[i]!.start).toBeGreaterThanOrEqual(dialogue[i - 1]!.start + dialogue[i - 1]!.duration);
    // The 1 s pause sits between the two lines of the first scene.
    expect(dialogue[1]!.start - (dialogue[0]!.start + dialogue[0]!.duration)).toBeGreaterThan(1);

    // The picture follows the scenes: blue still, then red, then green.
    const middle = async (sceneIndex: number): Promise<ReturnType<typeof meanColour>> => {
      const scene = timeline.scenes[sceneIndex]!;
      return meanColour(await grabFrame(file, Math.round((scene.start + scene.duration / 2) * 30)), { x: 0, y: 0, width: 40, height: 40 });
    };
    const [one, two, three] = await Promise.all([middle(0), middle(1), middle(2)]);
    expect(one.b).toBeGreaterThan(one.r + 60);
    expect(two.r).toBeGreaterThan(two.b + 60);
    expect(three.g).toBeGreaterThan(three.r + 40);

    // Sidecar captions parse, and every cue sits inside a spoken line and inside the audio.
    const files = result.outputs.files as Array<{ kind: string; path: string }>;
    for (const kind of ['srt', 'vtt']) {
      const text = await readFile(files.find((f) => f.kind === kind)!.path, 'utf8');
      const { entries } = parseSubtitles(text) as { entries: Array<{ from: number; to: number; text: string }> };
      expect(entries.length).toBeGreaterThanOrEqual(dialogue.length);
      for (const cue of entries) {
        expect(cue.to / 1000).toBeLessThanOrEqual(Number(a!.duration) + 0.001);
        expect(dialogue.some((clip) => cue.from / 1000 >= clip.start - 0.001 && cue.to / 1000 <= clip.start + clip.duration + 0.001)).toBe(true);
      }
    }
    // No chapters: YouTube wants three of at least 10 s, and these scenes are shorter.
    expect(files.map((f) => f.kind).filter((kind) => kind !== 'media').sort()).toEqual(['mp4', 'otio', 'srt', 'thumbnail', 'vtt']);

    // Ducking: the music stem is ~12 dB lower under speech than between lines.
    const music = await decodeAudio(await pathOf(video.stems.music!), { channels: 2, signal: new AbortController().signal });
    const first = dialogue[0]!;
    const underSpeech = rmsDb(music, first.start + 0.3, first.start + first.duration - 0.3);
    const pause = rmsDb(music, first.start + first.duration + 0.6, dialogue[1]!.start - 0.2);
    expect(pause - underSpeech).toBeGreaterThan(9);
    expect(pause - underSpeech).toBeLessThan(15);
  });

  it('re-encodes only the scene an edit touches', async () => {
    const graph = assemblyGraph({ assetRoot: assets, width: 320, height: 180, transition: 'dip' });
    const first = await h.run(graph, { inputs: { episode: shortEpisode } });
    expect(first.status).toBe('done');
    const edited = shortEpisode.replace('Outside, the rain kept falling.', 'Outside, the cold rain kept on falling, harder now.');
    const second = await h.run(graph, { inputs: { episode: edited } });
    expect(second.status, second.error?.message).toBe('done');
    const render = second.nodes.find((node) => node.id === 'render')!;
    expect(render.items).toMatchObject({ total: 3, executed: 1, cached: 2 });
    const voice = second.nodes.find((node) => node.id === 'voice')!;
    expect(voice.items).toMatchObject({ executed: 1, cached: 3 });
    // The later scene moved, but its encode was reused: the joined video is longer by the edit.
    const [before, after] = [first, second].map((run) => (run.outputs.timeline as Timeline).duration);
    expect(after!).toBeGreaterThan(before!);
  });

  it('renders 9:16 at 1080×1920', async () => {
    const result = await h.run(assemblyGraph({ assetRoot: assets, profile: 'shorts-1080x1920' }), { inputs: { episode: shortEpisode.split('## The Street')[0]! } });
    expect(result.status, result.error?.message).toBe('done');
    const info = await streamInfo(await pathOf(result.outputs.video as Handle));
    expect(info).toMatchObject({ width: 1080, height: 1920, fps: 30 });
  });

  it('leaves no finished-looking output when cancelled mid-render', async () => {
    const graph = assemblyGraph({ assetRoot: assets, width: 320, height: 180 });
    const run = h.engine.prepare(graph, { inputs: { episode: shortEpisode }, outDir: join(h.dir, 'out') });
    const off = h.engine.events.on((event) => {
      if (event.type === 'node' && event.nodeId === 'render' && event.status === 'running') handle.cancel();
    });
    const handle = run.start();
    const result = await handle.result;
    off();
    expect(result.status).toBe('cancelled');
    expect(result.outputs.video).toBeUndefined();
    expect(result.nodes.find((node) => node.id === 'join')?.status).not.toBe('done');
    // The store holds the finished pieces (voices, scenes) but no joined video: a render stopped mid-way stores nothing as final.
    const sidecars = (await readdir(join(h.dir, 'artifacts'), { recursive: true })).filter((entry) => entry.endsWith('.json') && !entry.startsWith('tmp'));
    const names = await Promise.all(sidecars.map(async (entry) => (JSON.parse(await readFile(join(h.dir, 'artifacts', entry), 'utf8')) as { name?: string }).name));
    expect(names).toContain('scene-the-room.mp4');
    expect(names).not.toContain('Signal.mp4');
    // And nothing in the output folder: the package is written only after the render finished.
    expect(await readdir(join(h.dir, 'out')).catch(() => [])).toEqual([]);
  });

  it('burns captions in when asked, with the spoken words highlighted', async () => {
    const result = await h.run(assemblyGraph({ assetRoot: assets, width: 640, height: 360, captions: 'boxed' }), { inputs: { episode: shortEpisode } });
    expect(result.status, result.error?.message).toBe('done');
    const file = await pathOf(result.outputs.video as Handle);
    const cues = (result.outputs.subtitles as { cues: Array<{ start: number; end: number }> }).cues;
    const band = { x: 0, y: 270, width: 640, height: 80 };
    // The still is flat blue down there: a boxed caption puts white and (spoken) yellow text on it.
    const during = await grabFrame(file, Math.round(((cues[0]!.start + cues[0]!.end) / 2) * 30));
    const before = await grabFrame(file, 2);
    expect(cues[0]!.start).toBeGreaterThan(2 / 30);
    const count = (frame: typeof during, test: (r: number, g: number, b: number) => boolean): number => {
      let found = 0;
      for (let y = band.y; y < band.y + band.height; y++) {
        for (let x = 0; x < 640; x++) {
          const i = (y * 640 + x) * 4;
          if (test(frame.data[i]!, frame.data[i + 1]!, frame.data[i + 2]!)) found++;
        }
      }
      return found;
    };
    const white = (r: number, g: number, b: number): boolean => r > 200 && g > 200 && b > 200;
    const yellow = (r: number, g: number, b: number): boolean => r > 200 && g > 170 && b < 90;
    expect(count(during, white)).toBeGreaterThan(30);
    expect(count(during, yellow)).toBeGreaterThan(30);
    expect(count(before, white) + count(before, yellow)).toBe(0);
  });
});

describe('ducking envelope', () => {
  it('dips by the amount under speech, with attack and release', () => {
    const rate = 1000;
    const speech = new Float32Array(3000);
    for (let i = 1000; i < 2000; i++) speech[i] = Math.sin(i) * 0.3;
    const gains = duckingGains(speech, { amountDb: 12, attackMs: 50, releaseMs: 300, sampleRate: rate, lookAheadMs: 0 });
    expect(20 * Math.log10(gains[500]!)).toBeCloseTo(0, 3);
    expect(20 * Math.log10(gains[1900]!)).toBeCloseTo(-12, 1);
    // The release is slower than the attack.
    expect(20 * Math.log10(gains[2100]!)).toBeLessThan(-6);
    expect(20 * Math.log10(gains[2990]!)).toBeGreaterThan(-1);
  });
});
