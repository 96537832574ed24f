/**
 * The render, cut into pieces of bounded length whatever the scenes' lengths:
 * a 30-minute scene is some 300 pieces of 6 s, not one 30-minute encode, so
 * pieces encode in parallel (they are the items of the render node) and the
 * runtime's content-keyed cache re-encodes only the pieces an edit touches.
 *
 * A piece never straddles a scene cut, and inside a scene its boundaries fall
 * on whole GOPs of the final encode (a keyframe every `keyframeSeconds` of
 * the profile, counted from the scene's first frame), so the joined video
 * has keyframes where a single encode of the scene would put them. Each piece starts with
 * its own IDR frame and holds whole frames: joined by stream copy, pieces add
 * up to the timeline frame for frame.
 *
 * A piece carries everything its pixels depend on — its slice of the scene
 * clip, the previous scene's tail when it opens a scene with a crossfade, the
 * slices of the overlays, effects and caption cues that fall inside it, the
 * encode settings — and nothing else.
 */
import {
  defineNode,
  nodeParams,
  Type,
  type ArtifactHandle,
  type CaptionCue,
  type ChunkCue,
  type ChunkLayer,
  type RenderChunk,
  type Static,
  type Subtitles,
  type Timeline,
  type TimelineClip,
} from '../../runtime/contract/index.js';
import { assStyles } from '../captions/index.js';
import { pieceEncodingOf } from '../video/piece-encoding.js';
import { inheritedProfile, inheritedProfileParam, KEYFRAME_SECONDS } from '../video/profiles.js';
import { copyableFrom } from './piece-copy.js';
import { isStill } from './filtergraph.js';

export type { ChunkCue, ChunkLayer, RenderChunk };

/**
 * 6 s: three keyframe intervals. Short enough that a 30-minute scene is ~300
 * units that two encoders share evenly and an edit re-encodes seconds, long
 * enough that the per-encode start-up (ffmpeg, opening and seeking the
 * inputs, libass) stays a small share of each piece's time.
 */
export const DEFAULT_PIECE_SECONDS = 6;

export interface PieceRules {
  /** Frames of a full piece (a whole number of keyframe intervals). */
  pieceFrames: number;
  /** The keyframe interval: no piece after the first is shorter, unless the scene is. */
  gopFrames: number;
  /** The first piece holds at least this many frames (a transition into the scene plays inside one piece). */
  headFrames?: number;
  /** The last piece holds at least this many frames (a fade out plays inside one piece). */
  tailFrames?: number;
}

/**
 * Frame counts of the pieces of a scene `frames` long: full pieces from the
 * scene's first frame, the remainder last; a remainder shorter than a
 * keyframe interval (or than the fade it must hold) joins the piece before
 * it, so no piece is a sliver and none is longer than a piece plus one
 * interval. They add up to `frames` exactly.
 */
export function pieceLengths(frames: number, rules: PieceRules): number[] {
  const { gopFrames } = rules;
  const whole = (n: number): number => Math.ceil(n / gopFrames) * gopFrames;
  const first = Math.max(rules.pieceFrames, whole(rules.headFrames ?? 0));
  const lengths: number[] = [];
  let left = frames;
  while (left > 0) {
    const take = Math.min(left, lengths.length === 0 ? first : rules.pieceFrames);
    lengths.push(take);
    left -= take;
  }
  const minimumLast = Math.max(gopFrames, rules.tailFrames ?? 0);
  while (lengths.length > 1 && lengths.at(-1)! < minimumLast) {
    const last = lengths.pop()!;
    lengths[lengths.length - 1]! += last;
  }
  return lengths;
}

/**
 * Frame counts of the pieces of a scene whose clip pieces may copy from: cut
 * at keyframes so that each stretch nothing is laid over (`layered` lists the
 * frame ranges something is) becomes pieces of its own, copied rather than
 * encoded (`copyable` says whether a stretch's frames can be copied). What is
 * left is cut as `pieceLengths` cuts a scene. Without a copyable stretch, the
 * same lengths as `pieceLengths`.
 */
