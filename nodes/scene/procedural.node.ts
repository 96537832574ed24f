import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, isArtifactHandle, nodeParams, PermanentError, ReelgraphError, Type, type ArtifactHandle, type NodeContext } from '../../runtime/contract/index.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { concatList } from '../video/concat.js';
import { storeClip } from '../video/clip.js';
import { encodeFrames } from '../video/frame-encoder.js';
import { copyablePartsArgs, pieceEncodingOf } from '../video/piece-encoding.js';
import { DEFAULT_PROFILE, formatParams, frameCountOf, renderProfiles, resolveFormat, type VideoFormat } from '../video/profiles.js';
import { planOverrideParams, planScene, type ScenePromptValue } from './procedural/plan.js';
import { createSceneRenderer, type SceneRenderer } from './procedural/renderer.js';
import { promptForTake } from './seed.js';

/** Frames drawn at `renderScale` of the output, even-sized; ffmpeg scales them up while encoding. */
function drawnSize(format: VideoFormat, renderScale: number): { width: number; height: number } {
  const even = (value: number): number => Math.max(16, 2 * Math.round((value * renderScale) / 2));
  return renderScale >= 1 ? { width: format.width, height: format.height } : { width: even(format.width), height: even(format.height) };
}

/**
 * How a scene is cut into parts, each kept on its own (whole keyframe
 * intervals). A frame depends on its time alone (see camera.ts), so when an
 * edit makes a scene longer, the parts it already had are reused and only the
 * part holding the old end, and what follows, are drawn. The first minute is
 * kept in parts of one keyframe interval (2 s): the reference episode's
 * one-line edit draws 91 frames of the lengthened scene instead of 151 with
 * 6-s parts. Later parts are 6 s: when every part had an encoder of its own,
 * each cost about 0.15–0.3 CPU-s beyond its frames at preview size, which
 * made a 4-minute scene 7–25 % slower in 2-s parts (parts drawn together now
 * share one encoder; each is still a stored file). The cut depends on a
 * frame's position alone, never on the scene's length, so a longer scene
 * keeps every part of the shorter one.
 */
const FINE_PART_SECONDS = 2;
const FINE_UNTIL_SECONDS = 60;
const PART_SECONDS = 6;

interface Segment {
  from: number;
  to: number;
  /** Keyframes besides the interval's, counted from the part's first frame. */
  keyframes: number[];
}

/** Part lengths in frames: `fine` parts up to frame `fineUntil`, `coarse` ones after. */
export interface PartGrid {
  fine: number;
  fineUntil: number;
  coarse: number;
}

/** The part grid at this keyframe interval and rate, each length a whole number of the one before, so the coarser grid lines up where it starts. */
export function partGrid(keyframeInterval: number, fps: number): PartGrid {
  const fine = keyframeInterval * Math.max(1, Math.round((FINE_PART_SECONDS * fps) / keyframeInterval));
  const coarse = fine * Math.max(1, Math.round((PART_SECONDS * fps) / fine));
  return { fine, coarse, fineUntil: coarse * Math.max(1, Math.round((FINE_UNTIL_SECONDS * fps) / coarse)) };
}

/** A scene's frames as parts (see partGrid) from its first frame, each with the extra keyframes that fall inside it. */
export function segmentsOf(frameCount: number, grid: PartGrid, keyframes: readonly number[]): Segment[] {
  const segments: Segment[] = [];
  for (let from = 0; from < frameCount; ) {
    const to = Math.min(frameCount, from + (from < grid.fineUntil ? grid.fine : grid.coarse));
    segments.push({ from, to, keyframes: keyframes.filter((frame) => frame > from && frame < to).map((frame) => frame - from) });
    from = to;
  }
  return segments;
}

/** A part of the scene that no earlier render kept: its place, its frames, and the key it is kept under. */
interface PartToDraw {
  n: number;
  segment: Segment;
  key: unknown;
}

/** A part kept by an earlier render, when its media is still in the store. */
async function keptPart(ctx: NodeContext, key: unknown): Promise<ArtifactHandle | undefined> {
  const part = (await ctx.parts?.get(key))?.part;
  return isArtifactHandle(part) && (await ctx.artifacts.has(part.hash)) ? part : undefined;
}

const sceneName = (prompt: ScenePromptValue): string => (typeof prompt.sceneId === 'string' && prompt.sceneId ? prompt.sceneId : '(no sceneId)');

