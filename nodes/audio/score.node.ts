/**
 * audio.score: the episode's score, synthesised offline — no key, no
 * download, no sample files. From the script's scene briefs and the scene
 * plan it makes, as audio clips placed on the episode's clock:
 *
 * - a music bed per run of scenes of one mood (`[music: tense]` switches the
 *   style from the cue on), crossfaded between styles;
 * - room tone and ambience per run of scenes of one brief (setting,
 *   weather, indoors): hum and fans, rain, wind, traffic, waves…;
 * - effects at the picture's events: each terminal overlay's keystrokes,
 *   Enter, printed lines, power-on and power-off; `[glitch]` hits; `[sfx: …]`
 *   cues by keyword.
 *
 * assembly.timeline lays them on its music and effects tracks (its `score`
 * input); audio.mix ducks the music under dialogue. Every clip is rendered a
 * block at a time straight into ffmpeg (FLAC), so a long episode costs no
 * more memory than a short one, and the same seed gives the same bytes. Each
 * clip is kept under a key of what its samples depend on (never where it
 * sits), so an edit synthesises again only the clips it changed.
 */
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, Type, type Static, type ArtifactHandle, type AudioClip, type NodeContext, type Overlay, type ScenePlan, type Script, isArtifactHandle } from '../../runtime/contract/index.js';
import type { OverlayEvent } from '../../runtime/contract/port-values.js';
import { ambienceKey, ambienceSource, type AmbienceBrief } from './synth/ambience.js';
import { dbToGain, fadeGain, hashString, SAMPLE_RATE, type StereoSource } from './synth/dsp.js';
import { hitSeconds, hitsSource, sfxKind, type Hit } from './synth/effects.js';
import { encodeSource } from './synth/encode.js';
import { MOOD_WORDS } from '../script/engine/vocabulary.js';
import { musicStyleNames, renderMusic, styleForMood, type MusicStyleName } from './synth/music.js';

const params = nodeParams({
  seed: Type.Integer({ title: 'Seed', minimum: 0, maximum: 2 ** 31 - 1, default: 1, description: 'The same seed gives the same score, sample for sample.' }),
  music: Type.Boolean({ title: 'Music bed', default: true, description: 'A bed per scene mood, ducked under dialogue by the mix.' }),
  musicStyle: Type.Optional(
    Type.Unsafe<MusicStyleName>({ type: 'string', enum: musicStyleNames, title: 'Music style (every scene)', description: `Unset: each scene’s mood (${musicStyleNames.join(', ')}; neutral when the brief has none).` }),
  ),
  musicLevelDb: Type.Number({ title: 'Music level (dBFS RMS)', minimum: -60, maximum: -6, default: -26 }),
  ambience: Type.Boolean({ title: 'Ambience', default: true, description: 'Room tone, and what the brief’s setting and weather say (hum, rain, wind, traffic, waves…).' }),
  ambienceLevelDb: Type.Number({ title: 'Ambience level (dBFS RMS)', minimum: -70, maximum: -12, default: -42 }),
  effects: Type.Boolean({ title: 'Effects', default: true, description: 'Terminal keystrokes, power-on and -off, glitch hits and [sfx: …] cues.' }),
  effectsLevelDb: Type.Number({ title: 'Effects level (dBFS peak)', minimum: -60, maximum: 0, default: -12 }),
  fadeSeconds: Type.Number({ title: 'Crossfade between scenes (s)', minimum: 0, maximum: 10, default: 1.5 }),
});
type Params = Static<typeof params>;

interface Span<K> {
  start: number;
  end: number;
  key: K;
  sceneId: string;
}

/** Adjacent spans with one key become one. */
function merge<K>(spans: Span<K>[]): Span<K>[] {
  const merged: Span<K>[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && last.key === span.key && Math.abs(last.end - span.start) < 1e-6) last.end = span.end;
    else if (span.end > span.start) merged.push({ ...span });
  }
  return merged;
}

const MUSIC_STOP = /\b(stop|stops|off|out|none|silence|silent|cut|ends?)\b/iu;

