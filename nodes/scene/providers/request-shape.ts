/**
 * Fitting a scene to what a provider can make: providers offer a few aspect
 * ratios, sizes and clip lengths, so a node asks for the nearest and
 * `conformClip` turns the answer into exactly the run's picture and duration.
 */
import { PermanentError, type ScenePrompt } from '../../../runtime/contract/index.js';
import type { VideoFormat } from '../../video/profiles.js';

/** The fields of a `ScenePrompt` port value that a provider receives; the rest is already folded into `prompt`. */
export type ScenePromptValue = Pick<ScenePrompt, 'sceneId' | 'prompt' | 'negativePrompt' | 'duration' | 'seed'>;

export function promptOf(value: unknown): ScenePromptValue {
  const { sceneId, prompt, negativePrompt, duration, seed } = value as ScenePromptValue;
  return { sceneId, prompt, duration, ...(negativePrompt ? { negativePrompt } : {}), ...(seed === undefined ? {} : { seed }) };
}

/** `"1280:720"` or `"16:9"`. */
function parseRatio(ratio: string): { w: number; h: number } {
  const [w, h] = ratio.split(':').map(Number);
  if (!w || !h || !(w > 0) || !(h > 0)) throw new PermanentError(`"${ratio}" is not a ratio like 16:9 or 1280:720`, { location: { param: '/ratio' } });
  return { w, h };
}

/**
 * The ratio closest in shape to the format. Among equal shapes (1280:720 and
 * 1920:1080), the smallest that still covers the format in both dimensions,
 * else the largest: no upscaling where it can be avoided, no paying for
 * pixels the conform step throws away.
 */
export function nearestRatio(format: VideoFormat, ratios: readonly string[]): string {
  const target = Math.log(format.width / format.height);
  const shaped = ratios.map((ratio) => ({ ratio, ...parseRatio(ratio) })).map((r) => ({ ...r, distance: Math.abs(Math.log(r.w / r.h) - target) }));
  const best = Math.min(...shaped.map((r) => r.distance));
  const candidates = shaped.filter((r) => r.distance - best < 1e-3).sort((a, b) => a.w * a.h - b.w * b.h);
  const covering = candidates.find((r) => r.w >= format.width && r.h >= format.height);
  return (covering ?? (candidates.at(-1) as (typeof candidates)[number])).ratio;
}

/** The shortest supported length that covers the scene (cutting is lossless; freezing is not), else the longest. */
export function nearestDuration(seconds: number, durations: readonly number[]): number {
  const sorted = [...durations].sort((a, b) => a - b);
  return sorted.find((d) => d >= seconds - 1e-9) ?? (sorted.at(-1) as number);
}

/** The smallest named size whose short side covers the format's short side, else the largest (e.g. `720p`/`1080p`). */
export function nearestResolution(format: VideoFormat, resolutions: Readonly<Record<string, number>>): string {
  const short = Math.min(format.width, format.height);
  const sorted = Object.entries(resolutions).sort((a, b) => a[1] - b[1]);
  return (sorted.find(([, side]) => side >= short) ?? (sorted.at(-1) as [string, number]))[0];
}
