/**
 * Port values written once (issue 16): each structured port type's schema is
 * a TypeBox shape in the contract, and the nodes that make and read those
 * values compile against its `Static` type instead of restating it. The type
 * assertions are checked by `npm run typecheck`; the value checks by vitest.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  checkPortValue,
  checkSchema,
  portTypes,
  timelineSchema,
  type ArtifactHandle,
  type AudioClip,
  type CaptionCue,
  type CaptionWord,
  type Casting,
  type CastingEntry,
  type NodeContext,
  type Overlay,
  type RenderChunk,
  type ScenePlan,
  type ScenePrompt,
  type Script,
  type Segment,
  type Subtitles,
  type Timeline,
  type Transition,
  type TransitionKind,
  type VideoClip,
} from '../runtime/contract/index.js';
import { scenePrompt } from '../runtime/contract/port-values.js';
import type { Cue, Subtitles as CaptionSubtitles } from '../nodes/captions/index.js';
import { planChunks, type RenderChunk as NodeRenderChunk } from '../nodes/assembly/chunks.node.js';
import { planScenes, type ScenePlan as NodeScenePlan } from '../nodes/assembly/plan.js';
import type sceneProcedural from '../nodes/scene/procedural.node.js';
import type { PlanOverrides, ScenePromptValue as LooseScenePrompt } from '../nodes/scene/procedural/plan.js';
import type { ScenePromptValue as ProviderScenePrompt } from '../nodes/scene/providers/request-shape.js';
import type { VideoClipValue } from '../nodes/video/clip.js';
import type { VoiceSettings } from '../nodes/voice/providers/provider.js';

const hash = 'a'.repeat(64);
const handle = { hash, mime: 'video/mp4', bytes: 10, duration: 2, width: 64, height: 36 } satisfies ArtifactHandle;

describe('node value types are the contract’s', () => {
  it('names the contract types where nodes read and write port values', () => {
    expectTypeOf<VideoClipValue>().toEqualTypeOf<VideoClip>();
    expectTypeOf<NodeRenderChunk>().toEqualTypeOf<RenderChunk>();
    expectTypeOf<NodeScenePlan>().toEqualTypeOf<ScenePlan>();
    expectTypeOf<Cue>().toEqualTypeOf<CaptionCue>();
    expectTypeOf<CaptionSubtitles>().toEqualTypeOf<Subtitles>();
    expectTypeOf<Subtitles['cues'][number]['words']>().toEqualTypeOf<CaptionWord[] | undefined>();
    expectTypeOf<ProviderScenePrompt>().toEqualTypeOf<Pick<ScenePrompt, 'sceneId' | 'prompt' | 'negativePrompt' | 'duration' | 'seed'>>();
    expectTypeOf<VoiceSettings>().toEqualTypeOf<Omit<CastingEntry, 'providerVoices'>>();
    expectTypeOf<Casting>().toEqualTypeOf<Record<string, CastingEntry>>();
    expectTypeOf<ScenePlan['scenes'][number]['events'][number]['segment']>().toEqualTypeOf<Segment>();
    expectTypeOf<ScenePlan['scenes'][number]['events'][number]['audio']>().toEqualTypeOf<AudioClip | undefined>();
    expectTypeOf<ScenePlan['scenes'][number]['events'][number]['overlay']>().toEqualTypeOf<Overlay | undefined>();
  });

  it('reads a loosely wired ScenePrompt field by field, every field of the contract’s', () => {
    expectTypeOf<keyof LooseScenePrompt>().toEqualTypeOf<keyof ScenePrompt>();
    expectTypeOf<LooseScenePrompt['duration']>().toEqualTypeOf<unknown>();
  });

  it('takes scene.procedural’s overrides from its params', () => {
    type ProceduralParams = Parameters<typeof sceneProcedural.execute>[0] extends NodeContext<infer P> ? P : never;
    expectTypeOf<PlanOverrides>().toEqualTypeOf<Pick<ProceduralParams, 'motif' | 'camera' | 'weather' | 'timeOfDay' | 'cameraStrength'>>();
  });

  it('derives the timeline types from the published schema', () => {
    expectTypeOf<Transition>().toEqualTypeOf<{ kind: TransitionKind; duration: number }>();
    expectTypeOf<Timeline['tracks'][number]['clips'][number]['media']>().toEqualTypeOf<ArtifactHandle | undefined>();
    expectTypeOf<Timeline['ducking']>().toEqualTypeOf<{ amountDb: number; attackMs: number; releaseMs: number } | undefined>();
  });
});

describe('port schemas', () => {
  const prompt: ScenePrompt = { sceneId: 's1', index: 0, title: 'Intro', prompt: 'a city street at dusk', duration: 4, camera: { movement: 'push-in' }, images: [{ path: 'a.png' }], seed: 7 };

  it('publishes the TypeBox shape itself', () => {
    expect(portTypes.ScenePrompt.schema).toBe(scenePrompt);
  });

  it('accepts a scene prompt and names what is missing or wrong', () => {
    expect(checkSchema(portTypes.ScenePrompt.schema, prompt)).toEqual([]);
    const { prompt: _text, ...noText } = prompt;
    expect(checkSchema(portTypes.ScenePrompt.schema, noText)).toEqual([{ pointer: '/prompt', message: 'is required' }]);
    expect(checkSchema(portTypes.ScenePrompt.schema, { ...prompt, duration: 0 })).toEqual([{ pointer: '/duration', message: 'must be > 0' }]);
    expect(checkSchema(portTypes.ScenePrompt.schema, { ...prompt, images: [{ description: 'no path' }] })).toEqual([{ pointer: '/images/0/path', message: 'is required' }]);
  });

  it('keeps a port value open to fields it does not describe', () => {
    expect(checkSchema(portTypes.ScenePrompt.schema, { ...prompt, provider: { extra: true } })).toEqual([]);
    expect(checkSchema(portTypes.AudioClip.schema, { ...handle, mime: 'audio/flac', loudness: -18, speechStart: 0.1 })).toEqual([]);
  });

  it('checks casting by speaker', () => {
    expect(checkSchema(portTypes.Casting.schema, { KAEL: { voice: 'young-male', speed: 1.1, providerVoices: { google: 'en-US-Neural2-F' } } })).toEqual([]);
    expect(checkSchema(portTypes.Casting.schema, { KAEL: { speed: 1.1 } })).toEqual([{ pointer: '/KAEL/voice', message: 'is required' }]);
  });

  it('requires a measured clip and a sized video', () => {
    expect(checkSchema(portTypes.VideoClip.schema, { ...handle, sceneId: 's1', provider: 'procedural' })).toEqual([]);
    const { duration: _duration, ...unmeasured } = handle;
    expect(checkSchema(portTypes.VideoClip.schema, unmeasured)).toEqual([{ pointer: '/duration', message: 'is required' }]);
    const { width: _width, ...unsized } = handle;
    expect(checkSchema(portTypes.Video.schema, unsized)).toEqual([{ pointer: '/width', message: 'is required' }]);
    expect(checkSchema(portTypes.Image.schema, { hash, mime: 'image/png', bytes: 1 })).toEqual([]);
  });

  it('checks an overlay’s clip and window', () => {
    const overlay: Overlay = { kind: 'terminal', segmentId: 'g1', duration: 2, clip: handle, window: { x: 0, y: 0, width: 32, height: 18 } };
    expect(checkSchema(portTypes.Overlay.schema, overlay)).toEqual([]);
    expect(checkSchema(portTypes.Overlay.schema, { ...overlay, window: { ...overlay.window, width: 0 } })).toEqual([{ pointer: '/window/width', message: 'must be >= 1' }]);
  });

  it('checks subtitle cues and their words', () => {
    const subtitles: Subtitles = { cues: [{ start: 0, end: 1, text: 'Hello', lines: ['Hello'], words: [{ word: 'Hello', start: 0, end: 0.5 }] }] };
    expect(checkSchema(portTypes.Subtitles.schema, subtitles)).toEqual([]);
    expect(checkSchema(portTypes.Subtitles.schema, { cues: [{ start: 0, end: 1 }] })).toEqual([{ pointer: '/cues/0/text', message: 'is required' }]);
  });

  it('checks a timeline', () => {
    const timeline: Timeline = {
      title: 'T',
      duration: 4,
      width: 64,
      height: 36,
      fps: 30,
      scenes: [{ id: 's1', index: 0, title: 'Intro', start: 0, duration: 4 }],
      tracks: [{ name: 'Video', kind: 'video', clips: [{ id: 's1', start: 0, duration: 4, media: handle, sourceIn: 0, transitionIn: { kind: 'crossfade', duration: 0.5 } }] }],
      markers: [],
    };
    expect(checkSchema(timelineSchema, timeline)).toEqual([]);
    expect(portTypes.Timeline.schema).toBe(timelineSchema);
    const wipe = { ...timeline, tracks: [{ ...timeline.tracks[0]!, clips: [{ ...timeline.tracks[0]!.clips[0]!, transitionIn: { kind: 'wipe', duration: 0.5 } }] }] };
    expect(checkSchema(timelineSchema, wipe).map((issue) => issue.pointer)).toEqual(['/tracks/0/clips/0/transitionIn/kind']);
    expect(checkSchema(timelineSchema, { ...timeline, markers: undefined })).toEqual([{ pointer: '/markers', message: 'is required' }]);
  });
});

describe('real node values pass their port schemas', () => {
  const segment = (id: string, duration: number): Segment => ({ id, sceneId: 's1', kind: 'narration', speaker: 'NARRATOR', speechText: 'Hello there.', displayText: 'Hello there.', line: 3, words: 2, timing: { start: 0, duration } });
  const script = {
    scenes: [{ id: 's1', index: 0, title: 'Intro', line: 1, directions: [], images: [], segments: [segment('g1', 1.2), segment('g2', 0.8)], timing: { start: 0, duration: 2 } }],
  } as unknown as Script;

  it('a scene plan from assembly.pace’s planner', () => {
    const audio: AudioClip = { hash, mime: 'audio/flac', bytes: 10, duration: 1.5, segmentId: 'g1', words: [{ word: 'Hello', start: 0.1, end: 0.5 }] };
    const plan = planScenes(script, [audio], [{ kind: 'terminal', segmentId: 'g2', duration: 2 }], { leadIn: 0.5, gap: 0.25, tail: 0.75, minScene: 3, fps: 30 });
    expect(plan.scenes[0]?.events.map((event) => Boolean(event.audio))).toEqual([true, false]);
    expect(checkPortValue({ type: 'ScenePlan' }, plan)).toEqual([]);
  });

  it('render chunks from assembly.chunks’s planner', () => {
    const timeline: Timeline = {
      title: 'T',
      duration: 8,
      width: 64,
      height: 36,
      fps: 30,
      scenes: [],
      tracks: [
        {
          name: 'Video',
          kind: 'video',
          clips: [
            { id: 's1', start: 0, duration: 4, media: handle, sourceIn: 0, sceneId: 's1', text: 'One' },
            { id: 's2', start: 4, duration: 4, media: handle, sourceIn: 0, sceneId: 's2', text: 'Two', transitionIn: { kind: 'crossfade', duration: 0.5 } },
          ],
        },
        { name: 'Effects', kind: 'effects', clips: [{ id: 'fx', start: 1, duration: 0.2, sourceIn: 0, effect: 'glitch' }] },
      ],
      markers: [],
    };
    const cues = [{ start: 0.5, end: 1.5, text: 'Hello', words: [{ word: 'Hello', start: 0.5, end: 1 }] }];
    const chunks = planChunks(timeline, cues, { captions: 'clean', highlightWords: true, pieceSeconds: 6 });
    expect(chunks.some((chunk) => chunk.outgoing && chunk.transitionIn && chunk.captions === undefined)).toBe(true);
    expect(chunks[0]?.captions?.cues).toHaveLength(1);
    expect(checkPortValue({ type: 'RenderChunk', list: true }, chunks)).toEqual([]);
  });
});