/**
 * `[music: tense]` (or a word for it: "suspense") → tense; `[music: stop]`
 * (off, out, fade out, silence) → no bed from the cue on (the ambience
 * still plays); a cue naming neither keeps the current style.
 */
export function styleOfCue(raw: string): MusicStyleName | 'none' | undefined {
  const text = raw.replace(/^[^:]*:/u, '').toLowerCase();
  const words = text.split(/[^a-z]+/u);
  const named = musicStyleNames.find((name) => words.includes(name));
  if (named) return named;
  for (const [mood, phrases] of Object.entries(MOOD_WORDS)) {
    if (phrases.some((phrase) => words.includes(phrase))) return styleForMood(mood);
  }
  return MUSIC_STOP.test(text) ? 'none' : undefined;
}

/** The episode's music as runs of one style, from the scenes' moods and `[music: …]` cues. */
export function musicSpans(script: Script, plan: ScenePlan, override?: MusicStyleName): Span<MusicStyleName | 'none'>[] {
  const briefs = new Map(script.scenes.map((scene) => [scene.id, scene.brief]));
  const spans: Span<MusicStyleName | 'none'>[] = [];
  for (const scene of plan.scenes) {
    let style: MusicStyleName | 'none' = override ?? styleForMood(briefs.get(scene.id)?.mood);
    let start = scene.start;
    for (const event of scene.events) {
      const cue = event.segment.kind === 'cue' ? event.segment.cue : undefined;
      const next = cue?.type === 'music' && !override ? styleOfCue(cue.raw) : undefined;
      if (!next || next === style) continue;
      spans.push({ start, end: event.start, key: style, sceneId: scene.id });
      [style, start] = [next, event.start];
    }
    spans.push({ start, end: scene.start + scene.duration, key: style, sceneId: scene.id });
  }
  return merge(spans);
}

export function ambienceSpans(script: Script, plan: ScenePlan): Array<Span<string> & { brief: AmbienceBrief }> {
  const briefs = new Map(script.scenes.map((scene) => [scene.id, scene.brief]));
  const spans = plan.scenes.map((scene) => {
    const brief = briefs.get(scene.id);
    const ambience: AmbienceBrief = { ...(brief?.setting ? { setting: brief.setting } : {}), ...(brief?.weather ? { weather: brief.weather } : {}), ...(brief?.interior !== undefined ? { interior: brief.interior } : {}), ...(brief?.timeOfDay ? { timeOfDay: brief.timeOfDay } : {}) };
    return { start: scene.start, end: scene.start + scene.duration, key: ambienceKey(ambience), sceneId: scene.id, brief: ambience };
  });
  const merged: Array<Span<string> & { brief: AmbienceBrief }> = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && last.key === span.key) last.end = span.end;
    else if (span.end > span.start) merged.push({ ...span });
  }
  return merged;
}

/** What the picture does that should be heard, per plan event: overlay events, `[glitch]` and `[sfx: …]` cues. */
export function effectClips(plan: ScenePlan, overlays: readonly Overlay[] = []): Array<{ id: string; start: number; duration: number; sceneId: string; segmentId: string; hits: Hit[] }> {
  const clips: Array<{ id: string; start: number; duration: number; sceneId: string; segmentId: string; hits: Hit[] }> = [];
  const overlayBySegment = new Map(overlays.filter((overlay) => overlay.segmentId).map((overlay) => [overlay.segmentId!, overlay]));
  for (const scene of plan.scenes) {
    for (const event of scene.events) {
      const { segment } = event;
      let hits: Hit[] = [];
      let role = 'sfx';
      const events = (overlayBySegment.get(segment.id) ?? event.overlay)?.events as OverlayEvent[] | undefined;
      if (events?.length) {
        hits = events.map((e) => ({ time: e.time, kind: e.kind }));
        role = 'overlay';
      } else if (segment.kind === 'cue' && segment.cue?.type === 'glitch') {
        hits = [{ time: 0, kind: 'glitch' }];
        role = 'glitch';
      } else if (segment.kind === 'cue' && segment.cue?.type === 'sfx') {
        hits = [{ time: 0, kind: sfxKind(segment.cue.raw.replace(/^[^:]*:/u, '')) }];
      }
      if (hits.length === 0) continue;
      const ring = Math.max(...hits.map((hit) => hit.time + hitSeconds[hit.kind]));
      clips.push({ id: `${segment.id}-${role}`, start: event.start, duration: Math.max(ring, 0.05), sceneId: scene.id, segmentId: segment.id, hits });
    }
  }
  return clips;
}