export function copyAwareLengths(
  frames: number,
  rules: PieceRules,
  layered: ReadonlyArray<readonly [number, number]>,
  copyable: (from: number, length: number) => boolean,
): number[] {
  const { gopFrames, pieceFrames } = rules;
  const runs: Array<{ from: number; to: number; copy: boolean }> = [];
  for (let from = 0; from < frames; from += gopFrames) {
    const to = Math.min(frames, from + gopFrames);
    const copy = !layered.some(([start, end]) => start < to && end > from) && copyable(from, to - from);
    const run = runs.at(-1);
    if (run && run.copy === copy) run.to = to;
    else runs.push({ from, to, copy });
  }
  return runs.flatMap(({ from, to, copy }) => {
    if (!copy) return pieceLengths(to - from, { pieceFrames, gopFrames, ...(from === 0 ? { headFrames: rules.headFrames } : {}), ...(to === frames ? { tailFrames: rules.tailFrames } : {}) });
    const lengths: number[] = [];
    for (let at = from; at < to; at += pieceFrames) lengths.push(Math.min(pieceFrames, to - at));
    return lengths;
  });
}

const overlapping = (clip: { start: number; duration: number }, from: number, to: number): boolean => clip.start < to && clip.start + clip.duration > from;

/**
 * Where to read a layer from: `wanted` seconds into the media, or, past the
 * end of media that is shorter than its clip, its last frame (held by the
 * filtergraph), so a piece beyond the end of a short scene clip still shows
 * the held frame instead of reading nothing.
 */
function readPoint(media: ArtifactHandle, wanted: number, fps: number): number {
  const length = media.duration;
  return length !== undefined && length > 0 ? Math.max(0, Math.min(wanted, length - 1 / fps)) : wanted;
}

export function planChunks(timeline: Timeline, cues: readonly CaptionCue[], options: ChunkOptions): RenderChunk[] {
  const profile = inheritedProfile(options.profile, timeline);
  const { fps } = timeline;
  const scenes = timeline.tracks.find((track) => track.kind === 'video')?.clips ?? [];
  const overlays = timeline.tracks.filter((track) => track.kind === 'overlay').flatMap((track) => track.clips);
  const effects = timeline.tracks.filter((track) => track.kind === 'effects').flatMap((track) => track.clips).filter((clip) => clip.effect);
  const frameAt = (seconds: number): number => Math.round(seconds * fps);
  // A loop, not Math.max(...spread): a long essay has thousands of lines.
  let fitCharacters = 1;
  for (const cue of cues) for (const line of cue.text.split('\n')) fitCharacters = Math.max(fitCharacters, [...line].length);
  const encode = pieceEncodingOf(profile, fps);
  const gopFrames = encode.keyframeInterval;
  const pieceFrames = Math.max(1, Math.round((options.pieceSeconds ?? DEFAULT_PIECE_SECONDS) / profile.encode.keyframeSeconds)) * gopFrames;

  const chunks: RenderChunk[] = [];
  scenes.forEach((scene, sceneIndex) => {
    const previous = scenes[sceneIndex - 1];
    const next = scenes[sceneIndex + 1];
    const transition = scene.transitionIn && scene.transitionIn.kind !== 'cut' ? scene.transitionIn : undefined;
    const fadeOut = next?.transitionIn?.kind === 'dip' ? next.transitionIn.duration / 2 : undefined;
    const sceneFrame = frameAt(scene.start);
    const sceneFrames = frameAt(scene.start + scene.duration) - sceneFrame;
    const rules = { pieceFrames, gopFrames, headFrames: transition ? Math.ceil(transition.duration * fps) : 0, tailFrames: fadeOut ? Math.ceil(fadeOut * fps) : 0 };
    // Frames (from the scene's first) something is laid over, widened to whole frames.
    const within = (start: number, end: number): [number, number] => [Math.floor(start * fps) - sceneFrame, Math.ceil(end * fps) - sceneFrame];
    const layered: Array<[number, number]> = [
      [0, rules.headFrames],
      [sceneFrames - rules.tailFrames, sceneFrames],
      ...[...overlays, ...effects].map((clip) => within(clip.start, clip.start + clip.duration)),
      ...(options.captions !== 'none' ? cues.map((cue) => within(cue.start, cue.end)) : []),
    ];
    const lengths = copyAwareLengths(
      sceneFrames,
      rules,
      layered,
      (from, length) => scene.media !== undefined && copyableFrom(scene.media, scene.sourceIn + from / fps, length, { width: timeline.width, height: timeline.height, fps, encode }) !== undefined,
    );
    let offset = 0;
    lengths.forEach((frames, part) => {
      const first = part === 0;
      const last = part === lengths.length - 1;
      const from = (sceneFrame + offset) / fps;
      const to = (sceneFrame + offset + frames) / fps;
      const intoScene = offset / fps;
      offset += frames;
      const slice = (clip: TimelineClip): ChunkLayer => {
        const media = clip.media!;
        const into = clip.sourceIn + Math.max(0, from - clip.start);
        const looped = clip.loop === true && !isStill(media) && media.duration !== undefined && media.duration > 0;
        return {
          media,
          // A still has one picture to read, whatever the time; a loop is read from its start, and starts `sourceIn` in.
          sourceIn: isStill(media) ? 0 : looped ? into % media.duration! : readPoint(media, into, fps),
          start: Math.max(0, clip.start - from),
          duration: Math.min(clip.start + clip.duration, to) - Math.max(clip.start, from),
          ...(clip.position ? { position: { ...clip.position } } : {}),
          ...(looped ? { loop: true } : {}),
        };
      };
      const outgoing =
        first && transition?.kind === 'crossfade' && previous?.media
          ? { media: previous.media, sourceIn: readPoint(previous.media, previous.sourceIn + previous.duration, fps), start: 0, duration: transition.duration }
          : undefined;
      const pieceCues = cues
        .filter((cue) => cue.start < to && cue.end > from)
        .map((cue) => ({
          start: Math.max(0, cue.start - from),
          end: Math.min(to, cue.end) - from,
          text: cue.text,
          ...(cue.speaker ? { speaker: cue.speaker } : {}),
          // Words spoken before the piece starts come out at negative times: the captions show them as already said.
          ...(cue.words ? { words: cue.words.map((word) => ({ word: word.word, start: word.start - from, end: word.end - from })) } : {}),
        }));
      chunks.push({
        index: chunks.length,
        sceneId: scene.sceneId ?? scene.id,
        title: scene.text ?? scene.id,
        part,
        parts: lengths.length,
        start: from,
        frames,
        width: timeline.width,
        height: timeline.height,
        fps,
        encode,
        base: { media: scene.media!, sourceIn: readPoint(scene.media!, scene.sourceIn + intoScene, fps), start: 0, duration: frames / fps },
        ...(outgoing ? { outgoing } : {}),
        ...(first && transition ? { transitionIn: transition } : {}),
        ...(last && fadeOut ? { fadeOut } : {}),
        overlays: overlays.filter((clip) => clip.media && overlapping(clip, from, to)).map(slice),
        effects: effects
          .filter((clip) => overlapping(clip, from, to))
          .map((clip) => ({ effect: clip.effect!, start: Math.max(0, clip.start - from), duration: Math.min(clip.start + clip.duration, to) - Math.max(clip.start, from) })),
        ...(options.captions !== 'none' && pieceCues.length > 0 ? { captions: { cues: pieceCues, style: options.captions, highlightWords: options.highlightWords, fitCharacters } } : {}),
      });
    });
  });
  return chunks;
}

