/**
 * Issue 18 item 1, "dead air", measured on a real render of the shipped
 * episode graph (offline: no keys, nothing downloaded): ffmpeg's
 * silencedetect finds no digital silence (−90 dBFS) longer than 0.5 s in the
 * mix, the music stem is audible between lines (ducked under them), and the
 * effects stem carries the terminal's keystrokes and the glitch hit.
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyOverrides, type ArtifactHandle, type GraphDocument, type Overlay, type ScenePlan, type Timeline } from '../runtime/contract/index.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { decodeAudio } from '../nodes/audio/pcm.js';
import { shortEpisode } from './fixtures/assembly-graph.js';
import { measureLoudness } from './fixtures/loudness.js';
import { createHarness, registry, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');
const signal = new AbortController().signal;

let h: Harness;
beforeAll(async () => {
  h = await createHarness({ credentials: new EnvCredentials(registry.list(), {}) });
});
afterAll(async () => {
  await h.dispose();
});

const small = (graph: GraphDocument): GraphDocument =>
  applyOverrides(graph, {
    format: graph.format,
    schemaVersion: 1,
    name: `${graph.name} (small)`,
    extends: 'x',
    overrides: { nodes: Object.fromEntries(['terminal', 'scenes', 'timeline'].map((id) => [id, { params: { profile: 'preview-720p', width: 320, height: 180 } }])) },
  } as Parameters<typeof applyOverrides>[1]);

/** Stretches silencedetect reports, as [start, end] seconds. */
async function silences(file: string, noiseDb: number, seconds: number): Promise<Array<[number, number]>> {
  const { stderr } = await runTool(ffmpegPath(), ['-hide_banner', '-nostats', '-i', file, '-af', `silencedetect=n=${noiseDb}dB:d=${seconds}`, '-f', 'null', '-'], { timeoutMs: 60_000 });
  const starts = [...stderr.matchAll(/silence_start: (-?[\d.]+)/gu)].map((m) => Number(m[1]));
  const ends = [...stderr.matchAll(/silence_end: ([\d.]+)/gu)].map((m) => Number(m[1]));
  return starts.map((start, i) => [start, ends[i] ?? Number.POSITIVE_INFINITY]);
}

const rmsDb = (samples: Float32Array, from: number, to: number, channels: number): number => {
  let sum = 0;
  const a = Math.floor(from * 48_000) * channels;
  const b = Math.floor(to * 48_000) * channels;
  for (let i = a; i < b; i++) sum += samples[i]! ** 2;
  return 10 * Math.log10(sum / Math.max(1, b - a));
};