/**
 * A music bed `frames` long with raised-cosine fades of `fadeIn` / `fadeOut`
 * seconds, on its own clock (from its first frame): a bed that moves with an
 * edit but keeps its length and fades is the same bed, and is kept.
 */
function musicSource(style: MusicStyleName, seed: number, frames: number, fadeIn: number, fadeOut: number, levelDb: number): StereoSource {
  const fadeInFrames = Math.round(fadeIn * SAMPLE_RATE);
  const fadeOutFrames = Math.round(fadeOut * SAMPLE_RATE);
  // The styles sit near −20 dBFS RMS at unity (see musicStyles' norm).
  const level = dbToGain(levelDb + 20);
  return {
    render(out, from, count) {
      renderMusic(style, seed, from, count, out, (i) => level * Math.min(fadeGain(from + i, fadeInFrames), fadeGain(frames - (from + i), fadeOutFrames)));
    },
  };
}

/** A clip an earlier run made under this key, when its media is still in the store. */
async function keptClip(ctx: NodeContext<Params>, key: unknown): Promise<ArtifactHandle | undefined> {
  const clip = (await ctx.parts?.get(key))?.clip;
  return isArtifactHandle(clip) && (await ctx.artifacts.has(clip.hash)) ? clip : undefined;
}

/**
 * A clip's audio, synthesised and stored — or, when an earlier run made one
 * under the same key (what its samples depend on: never where it sits),
 * that one. Says whether it was synthesised.
 */
async function store(
  ctx: NodeContext<Params>,
  key: Record<string, unknown>,
  source: () => StereoSource,
  frames: number,
  name: string,
  extra: Partial<AudioClip> & { stem: 'music' | 'effects'; start: number },
): Promise<{ clip: AudioClip; made: boolean }> {
  const partKey = { ...key, frames, version: SYNTH_VERSION };
  const kept = await keptClip(ctx, partKey);
  let handle = kept;
  if (!handle) {
    const path = join(await ctx.tempDir(), name);
    await encodeSource(source(), frames, path, ctx.signal);
    handle = await ctx.artifacts.put({ path }, { mime: 'audio/flac', name, move: true });
    await ctx.parts?.put(partKey, { clip: handle });
  }
  return { clip: { ...handle, name, duration: frames / SAMPLE_RATE, provider: 'audio.score', ...extra }, made: !kept };
}

/** Bump when the synthesis changes what a key's samples are. */
const SYNTH_VERSION = 1;

const framesOf = (seconds: number): number => Math.max(1, Math.round(seconds * SAMPLE_RATE));