const chunkParams = nodeParams({
  profile: inheritedProfileParam('Encode settings (the picture size comes from the timeline). Default: the timeline’s profile.'),
  captions: Type.Unsafe<string>({ type: 'string', title: 'Burned-in captions', enum: ['none', ...Object.keys(assStyles)], default: 'none', description: 'A caption style, or none. Sidecar SRT/VTT are exported either way.' }),
  highlightWords: Type.Boolean({ title: 'Highlight each word as it is spoken', default: false }),
  /** Target length of a piece; rounded to whole keyframe intervals. */
  pieceSeconds: Type.Number({
    title: 'Render piece length (s)',
    minimum: KEYFRAME_SECONDS,
    maximum: 60,
    default: DEFAULT_PIECE_SECONDS,
    description: `Each piece is one cached, parallel encode; rounded to whole keyframe intervals (${KEYFRAME_SECONDS} s).`,
  }),
});
export type ChunkOptions = Static<typeof chunkParams>;

export default defineNode({
  type: 'assembly.chunks',
  version: 1,
  title: 'Render plan',
  category: 'assembly',
  description: 'Cuts the timeline into render pieces of a few seconds (whole keyframe intervals, never across a scene cut), so pieces encode in parallel and an edit re-encodes only the pieces it touches.',
  inputs: [
    { name: 'timeline', type: 'Timeline', title: 'Timeline' },
    { name: 'subtitles', type: 'Subtitles', optional: true, title: 'Captions to burn in' },
  ],
  outputs: [{ name: 'chunks', type: 'RenderChunk', list: true, title: 'Chunks' }],
  params: chunkParams,
  resource: 'light',
  cacheable: true,
  // Plans cached before pieces (one chunk per scene), or before pieces could copy scene clips, must not be reused.
  cacheIdentity: () => 'pieces-copying',
  async execute({ inputs, params }) {
    const cues = ((inputs.subtitles as Partial<Subtitles> | undefined)?.cues ?? []);
    return { chunks: planChunks(inputs.timeline as Timeline, cues, params) };
  },
});
