/**
 * One chunk's ffmpeg filtergraph, as a pure function of its spec: the scene
 * clip conformed to the frame, the outgoing scene crossfading into it (with
 * `xfade` when the ffmpeg in use has it; the npm build lacks it, so
 * otherwise as an alpha fade over the top — the same picture),
 * overlays laid at their times and places with their alpha (a still held, a
 * loop played again from memory), effects, fades and
 * burned-in captions.
 */
import type { RenderChunk } from '../../runtime/contract/index.js';

export interface ChunkInputs {
  /** Input index of each layer, in the order the command lists them. */
  base: number;
  outgoing?: number;
  overlays: number[];
  /** The `ass=…` filter that burns the chunk's captions in. */
  captions?: string;
  /** The ffmpeg in use has `xfade`: crossfade with it rather than an alpha fade over the top. */
  xfade?: boolean;
}

const seconds = (value: number): string => value.toFixed(6);

/** A still image: one picture that lasts as long as its layer. */
export const isStill = (media: { mime: string }): boolean => media.mime.startsWith('image/');

export function chunkFilterGraph(chunk: RenderChunk, inputs: ChunkInputs): string {
  const { width: w, height: h, fps } = chunk;
  const length = chunk.frames / fps;
  const fit = `scale=${w}:${h}:force_original_aspect_ratio=increase,crop=${w}:${h},setsar=1`;
  const steps: string[] = [];
  // Held last frame covers a scene clip that is shorter than its scene.
  steps.push(`[${inputs.base}:v]fps=${fps},${fit},tpad=stop_mode=clone:stop_duration=${seconds(length + 1)},trim=duration=${seconds(length)},format=yuv420p[base]`);
  let current = 'base';
  if (chunk.outgoing && inputs.outgoing !== undefined) {
    const d = chunk.outgoing.duration;
    const outgoing = `[${inputs.outgoing}:v]fps=${fps},${fit},tpad=stop_mode=clone:stop_duration=${seconds(d + 1)},trim=duration=${seconds(d)}`;
    if (inputs.xfade) {
      // xfade's output lasts first + second − duration: with the outgoing tail as first, exactly the scene.
      steps.push(`${outgoing},format=yuv420p,settb=AVTB[outgoing]`, `[${current}]settb=AVTB[incoming]`);
      steps.push(`[outgoing][incoming]xfade=transition=fade:duration=${seconds(d)}:offset=0[crossed]`);
    } else {
      steps.push(`${outgoing},format=yuva420p,fade=t=out:st=0:d=${seconds(d)}:alpha=1[outgoing]`);
      steps.push(`[${current}][outgoing]overlay=eof_action=pass:format=yuv420[crossed]`);
    }
    current = 'crossed';
  }
  chunk.overlays.forEach((layer, n) => {
    const index = inputs.overlays[n]!;
    const at = layer.position ? `x=${layer.position.x}:y=${layer.position.y}:` : '';
    const end = layer.start + layer.duration;
    if (isStill(layer.media)) {
      // One picture, decoded once and held (repeat) for exactly the layer's frames: the window is shifted half a frame
      // so a frame on either boundary falls on one side of it, never both.
      const half = 0.5 / fps;
      steps.push(`[${index}:v]setpts=PTS-STARTPTS+${seconds(layer.start)}/TB[overlay${n}]`);
      steps.push(`[${current}][overlay${n}]overlay=${at}eof_action=repeat:format=yuv420:enable='between(t,${seconds(layer.start - half)},${seconds(end - half)})'[layered${n}]`);
    } else {
      const rate = layer.media.frameRate ?? fps;
      // A loop's frames are decoded once (4:2:0, the least memory) and played again from memory, entered `sourceIn` in.
      const source = layer.loop
        ? `format=yuva420p,loop=loop=-1:size=${Math.max(1, Math.round((layer.media.duration ?? 0) * rate))}:start=0,setpts=N/(${rate}*TB),fps=${fps},trim=start=${seconds(layer.sourceIn)}:duration=`
        : `fps=${fps},trim=duration=`;
      steps.push(`[${index}:v]${source}${seconds(layer.duration)},setpts=PTS-STARTPTS+${seconds(layer.start)}/TB[overlay${n}]`);
      steps.push(`[${current}][overlay${n}]overlay=${at}eof_action=pass:format=yuv420:enable='between(t,${seconds(layer.start)},${seconds(end)})'[layered${n}]`);
    }
    current = `layered${n}`;
  });
  const finishing: string[] = [];
  for (const effect of chunk.effects) {
    const window = `between(t,${seconds(effect.start)},${seconds(effect.start + effect.duration)})`;
    finishing.push(effect.effect === 'glitch' ? `noise=alls=70:allf=t+u:enable='${window}',hue=h=140:s=2.2:enable='${window}'` : `eq=brightness=0.4:enable='${window}'`);
  }
  const transition = chunk.transitionIn;
  if (transition?.kind === 'dip') finishing.push(`fade=t=in:st=0:d=${seconds(transition.duration / 2)}`);
  if (transition?.kind === 'glitch') {
    const window = `lt(t,${seconds(transition.duration)})`;
    finishing.push(`noise=alls=90:allf=t+u:enable='${window}'`, `hue=h=200:s=3:enable='${window}'`);
  }
  if (chunk.fadeOut) finishing.push(`fade=t=out:st=${seconds(length - chunk.fadeOut)}:d=${seconds(chunk.fadeOut)}`);
  if (inputs.captions) finishing.push(inputs.captions);
  finishing.push('format=yuv420p');
  steps.push(`[${current}]${finishing.join(',')}[video]`);
  return steps.join(';');
}
