/**
 * The render, cut into one chunk per scene. A chunk carries everything its
 * pixels depend on — its scene clip, the previous scene's tail under a
 * crossfade, its overlays, effects and caption cues, the encode settings —
 * and nothing else, so the runtime's content-keyed cache re-encodes exactly
 * the chunks an edit touches. Chunks are whole frames: joined by stream copy,
 * they add up to the timeline frame for frame.
 */
import { defineNode, type ArtifactHandle, type Timeline, type TimelineClip, type Transition } from '../../runtime/contract/index.js';
import { assStyles } from '../captions/index.js';
import { inheritedProfile, inheritedProfileParamSchema, type RenderProfileName } from '../video/profiles.js';

export interface ChunkLayer {
  media: ArtifactHandle;
  /** Seconds into the media. */
  sourceIn: number;
  /** Seconds from the chunk's start. */
  start: number;
  duration: number;
}

export interface ChunkCue {
  start: number;
  end: number;
  text: string;
  words?: Array<{ word: string; start: number; end: number }>;
  speaker?: string;
}

export interface RenderChunk {
  index: number;
  sceneId: string;
  title: string;
  /** Seconds on the episode's clock (for reports; the chunk's pixels do not depend on it). */
  start: number;
  frames: number;
  width: number;
  height: number;
  fps: number;
  encode: { preset: string; crf: number };
  base: ChunkLayer;
  /** The previous scene continuing under a crossfade into this one. */
  outgoing?: ChunkLayer;
  transitionIn?: Transition;
  /** Fade to black at the end (the first half of a dip into the next scene). */
  fadeOut?: number;
  overlays: ChunkLayer[];
  effects: Array<{ effect: 'glitch' | 'flash'; start: number; duration: number }>;
  /** Cue times are seconds from the chunk's start; `fitCharacters` keeps the text one size across chunks. */
  captions?: { cues: ChunkCue[]; style: string; highlightWords: boolean; fitCharacters: number };
}

export interface ChunkOptions {
  profile?: RenderProfileName;
  captions: string;
  highlightWords: boolean;
}

interface Cue {
  start: number;
  end: number;
  text: string;
  words?: ChunkCue['words'];
  speaker?: string;
}

const within = (clip: { start: number; duration: number }, from: number, to: number): boolean => clip.start < to && clip.start + clip.duration > from;

export function planChunks(timeline: Timeline, cues: readonly Cue[], options: ChunkOptions): RenderChunk[] {
  const profile = inheritedProfile(options.profile, timeline);
  const { fps } = timeline;
  const scenes = timeline.tracks.find((track) => track.kind === 'video')?.clips ?? [];
  const overlays = timeline.tracks.filter((track) => track.kind === 'overlay').flatMap((track) => track.clips);
  const effects = timeline.tracks.filter((track) => track.kind === 'effects').flatMap((track) => track.clips).filter((clip) => clip.effect);
  const startFrame = (seconds: number): number => Math.round(seconds * fps);
  const fitCharacters = Math.max(1, ...cues.flatMap((cue) => cue.text.split('\n').map((line) => [...line].length)));

  return scenes.map((scene, index): RenderChunk => {
    const from = scene.start;
    const frames = startFrame(scene.start + scene.duration) - startFrame(scene.start);
    const to = from + frames / fps;
    const relative = (clip: TimelineClip): ChunkLayer => ({ media: clip.media!, sourceIn: clip.sourceIn + Math.max(0, from - clip.start), start: Math.max(0, clip.start - from), duration: Math.min(clip.start + clip.duration, to) - Math.max(clip.start, from) });
    const previous = scenes[index - 1];
    const next = scenes[index + 1];
    const transition = scene.transitionIn;
    const outgoing =
      transition?.kind === 'crossfade' && previous?.media
        ? { media: previous.media, sourceIn: previous.sourceIn + previous.duration, start: 0, duration: transition.duration }
        : undefined;
    const chunkCues = cues
      .filter((cue) => cue.start < to && cue.end > from)
      .map((cue) => ({
        start: Math.max(0, cue.start - from),
        end: Math.min(to, cue.end) - from,
        text: cue.text,
        ...(cue.speaker ? { speaker: cue.speaker } : {}),
        ...(cue.words ? { words: cue.words.map((word) => ({ word: word.word, start: word.start - from, end: word.end - from })) } : {}),
      }));
    return {
      index,
      sceneId: scene.sceneId ?? scene.id,
      title: scene.text ?? scene.id,
      start: from,
      frames,
      width: timeline.width,
      height: timeline.height,
      fps,
      encode: { preset: profile.encode.preset, crf: profile.encode.crf },
      base: { media: scene.media!, sourceIn: scene.sourceIn, start: 0, duration: frames / fps },
      ...(outgoing ? { outgoing } : {}),
      ...(transition && transition.kind !== 'cut' ? { transitionIn: transition } : {}),
      ...(next?.transitionIn?.kind === 'dip' ? { fadeOut: next.transitionIn.duration / 2 } : {}),
      overlays: overlays.filter((clip) => clip.media && within(clip, from, to)).map(relative),
      effects: effects.filter((clip) => within(clip, from, to)).map((clip) => ({ effect: clip.effect!, start: Math.max(0, clip.start - from), duration: clip.duration })),
      ...(options.captions !== 'none' && chunkCues.length > 0 ? { captions: { cues: chunkCues, style: options.captions, highlightWords: options.highlightWords, fitCharacters } } : {}),
    };
  });
}

export default defineNode<ChunkOptions>({
  type: 'assembly.chunks',
  version: 1,
  title: 'Render plan',
  category: 'assembly',
  description: 'Cuts the timeline into one render chunk per scene, so an edit re-encodes only the scenes it touches.',
  inputs: [
    { name: 'timeline', type: 'Timeline', title: 'Timeline' },
    { name: 'subtitles', type: 'Subtitles', optional: true, title: 'Captions to burn in' },
  ],
  outputs: [{ name: 'chunks', type: 'Json', list: true, title: 'Chunks' }],
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      profile: { ...inheritedProfileParamSchema, description: 'Encode settings (the picture size comes from the timeline). Default: the timeline’s profile.' },
      captions: { type: 'string', title: 'Burned-in captions', enum: ['none', ...Object.keys(assStyles)], default: 'none', description: 'A caption style, or none. Sidecar SRT/VTT are exported either way.' },
      highlightWords: { type: 'boolean', title: 'Highlight each word as it is spoken', default: false },
    },
  },
  resource: 'cpu',
  cacheable: true,
  async execute({ inputs, params }) {
    const cues = ((inputs.subtitles as { cues?: Cue[] } | undefined)?.cues ?? []);
    return { chunks: planChunks(inputs.timeline as Timeline, cues, params) };
  },
});
