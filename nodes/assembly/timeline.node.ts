import { basename, extname } from 'node:path';
import { defineNode, nodeParams, PermanentError, transitionKinds, Type, type Static, type ArtifactHandle, type AudioClip, type NodeContext, type Overlay, type ScenePlan, type ScenePlanEvent, type Script, type Timeline, type TimelineClip, type Track, type TransitionKind, type VideoClip } from '../../runtime/contract/index.js';
import { extensionsOf, mimeOfExtension } from '../assets/media-types.js';
import { assetRootsParamSchema, digestAssetFiles, permittedAssetRoots, resolveAsset } from '../assets/asset-roots.js';
import { formatParams, resolveFormat } from '../video/profiles.js';

const params = nodeParams({
  ...formatParams,
  transition: Type.Unsafe<TransitionKind>({ type: 'string', title: 'Transition between scenes', enum: [...transitionKinds], default: 'crossfade' }),
  transitionSeconds: Type.Number({ title: 'Transition length (s)', minimum: 0, maximum: 3, default: 0.5 }),
  music: Type.Optional(Type.String({ title: 'Music bed', description: 'An audio file in the asset roots; looped or cut to the episode. Replaces the score’s music clips.' })),
  musicGainDb: Type.Number({ title: 'Music level (dB)', minimum: -60, maximum: 0, default: -16 }),
  duckingDb: Type.Number({ title: 'Ducking under voice (dB)', minimum: 0, maximum: 40, default: 12 }),
  cueSounds: Type.Unsafe<Record<string, string>>({
    type: 'object',
    title: 'Sound effects at cues',
    description: 'Cue word → audio file, e.g. { "glitch": "sfx/glitch.wav" }.',
    additionalProperties: { type: 'string', minLength: 1 },
    default: {},
  }),
  /** Narrows the deployment's asset roots; unset: all of them. */
  assetRoots: Type.Optional(Type.Unsafe<string[]>({ ...assetRootsParamSchema })),
});
type Params = Static<typeof params>;

function mimeOf(path: string, param: string): string {
  const mime = mimeOfExtension(extname(path));
  if (!mime?.startsWith('audio/')) throw new PermanentError(`"${path}" is not an audio file this node reads (${extensionsOf('audio').join(' ')})`, { location: { param } });
  return mime;
}

async function importAsset(ctx: NodeContext<Params>, path: string, param: string): Promise<ArtifactHandle> {
  const file = resolveAsset(path, permittedAssetRoots(ctx.params.assetRoots), { param });
  const handle = await ctx.artifacts.put({ path: file }, { mime: mimeOf(file, param), name: basename(path) });
  if (!(handle.duration && handle.duration > 0)) throw new PermanentError(`"${path}" has no audio ffprobe can measure`, { location: { param } });
  return handle;
}

function dialogueClip(event: ScenePlanEvent): TimelineClip | undefined {
  const { audio, segment } = event;
  if (!audio) return undefined;
  return {
    id: segment.id,
    start: event.start,
    duration: audio.duration ?? event.duration,
    media: audio,
    sourceIn: 0,
    sceneId: segment.sceneId,
    segmentId: segment.id,
    text: segment.displayText,
    ...(segment.speaker ? { speaker: segment.speaker } : {}),
    ...(audio.words ? { words: audio.words.map((word) => ({ word: word.word, start: event.start + word.start, end: event.start + word.end })) } : {}),
  };
}

/**
 * An overlay on the timeline at its segment's time: its one clip, or its layers, bottom first, each for its own part
 * of the overlay's time.
 */
function overlayClips(overlay: Overlay, event: ScenePlanEvent): TimelineClip[] {
  const base = { sourceIn: 0, sceneId: event.segment.sceneId, segmentId: event.segment.id };
  const id = `${event.segment.id}-overlay`;
  if (overlay.layers) {
    return overlay.layers.map((layer) => ({
      ...base,
      id: `${id}-${layer.name}`,
      start: event.start + layer.start,
      duration: layer.duration,
      media: layer.clip,
      ...(layer.position ? { position: { ...layer.position } } : {}),
      ...(layer.loop ? { loop: true } : {}),
    }));
  }
  if (!overlay.clip) return [];
  return [{ ...base, id, start: event.start, duration: overlay.duration ?? event.duration, media: overlay.clip, ...(overlay.position ? { position: { ...overlay.position } } : {}) }];
}

/** The score's clips as timeline clips by track, each where it says (`start`), cut at the episode's end. */
function scoreClips(clips: readonly AudioClip[], total: number): { music: TimelineClip[]; effects: TimelineClip[] } {
  const placed = { music: [] as TimelineClip[], effects: [] as TimelineClip[] };
  const ids = new Set<string>();
  clips.forEach((clip, index) => {
    const track = clip.stem === 'music' ? placed.music : clip.stem === 'effects' || clip.stem === undefined ? placed.effects : undefined;
    if (!track) throw new PermanentError(`score clip ${index} is for the "${clip.stem}" stem; the timeline places music and effects`, { location: { port: 'score' } });
    if (!(clip.duration && clip.duration > 0)) throw new PermanentError(`score clip ${index} (${clip.name ?? clip.hash}) has no duration`, { location: { port: 'score' } });
    const start = clip.start ?? 0;
    const duration = Math.min(clip.duration, total - start);
    if (!(duration > 0)) return;
    const base = `score-${(clip.name ?? String(index)).replace(/\.[^.]+$/u, '')}`;
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    const { start: _start, stem: _stem, sceneId, segmentId, provider: _provider, ...media } = clip;
    track.push({ id, start, duration, media, sourceIn: 0, ...(sceneId ? { sceneId } : {}), ...(segmentId ? { segmentId } : {}) });
  });
  placed.music.sort((a, b) => a.start - b.start);
  return placed;
}