export default defineNode({
  type: 'scene.procedural',
  version: 1,
  title: 'Scene (procedural)',
  category: 'scene',
  description:
    'Renders each scene prompt offline as a moving picture of its setting — street, skyline, data center, room, forest, space, ocean, desert or abstract data — lit by its time of day, mood and lighting, with its weather and camera move, and what the prompt puts in front of it: people (with a flashlight), a screen, a countdown timer or a chart, framed wide, medium or close, with a shallow depth of field or fast cuts when the prompt asks. Deterministic for a seed; each scene is cached on its own.',
  inputs: [{ name: 'prompts', type: 'ScenePrompt', list: true, title: 'Scene prompts' }],
  outputs: [{ name: 'clips', type: 'VideoClip', list: true, title: 'Clips', description: 'One H.264 clip per scene, exactly its duration.' }],
  params: nodeParams({
    ...formatParams,
    ...planOverrideParams,
    grain: Type.Number({
      title: 'Film grain',
      description: 'Moving grain is noise the encoder must keep: 0.2 halves encoding speed and makes clips several times larger. Often better added once in the final render.',
      minimum: 0,
      maximum: 1,
      default: 0,
    }),
    vignette: Type.Number({ title: 'Vignette', minimum: 0, maximum: 1, default: 0.5 }),
    renderScale: Type.Optional(
      Type.Number({
        title: 'Render scale',
        description: 'Frames are drawn at this fraction of the output size and scaled up while encoding: lower is faster and softer. Unset: the profile’s (0.75 to publish, 0.5 for previews).',
        minimum: 0.25,
        maximum: 1,
      }),
    ),
  }),
  resource: 'cpu',
  cacheable: true,
  // Clips cached before they were encoded as render pieces are (which pieces cannot copy), before the camera moved at its own pace, or before subjects, shot sizes, focus and cuts were drawn: draw them again once.
  cacheIdentity: () => 'piece-encoded, camera on its own clock, subjects and shots',
  mapOver: 'prompts',
  timeoutMs: 30 * 60_000,
  // Drawing grows with the scene: a 30-minute essay scene is ~54,000 frames, hours on a busy 2-core machine.
  unitTimeoutMs(inputs) {
    const duration = (inputs.prompts as Partial<ScenePromptValue> | undefined)?.duration;
    return typeof duration === 'number' && Number.isFinite(duration) && duration > 0 ? Math.max(30 * 60_000, 5 * 60_000 + duration * 10_000) : undefined;
  },
  async execute(ctx) {
    const prompt = (typeof ctx.inputs.prompts === 'object' && ctx.inputs.prompts !== null ? ctx.inputs.prompts : {}) as ScenePromptValue;
    const scene = sceneName(prompt);
    const duration = prompt.duration;
    if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) {
      throw new PermanentError(`scene "${scene}": duration ${JSON.stringify(duration)} is not a positive number of seconds`);
    }
    const format = resolveFormat(ctx.params);
    const frameCount = frameCountOf(duration, format.fps);
    const profile = renderProfiles[ctx.params.profile] ?? renderProfiles[DEFAULT_PROFILE];
    const frame = drawnSize(format, ctx.params.renderScale ?? profile.drawScale);
    const plan = planScene(promptForTake(prompt, ctx.item?.take), ctx.params);
    ctx.log.debug(`scene "${scene}": ${plan.motif} at ${plan.time}, ${plan.weather ?? 'no weather'}, ${plan.camera}`, { seed: plan.seed, frameCount, frame });

    // Encoded as the final render's pieces are, with a keyframe where the scene is cut before its handle: pieces that add nothing copy its frames.
    const handle = typeof prompt.handle === 'number' && prompt.handle > 0 ? prompt.handle : 0;
    const cut = Math.round((duration - handle) * format.fps);
    const grid = pieceEncodingOf(profile, format.fps);
    const keyframes = cut > 0 && cut < frameCount && cut % grid.keyframeInterval !== 0 ? [cut] : [];
    const encoding = { ...grid, ...(keyframes.length > 0 ? { keyframes } : {}) };
    const partLengths = partGrid(grid.keyframeInterval, format.fps);
    // What a frame's pixels and its encode depend on besides its time; not the scene's length.
    const drawing = { plan, frame, format, grain: ctx.params.grain, vignette: ctx.params.vignette, encoding: grid };
    const dir = await ctx.tempDir();
    const parts: Array<{ path: string; frames: number; hash: string }> = [];
    // The parts to draw, in runs of consecutive ones: a run is one encoder, which writes each part as a file of its own.
    const runs: PartToDraw[][] = [];
    for (const [n, segment] of segmentsOf(frameCount, partLengths, keyframes).entries()) {
      const key = { drawing, ...segment };
      const kept = await keptPart(ctx, key);
      if (kept) {
        parts[n] = { path: await ctx.artifacts.localPath(kept), frames: segment.to - segment.from, hash: kept.hash };
        continue;
      }
      const run = runs.at(-1);
      if (run?.at(-1)?.n === n - 1) run.push({ n, segment, key });
      else runs.push([{ n, segment, key }]);
    }
    let renderer: SceneRenderer | undefined;
    let drawn = 0;
    try {
      for (const [r, run] of runs.entries()) {
        renderer ??= createSceneRenderer({ plan, frame, fps: format.fps, frameCount, grain: ctx.params.grain, vignette: ctx.params.vignette });
        const draw = renderer;
        const first = (run[0] as PartToDraw).segment.from;
        const frames = (run.at(-1) as PartToDraw).segment.to - first;
        // Stops the encoder when a part it wrote cannot be stored.
        const stop = new AbortController();
        // Each part is stored as soon as ffmpeg closes its file, in order, while the next is drawn.
        let storing = Promise.resolve();
        let written = 0;
        const store = async (file: string, { n, segment, key }: PartToDraw): Promise<void> => {
          const length = segment.to - segment.from;
          // Not probed: its encoder says what it is, and the clip the parts are joined into is probed (a probe per part
          // was about a third of what each part costs beyond its frames).
          const part = await ctx.artifacts.put(
            { path: file },
            { mime: 'video/mp4', name: `${scene}-part-${n + 1}.mp4`, move: true, probe: false, meta: { duration: length / format.fps, width: format.width, height: format.height, frameRate: format.fps } },
          );
          await ctx.parts?.put(key, { part });
          parts[n] = { path: await ctx.artifacts.localPath(part), frames: length, hash: part.hash };
        };
        await encodeFrames({
          format,
          frameCount: frames,
          codec: 'h264',
          codecArgs: copyablePartsArgs(
            { ...grid, keyframes: run.flatMap(({ segment }) => segment.keyframes.map((frameInPart) => segment.from - first + frameInPart)) },
            format.fps,
            run.map(({ segment }) => segment.to - segment.from),
          ),
          output: join(dir, `run-${r + 1}-part-%d.mp4`),
          signal: AbortSignal.any([ctx.signal, stop.signal]),
          frameSize: frame,
          renderFrame: (index) => draw.frame(first + index),
          onProgress: (fraction) => ctx.progress(((first + fraction * frames) / frameCount) * 0.97, `scene ${scene}`),
          onSegment: (name) => {
            // The muxer numbers its files from 0 (the `%d` in the output pattern): the number says which part this is.
            const part = run[Number(/-part-(\d+)\.mp4$/.exec(name)?.[1] ?? Number.NaN)];
            written += 1;
            storing = storing.then(() => (part ? store(join(dir, name), part) : Promise.reject(new Error(`ffmpeg wrote ${name}, not one of the ${run.length} parts asked for`))));
            storing.catch((error: unknown) => stop.abort(error));
          },
        }).catch(async (error: unknown) => {
          // A part that could not be stored stopped the encoder: that failure is the one to report.
          await storing;
          throw error;
        });
        await storing;
        if (written !== run.length) throw new Error(`ffmpeg wrote ${written} of the ${run.length} parts asked for`);
        drawn += frames;
      }
    } catch (error) {
      if (error instanceof ReelgraphError) throw error;
      throw new PermanentError(`scene "${scene}": rendering failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (drawn < frameCount) ctx.log.info(`scene "${scene}": drew ${drawn} of ${frameCount} frames; the other ${frameCount - drawn} are from an earlier render of this scene`);
    const output = join(dir, 'scene.mp4');
    const list = join(dir, 'parts.txt');
    await writeFile(list, concatList(parts.map((part) => part.path), parts.map((part) => part.frames), format.fps));
    await runFfmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', output], {
      signal: ctx.signal,
      timeoutMs: 60_000 + duration * 200,
      location: { nodeId: ctx.nodeId, ...(ctx.item ? { item: ctx.item.index } : {}) },
    });
    const stored = await storeClip(ctx.artifacts, output, { format, duration, codec: 'h264', name: `${scene}.mp4`, sceneId: scene, provider: 'procedural', encoding });
    const clip = { ...stored, parts: parts.map(({ frames, hash }) => ({ frames, hash })) };
    ctx.progress(1);
    return { clips: clip };
  },
});
