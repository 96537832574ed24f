import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, Type, type Static, type ArtifactHandle, type NodeContext, type Timeline, type TimelineClip } from '../../runtime/contract/index.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { inheritedProfile, inheritedProfileParam } from '../video/profiles.js';
import { mixToFiles } from './block-mix.js';
import { parseLoudness, type Loudness } from './loudness.js';
import { MIX_RATE } from './pcm.js';

const params = nodeParams({
  profile: inheritedProfileParam('Its loudness target (−14 LUFS integrated, −1 dBTP for all profiles). Default: the timeline’s profile.'),
  loudness: Type.Optional(Type.Number({ title: 'Loudness target (LUFS, override)', minimum: -40, maximum: -5 })),
  truePeak: Type.Optional(Type.Number({ title: 'True-peak ceiling (dBTP, override)', minimum: -9, maximum: 0 })),
  stems: Type.Boolean({ title: 'Write stems', default: true }),
});
type Params = Static<typeof params>;

const FFMPEG_TIMEOUT_MS = 300_000;

const dbToGain = (db: number): number => 10 ** (db / 20);

async function ffmpeg(args: string[], signal: AbortSignal): Promise<string> {
  return (await runFfmpeg(args, { keepLog: true, timeoutMs: FFMPEG_TIMEOUT_MS, signal })).stderr;
}

async function measure(path: string, signal: AbortSignal): Promise<Loudness | undefined> {
  return parseLoudness(await ffmpeg(['-i', path, '-af', 'ebur128=peak=true', '-f', 'null', '-'], signal));
}

/**
 * One linear gain to the target, then a limiter only if peaks would pass the
 * ceiling. The limiter works on samples, true peaks sit between them: if the
 * measured true peak still exceeds the ceiling, limit lower and try again.
 */
async function finish(input: string, output: string, target: Loudness, signal: AbortSignal): Promise<{ loudness: Loudness; gain: number }> {
  const measured = await measure(input, signal);
  const silent = !measured || !Number.isFinite(measured.integrated) || measured.integrated <= -70;
  const gain = silent ? 0 : target.integrated - measured.integrated;
  let ceiling = target.peak - 0.5;
  for (let attempt = 0; ; attempt++) {
    const limiter = !silent && measured.peak + gain > ceiling ? `,alimiter=limit=${dbToGain(ceiling).toFixed(5)}:level=0:attack=1:release=60` : '';
    const log = await ffmpeg(['-i', input, '-af', `volume=${gain.toFixed(3)}dB${limiter},ebur128=peak=true`, '-ar', String(MIX_RATE), '-c:a', 'flac', '-sample_fmt', 's32', output], signal);
    const result = parseLoudness(log) ?? { integrated: -Infinity, peak: -Infinity };
    if (silent || result.peak <= target.peak || attempt === 2) return { loudness: result, gain };
    ceiling -= result.peak - target.peak + 0.3;
  }
}

async function storeFlac(ctx: NodeContext<Params>, path: string, name: string, extra: Record<string, unknown> = {}): Promise<ArtifactHandle> {
  const handle = await ctx.artifacts.put({ path }, { mime: 'audio/flac', name, move: true });
  return { ...handle, ...extra };
}

export default defineNode({
  type: 'audio.mix',
  version: 1,
  title: 'Mix',
  category: 'audio',
  description: 'Mixes the timeline’s dialogue, effects and music bed (ducked under the voice) into one stereo track at the profile’s loudness target and true-peak ceiling.',
  inputs: [{ name: 'timeline', type: 'Timeline', title: 'Timeline' }],
  outputs: [
    { name: 'mix', type: 'AudioClip', title: 'Mix', description: 'Stereo, 48 kHz, FLAC, with its measured loudness.' },
    { name: 'stems', type: 'AudioClip', list: true, title: 'Stems', description: 'Dialogue, music and effects at the mix’s gain (before the limiter).' },
  ],
  params,
  resource: 'assembly',
  cacheable: true,
  async execute(ctx) {
    const timeline = ctx.inputs.timeline as Timeline;
    if (!(timeline.duration > 0)) throw new PermanentError('the timeline is empty: nothing to mix', { location: { port: 'timeline' } });
    const profile = inheritedProfile(ctx.params.profile, timeline);
    const target = { integrated: ctx.params.loudness ?? profile.loudness.integrated, peak: ctx.params.truePeak ?? profile.loudness.truePeak };
    const frames = Math.round(timeline.duration * MIX_RATE);
    const clipsOf = (kind: string): TimelineClip[] => timeline.tracks.filter((track) => track.kind === kind).flatMap((track) => track.clips);

    ctx.progress(0.05, 'mixing');
    const dir = await ctx.tempDir();
    const raw = join(dir, 'mix.wav');
    const stemFiles = { dialogue: join(dir, 'dialogue.wav'), effects: join(dir, 'effects.wav'), music: join(dir, 'music.wav') };
    await mixToFiles(
      { frames, dialogue: clipsOf('dialogue'), effects: clipsOf('effects'), music: clipsOf('music'), ...(timeline.ducking ? { ducking: timeline.ducking } : {}) },
      { mix: raw, ...(ctx.params.stems ? { stems: stemFiles } : {}) },
      { localPath: (handle) => ctx.artifacts.localPath(handle), signal: ctx.signal },
    );

    ctx.progress(0.5, 'loudness');
    const finished = join(dir, 'mix.flac');
    const { loudness, gain } = await finish(raw, finished, target, ctx.signal);
    const mixHandle = await storeFlac(ctx, finished, 'mix.flac', { loudness });

    const stems: ArtifactHandle[] = [];
    if (ctx.params.stems) {
      // The mix's own gain, before its limiter: the stems add up to the mix.
      for (const [name, stemRaw] of Object.entries(stemFiles)) {
        const stem = join(dir, `${name}.flac`);
        await ffmpeg(['-i', stemRaw, '-af', `volume=${gain.toFixed(3)}dB`, '-c:a', 'flac', '-sample_fmt', 's32', stem], ctx.signal);
        stems.push(await storeFlac(ctx, stem, `${name}.flac`, { stem: name }));
      }
    }
    ctx.progress(1);
    return { mix: mixHandle, stems };
  },
});