export default defineNode({
  type: 'assembly.timeline',
  version: 1,
  title: 'Timeline',
  category: 'assembly',
  description: 'Places every scene, voice line, terminal overlay, cue effect and the music bed on one timeline, with transitions between scenes.',
  inputs: [
    { name: 'script', type: 'Script', title: 'Script' },
    { name: 'plan', type: 'ScenePlan', title: 'Scene plan' },
    { name: 'scenes', type: 'VideoClip', list: true, title: 'Scene clips', description: 'One per scene, matched by scene id.' },
    { name: 'overlays', type: 'Overlay', list: true, optional: true, title: 'Overlays' },
    {
      name: 'score',
      type: 'AudioClip',
      list: true,
      optional: true,
      title: 'Score',
      description: 'Placed audio clips (audio.score): each at its `start`, on the music track (ducked under dialogue) or the effects track, as its `stem` says.',
    },
  ],
  outputs: [{ name: 'timeline', type: 'Timeline', title: 'Timeline' }],
  params,
  resource: 'light',
  cacheable: true,
  // The mix depends on the music and sound files' bytes, not only their names: replacing a file re-places it.
  cacheKeyInputs(inputs, params) {
    let sounds: unknown;
    try {
      const roots = permittedAssetRoots(params.assetRoots);
      const paths = [...(params.music ? [params.music] : []), ...Object.values(params.cueSounds)];
      sounds = digestAssetFiles(paths.map((path) => resolveAsset(path, roots)));
    } catch (error) {
      // Execute reports it with its location; the key only has to differ from a working one.
      sounds = { unresolved: (error as Error).message };
    }
    return { inputs, params, sounds };
  },
  async execute(ctx) {
    const { params } = ctx;
    const script = ctx.inputs.script as Script;
    const plan = ctx.inputs.plan as ScenePlan;
    const format = resolveFormat(params);
    const clipsByScene = new Map((ctx.inputs.scenes as VideoClip[]).map((clip, index) => [clip.sceneId ?? plan.scenes[index]?.id, clip]));

    const video: TimelineClip[] = plan.scenes.map((scene, index) => {
      const media = clipsByScene.get(scene.id);
      if (!media) throw new PermanentError(`no scene clip for scene "${scene.title}" (${scene.id}); wire one clip per scene`, { location: { port: 'scenes' } });
      const transition = index > 0 && params.transition !== 'cut' && params.transitionSeconds > 0 ? { transitionIn: { kind: params.transition, duration: Math.min(params.transitionSeconds, scene.duration / 2) } } : {};
      return { id: scene.id, start: scene.start, duration: scene.duration, media, sourceIn: 0, sceneId: scene.id, text: scene.title, ...transition };
    });
    const events = plan.scenes.flatMap((scene) => scene.events);
    const dialogue = events.map(dialogueClip).filter((clip): clip is TimelineClip => clip !== undefined);
    // Overlays placed at their segments' times: from the overlays port, else those the plan carries.
    const overlayBySegment = new Map(((ctx.inputs.overlays ?? []) as Overlay[]).filter((overlay) => overlay.segmentId).map((overlay) => [overlay.segmentId!, overlay]));
    const overlays: TimelineClip[] = events.flatMap((event) => {
      const overlay = overlayBySegment.get(event.segment.id) ?? event.overlay;
      return overlay ? overlayClips(overlay, event) : [];
    });

    const cueEvents = events.filter((event) => event.segment.kind === 'cue' && event.segment.cue);
    const effects: TimelineClip[] = cueEvents
      .filter((event) => event.segment.cue!.type === 'glitch')
      .map((event) => ({ id: `${event.segment.id}-glitch`, start: event.start, duration: 0.4, sourceIn: 0, sceneId: event.segment.sceneId, segmentId: event.segment.id, effect: 'glitch' }));
    for (const event of cueEvents) {
      const sound = params.cueSounds[event.segment.cue!.type];
      if (!sound) continue;
      const media = await importAsset(ctx, sound, `/cueSounds/${event.segment.cue!.type}`);
      effects.push({ id: `${event.segment.id}-sound`, start: event.start, duration: media.duration!, media, sourceIn: 0, sceneId: event.segment.sceneId, segmentId: event.segment.id });
    }

    const score = scoreClips((ctx.inputs.score ?? []) as AudioClip[], plan.duration);
    effects.push(...score.effects);
    const tracks: Track[] = [
      { name: 'Scenes', kind: 'video', clips: video },
      { name: 'Overlays', kind: 'overlay', clips: overlays },
      { name: 'Dialogue', kind: 'dialogue', clips: dialogue },
      { name: 'Effects', kind: 'effects', clips: effects.sort((a, b) => a.start - b.start) },
    ];
    if (params.music) {
      // An imported bed replaces the score's music.
      const media = await importAsset(ctx, params.music, '/music');
      tracks.push({ name: 'Music', kind: 'music', clips: [{ id: 'music', start: 0, duration: plan.duration, media, sourceIn: 0, gainDb: params.musicGainDb, loop: true }] });
    } else if (score.music.length > 0) {
      tracks.push({ name: 'Music', kind: 'music', clips: score.music });
    }
    const ducked = tracks.some((track) => track.kind === 'music' && track.clips.length > 0);
    const timeline: Timeline = {
      title: script.title,
      duration: plan.duration,
      ...format,
      profile: params.profile,
      scenes: plan.scenes.map(({ id, index, title, start, duration }) => ({ id, index, title, start, duration })),
      tracks,
      markers: plan.scenes.map((scene) => ({ time: scene.start, name: scene.title })),
      ...(ducked ? { ducking: { amountDb: params.duckingDb, attackMs: 80, releaseMs: 400 } } : {}),
    };
    return { timeline };
  },
});
