import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, Type, type Static, type ArtifactHandle, type NodeContext, type Timeline, type TimelineClip } from '../../runtime/contract/index.js';
import { runFfmpeg, type RunFfmpegOptions } from '../../runtime/media/ffmpeg.js';
import { collectGarbage } from '../../runtime/process/collect-garbage.js';
import { inheritedProfile, inheritedProfileParam } from '../video/profiles.js';
import { mixToFiles, type MixPeaks } from './block-mix.js';
import { encodeDeliveryAudio, type DeliveryAudio } from './delivery.js';
import { parseLoudness, type Loudness } from './loudness.js';
import { MIX_RATE } from './pcm.js';

const params = nodeParams({
  profile: inheritedProfileParam('Its loudness target (−14 LUFS integrated, −1 dBTP for all profiles). Default: the timeline’s profile.'),
  loudness: Type.Optional(Type.Number({ title: 'Loudness target (LUFS, override)', minimum: -40, maximum: -5 })),
  truePeak: Type.Optional(Type.Number({ title: 'True-peak ceiling (dBTP, override)', minimum: -9, maximum: 0 })),
  stems: Type.Boolean({ title: 'Write stems', default: true }),
});
type Params = Static<typeof params>;

/**
 * Each ffmpeg pass over the whole mix (measure, finish, a stem, the delivery AAC) gets two minutes plus a second per
 * second of audio, as the join does: a pass runs at 20–50× real time here (the 30-minute essay's AAC, the slowest,
 * took 40 s), so this is generous on a loaded machine, yet a fixed deadline would fail an episode a few hours long.
 */
export function mixPassDeadlineMs(durationSeconds: number): number {
  return 120_000 + durationSeconds * 1_000;
}

/** No stem sample above this: the stems keep the source clips' 1 dB under full scale. */
export const STEM_PEAK_DB = -1;

const dbToGain = (db: number): number => 10 ** (db / 20);

/** The context of every ffmpeg pass of one mix: its deadline and abort (what `encodeDeliveryAudio` takes too). */
type Pass = Pick<RunFfmpegOptions, 'signal' | 'timeoutMs'>;

async function ffmpeg(args: string[], pass: Pass): Promise<string> {
  return (await runFfmpeg(args, { keepLog: true, ...pass })).stderr;
}

async function measure(path: string, pass: Pass): Promise<Loudness | undefined> {
  return parseLoudness(await ffmpeg(['-i', path, '-af', 'ebur128=peak=true', '-f', 'null', '-'], pass));
}

const LIMITER_ATTACK_MS = 1;
/**
 * alimiter looks ahead by delaying its output: attack × rate − 1 samples (47
 * at 1 ms and 48 kHz, in the bundled 2018 build and in 5.x alike; only newer
 * builds can compensate themselves, with `latency`). Left alone, a limited mix
 * plays 1 ms late against the picture and its stems, and its last 1 ms is
 * lost: feed it that many samples of silence at the end and cut them from the
 * start.
 */
const LIMITER_DELAY = Math.round((LIMITER_ATTACK_MS * MIX_RATE) / 1000) - 1;
const LIMITER_PAD = `apad=pad_len=${LIMITER_DELAY}`;
const LIMITER_TRIM = `atrim=start_sample=${LIMITER_DELAY},asetpts=PTS-STARTPTS`;

/**
 * How far under the profile's true-peak ceiling the mix is finished: the
 * delivered MP4's AAC encode lifts true peaks (0.3 dB on the demo's mix with
 * its music bed, which put the published file at −0.8 dBTP against a −1
 * ceiling), so the mix leaves room for it.
 */
export const CODEC_HEADROOM_DB = 0.5;

/**
 * One linear gain to the target, then a limiter only if peaks would pass the
 * ceiling. The limiter works on samples, true peaks sit between them: if the
 * measured true peak still exceeds the ceiling, limit lower and try again.
 */
async function finish(input: string, output: string, target: Loudness, pass: Pass): Promise<{ loudness: Loudness; gain: number }> {
  const measured = await measure(input, pass);
  const silent = !measured || !Number.isFinite(measured.integrated) || measured.integrated <= -70;
  const gain = silent ? 0 : target.integrated - measured.integrated;
  const peakCeiling = target.peak - CODEC_HEADROOM_DB;
  let ceiling = peakCeiling - 0.5;
  for (let attempt = 0; ; attempt++) {
    const limiter = !silent && measured.peak + gain > ceiling ? `,${LIMITER_PAD},alimiter=limit=${dbToGain(ceiling).toFixed(5)}:level=0:attack=${LIMITER_ATTACK_MS}:release=60,${LIMITER_TRIM}` : '';
    const log = await ffmpeg(['-i', input, '-af', `volume=${gain.toFixed(3)}dB${limiter},ebur128=peak=true`, '-ar', String(MIX_RATE), '-c:a', 'flac', '-sample_fmt', 's32', output], pass);
    const result = parseLoudness(log) ?? { integrated: -Infinity, peak: -Infinity };
    if (silent || result.peak <= peakCeiling || attempt === 2) return { loudness: result, gain };
    ceiling -= result.peak - peakCeiling + 0.3;
  }
}