export default defineNode({
  type: 'audio.score',
  version: 1,
  title: 'Score',
  category: 'audio',
  description:
    'Synthesises the episode’s score offline and deterministically: a music bed chosen from each scene’s mood, room tone and ambience from its brief (hum, rain, wind, traffic…), and effects at the picture’s events (terminal keystrokes, power-on, glitch hits, [sfx: …] cues). Feed its clips to the timeline’s score input.',
  inputs: [
    { name: 'script', type: 'Script', title: 'Script', description: 'Scene briefs: mood, setting, weather.' },
    { name: 'plan', type: 'ScenePlan', title: 'Scene plan', description: 'When each scene, cue and overlay happens.' },
    { name: 'overlays', type: 'Overlay', list: true, optional: true, title: 'Overlays', description: 'Terminal overlays, for their keystrokes and power-on (else those the plan carries).' },
  ],
  outputs: [{ name: 'clips', type: 'AudioClip', list: true, title: 'Score clips', description: 'Each placed (`start`, seconds on the episode’s clock) on a stem: music or effects.' }],
  params,
  // Not 'cpu', where drawing holds the one slot: traced, the score (seconds of single-threaded synthesis the timeline
  // waits for) queued behind every scene and ran after them with a core idle, and an edit's redrawn scene waited for it.
  // Beside the drawing it overlaps the scenes; the other assembly work (mix, pieces) starts only after the timeline.
  resource: 'assembly',
  cacheable: true,
  async execute(ctx) {
    const { params } = ctx;
    const script = ctx.inputs.script as Script;
    const plan = ctx.inputs.plan as ScenePlan;
    const total = plan.duration;
    if (!(total > 0)) throw new PermanentError('the scene plan is empty: nothing to score', { location: { port: 'plan' } });
    const fade = params.fadeSeconds;
    const jobs: Array<() => Promise<{ clip: AudioClip; made: boolean }>> = [];

    // A bed runs half a fade into its neighbours on each side, so two beds cross over the cut; the episode's ends fade briefly.
    const bed = <K>(span: Span<K>, index: number, count: number) => {
      const start = index === 0 ? 0 : Math.max(0, span.start - fade / 2);
      const end = index === count - 1 ? total : Math.min(total, span.end + fade / 2);
      return { start, seconds: end - start, fadeIn: index === 0 ? 0.02 : fade, fadeOut: index === count - 1 ? Math.min(1, (end - start) / 4) : fade };
    };
    if (params.music) {
      const spans = musicSpans(script, plan, params.musicStyle);
      spans.forEach((span, index) => {
        const style = span.key;
        if (style === 'none') return;
        const { start, seconds, fadeIn, fadeOut } = bed(span, index, spans.length);
        const frames = framesOf(seconds);
        const key = { kind: 'music', style, seed: params.seed, fadeIn, fadeOut, levelDb: params.musicLevelDb };
        const source = () => musicSource(style, params.seed, frames, fadeIn, fadeOut, params.musicLevelDb);
        jobs.push(() => store(ctx, key, source, frames, `music-${index + 1}-${style}.flac`, { stem: 'music', start, sceneId: span.sceneId }));
      });
    }
    if (params.ambience) {
      const spans = ambienceSpans(script, plan);
      spans.forEach((span, index) => {
        const { start, seconds, fadeIn, fadeOut } = bed(span, index, spans.length);
        const frames = framesOf(seconds);
        const options = { seed: (params.seed ^ hashString(span.sceneId)) >>> 0, levelDb: params.ambienceLevelDb, frames, fadeIn: Math.round(fadeIn * SAMPLE_RATE), fadeOut: Math.round(fadeOut * SAMPLE_RATE) };
        const key = { kind: 'ambience', brief: span.brief, ...options };
        jobs.push(() => store(ctx, key, () => ambienceSource(span.brief, options), frames, `ambience-${index + 1}.flac`, { stem: 'effects', start, sceneId: span.sceneId }));
      });
    }
    if (params.effects) {
      for (const clip of effectClips(plan, (ctx.inputs.overlays ?? []) as Overlay[])) {
        const frames = framesOf(Math.min(clip.duration, Math.max(0.05, total - clip.start)));
        const options = { seed: (params.seed ^ hashString(clip.id)) >>> 0, levelDb: params.effectsLevelDb };
        const key = { kind: 'hits', hits: clip.hits, ...options };
        jobs.push(() => store(ctx, key, () => hitsSource(clip.hits, options), frames, `${clip.id}.flac`, { stem: 'effects', start: clip.start, sceneId: clip.sceneId, segmentId: clip.segmentId }));
      }
    }

    const clips = new Array<AudioClip>(jobs.length);
    let next = 0;
    let done = 0;
    let made = 0;
    const worker = async (): Promise<void> => {
      while (next < jobs.length) {
        const index = next++;
        const result = await jobs[index]!();
        clips[index] = result.clip;
        if (result.made) made++;
        ctx.progress(++done / jobs.length, `${done}/${jobs.length} clips`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(2, jobs.length) }, worker));
    if (made < jobs.length) ctx.log.info(`synthesised ${made} of ${jobs.length} clips; the other ${jobs.length - made} are from an earlier run`);
    return { clips };
  },
});