describe('the default episode graph has no dead air', () => {
  it('fills every gap: no digital silence over 0.5 s, music audible between lines and ducked under them, effects at the keystrokes', async () => {
    const { graph } = await loadGraphFile(join(repo, 'graphs/episode.json'));
    const episode = `${shortEpisode}\n\`\`\`terminal\n$ open --door\nACCESS GRANTED\n\`\`\`\n\n[sfx: door slam]\n`;
    const result = await h.run(small(graph), { inputs: { episode } });
    expect(result.status, result.error?.message).toBe('done');
    const video = result.outputs.video as ArtifactHandle & { stems: Record<string, ArtifactHandle> };
    const path = await h.engine.services.artifacts.localPath(video);
    // The old render: 20 of 66 s under −90 dBFS. Now none, not even a short one in the mixed track.
    expect(await silences(path, -90, 0.5)).toEqual([]);
    // The bed keeps the limiter busy, and AAC lifts true peaks: the published file still keeps the −1 dBTP ceiling.
    const loudness = await measureLoudness(path);
    expect(Math.abs(loudness.integrated - -14)).toBeLessThanOrEqual(1);
    expect(loudness.peak).toBeLessThanOrEqual(-1);

    const timeline = result.outputs.timeline as Timeline;
    const music = timeline.tracks.find((track) => track.kind === 'music')!;
    const effects = timeline.tracks.find((track) => track.kind === 'effects')!;
    expect(music.clips.length).toBeGreaterThan(0);
    expect(timeline.ducking).toBeDefined();
    expect(effects.clips.map((clip) => clip.id)).toEqual(expect.arrayContaining([expect.stringMatching(/overlay$/u), expect.stringMatching(/glitch$/u), expect.stringMatching(/sfx$/u)]));

    const stems = video.stems;
    const musicStem = await decodeAudio(await h.engine.services.artifacts.localPath(stems.music!), { channels: 2, signal });
    const dialogue = timeline.tracks.find((track) => track.kind === 'dialogue')!.clips;
    // Between lines (gaps of 0.4 s or more, away from the lines' edges) the music plays; under a line it is ducked.
    const gaps: Array<[number, number]> = [];
    for (let i = 0; i + 1 < dialogue.length; i++) {
      const end = dialogue[i]!.start + dialogue[i]!.duration;
      if (dialogue[i + 1]!.start - end >= 0.9) gaps.push([end + 0.45, dialogue[i + 1]!.start - 0.1]);
    }
    expect(gaps.length).toBeGreaterThan(0);
    for (const [from, to] of gaps) expect(rmsDb(musicStem, from, to, 2), `music ${from.toFixed(2)}–${to.toFixed(2)} s`).toBeGreaterThan(-40);
    // The effects stem clicks where the terminal types: at each keystroke the overlay reports, the level jumps fourfold over the 2 ms before it.
    const planned = h.events.find((event) => event.type === 'node' && event.nodeId === 'pace' && event.outputs?.plan);
    const plan = (planned?.type === 'node' ? planned.outputs?.plan : undefined) as ScenePlan;
    // Pacing times the block from the script; the overlay (and its keystrokes) comes from the terminal node.
    const terminal = plan.scenes.flatMap((scene) => scene.events).find((event) => event.segment.kind === 'terminal')!;
    const overlay = h.events
      .flatMap((event) => (event.type === 'item' && event.nodeId === 'terminal' && event.outputs?.overlays ? [event.outputs.overlays as Overlay] : []))
      .find((candidate) => candidate.segmentId === terminal.segment.id)!;
    const keys = (overlay.events as Array<{ time: number; kind: string }>).filter((e) => e.kind === 'key').map((e) => terminal.start + e.time);
    expect(keys.length).toBe('open --door'.length);
    const clip = effects.clips.find((c) => c.id.endsWith('-overlay'))!;
    const samples = await decodeAudio(await h.engine.services.artifacts.localPath(clip.media!), { channels: 2, signal });
    const onsetNear = (key: number): boolean => {
      const at = Math.round((key - clip.start) * 48_000);
      let before = 0;
      for (let i = Math.max(0, at - 96); i < at - 2; i++) before = Math.max(before, Math.abs(samples[i * 2]!));
      let after = 0;
      for (let i = at; i < at + 96; i++) after = Math.max(after, Math.abs(samples[i * 2]!));
      return after > 4 * before && after > 0.01;
    };
    expect(clip.start).toBeCloseTo(terminal.start, 6);
    expect(keys.filter(onsetNear).length / keys.length).toBeGreaterThan(0.8);

    const line = dialogue.reduce((a, b) => (b.duration > a.duration ? b : a));
    const under = rmsDb(musicStem, line.start + 0.3, line.start + line.duration - 0.1, 2);
    const between = Math.max(...gaps.map(([from, to]) => rmsDb(musicStem, from, to, 2)));
    expect(between - under).toBeGreaterThan(6);
  }, 240_000);

  it('nor the Short: its terminal is heard, not silent', async () => {
    const { graph } = await loadGraphFile(join(repo, 'graphs/shorts.json'));
    const shorts = applyOverrides(graph, {
      format: graph.format,
      schemaVersion: 1,
      name: 'Short (small)',
      extends: 'x',
      overrides: { nodes: Object.fromEntries(['terminal', 'scenes', 'timeline'].map((id) => [id, { params: { profile: 'preview-720x1280', width: 180, height: 320 } }])) },
    } as Parameters<typeof applyOverrides>[1]);
    const episode = `${shortEpisode.split('## The Street')[0]!}\n\`\`\`terminal\n$ wake aria\nONLINE\n\`\`\`\n`;
    const result = await h.run(shorts, { inputs: { episode } });
    expect(result.status, result.error?.message).toBe('done');
    const path = await h.engine.services.artifacts.localPath(result.outputs.video as ArtifactHandle);
    expect(await silences(path, -90, 0.5)).toEqual([]);
  }, 240_000);
});