/**
 * How far under the mix's gain the stems are written so the loudest sample of
 * any of them stays at or under STEM_PEAK_DB (in 0.01 dB steps, rounded up):
 * one figure for all stems, so their balance is the mix's even before an
 * editor restores it. The mix's gain is chosen for the sum's loudness and
 * limited on the sum; a stem alone at that gain can pass full scale (the
 * demo's dialogue stem did), and an integer FLAC clips it flat.
 */
export function stemHeadroomDb(stemPeaks: readonly number[], gainDb: number): number {
  const loudest = Math.max(0, ...stemPeaks);
  if (loudest === 0) return 0;
  const over = 20 * Math.log10(loudest) + gainDb - STEM_PEAK_DB;
  return over > 0 ? Math.ceil(over * 100 - 1e-9) / 100 : 0;
}

async function storeFlac(ctx: NodeContext<Params>, path: string, name: string, extra: Record<string, unknown> = {}): Promise<ArtifactHandle> {
  const handle = await ctx.artifacts.put({ path }, { mime: 'audio/flac', name, move: true });
  return { ...handle, ...extra };
}

/**
 * The stems at the mix's own gain (before its limiter) less the headroom that keeps them unclipped; each carries the
 * headroom as its clip gain, which the FCPXML and OTIO exports apply: the stems add up to the mix.
 */
async function writeStems(ctx: NodeContext<Params>, files: Record<string, string>, peaks: MixPeaks, gain: number, dir: string, pass: Pass): Promise<ArtifactHandle[]> {
  const mixGain = Number(gain.toFixed(3));
  const headroom = stemHeadroomDb([peaks.dialogue, peaks.effects, peaks.music], mixGain);
  if (headroom > 0) ctx.log.info(`stems written ${headroom} dB under the mix's gain so none clips`);
  const stems: ArtifactHandle[] = [];
  for (const [name, stemRaw] of Object.entries(files)) {
    const stem = join(dir, `${name}.flac`);
    await ffmpeg(['-i', stemRaw, '-af', `volume=${(mixGain - headroom).toFixed(3)}dB`, '-c:a', 'flac', '-sample_fmt', 's32', stem], pass);
    stems.push(await storeFlac(ctx, stem, `${name}.flac`, { stem: name, gainDb: headroom }));
  }
  return stems;
}

export default defineNode({
  type: 'audio.mix',
  version: 1,
  title: 'Mix',
  category: 'audio',
  description: 'Mixes the timeline’s dialogue, effects and music bed (ducked under the voice) into one stereo track at the profile’s loudness target and true-peak ceiling.',
  inputs: [{ name: 'timeline', type: 'Timeline', title: 'Timeline' }],
  outputs: [
    {
      name: 'mix',
      type: 'AudioClip',
      title: 'Mix',
      description: 'Stereo, 48 kHz, FLAC, with its measured loudness, and (`delivery`) encoded as the published MP4 carries it, which the join copies.',
    },
    {
      name: 'stems',
      type: 'AudioClip',
      list: true,
      title: 'Stems',
      description:
        'Dialogue, music and effects at the mix’s gain less a common headroom that keeps every stem sample at or under −1 dBFS; each says that headroom as its `gainDb`: raised by it, the stems add up to the mix before its limiter.',
    },
  ],
  params,
  resource: 'assembly',
  cacheable: true,
  // Stems are written with headroom (and say it as gainDb) since this identity: a mix cached before it has clipped stems.
  // Mixes carry their delivery encode since 'delivery': one cached before would make every join encode it again.
  cacheIdentity: () => 'stem-headroom, codec-headroom, delivery',
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
    const peaks = await mixToFiles(
      { frames, dialogue: clipsOf('dialogue'), effects: clipsOf('effects'), music: clipsOf('music'), ...(timeline.ducking ? { ducking: timeline.ducking } : {}) },
      { mix: raw, ...(ctx.params.stems ? { stems: stemFiles } : {}) },
      { localPath: (handle) => ctx.artifacts.localPath(handle), signal: ctx.signal },
    );
    // The blocks' samples (up to about 90 MB beside the render pieces) are garbage now: give their pages back.
    collectGarbage();

    ctx.progress(0.5, 'loudness');
    const finished = join(dir, 'mix.flac');
    const pass: Pass = { signal: ctx.signal, timeoutMs: mixPassDeadlineMs(timeline.duration) };
    const { loudness, gain } = await finish(raw, finished, target, pass);
    // The AAC the join muxes, encoded here because the mix is ready while the picture is still rendering: the join
    // then only copies (the encode is single-threaded and would otherwise sit on the render's critical path).
    const deliveryFile = join(dir, 'mix.m4a');
    const picture = { frames: Math.round(timeline.duration * timeline.fps), fps: timeline.fps, bitrate: profile.encode.audioBitrate };
    const [stems] = await Promise.all([
      ctx.params.stems ? writeStems(ctx, stemFiles, peaks, gain, dir, pass) : Promise.resolve([]),
      encodeDeliveryAudio(finished, deliveryFile, picture, pass),
    ]);
    const delivery: DeliveryAudio = { ...(await ctx.artifacts.put({ path: deliveryFile }, { mime: 'audio/mp4', name: 'mix.m4a', move: true })), ...picture };
    const mixHandle = await storeFlac(ctx, finished, 'mix.flac', { loudness, delivery });
    ctx.progress(1);
    return { mix: mixHandle, stems };
  },
});
