/**
 * A scene's seed: what its pictures are generated from, so a re-render of an
 * unchanged scene gives the same pictures (and a provider the same take).
 *
 * What goes in is the scene's id and its final prompt text, nothing else:
 * the id, so two scenes with the same words still differ; the prompt, so
 * editing the words asks for a new take while retiming, restyling captions or
 * moving the scene keeps the one already made. `scene.prompt` stamps this seed
 * on every `ScenePrompt` it makes, so everything downstream normally uses the
 * carried seed; the derivations below only fill in for a prompt without one
 * (wired by hand, or from another source).
 */
import { createHash } from 'node:crypto';
import { takeSeed } from '../../runtime/contract/item-pins.js';

import { hashOf } from './procedural/random.js';

/** The fields a seed is read from; a port value may carry anything in them. */
export interface SeededPrompt {
  sceneId?: unknown;
  prompt?: unknown;
  seed?: unknown;
}

/** The seed of a scene with this id and prompt: 32 bits, the range every provider accepts. */
export function sceneSeed(sceneId: string, prompt: string): number {
  return createHash('sha256').update(`${sceneId}\u0000${prompt}`).digest().readUInt32BE(0);
}

/** The seed a provider is sent: the prompt's own, or the scene's when it carries none. */
export function providerSeed(prompt: { sceneId: string; prompt: string; seed?: number }): number {
  return prompt.seed ?? sceneSeed(prompt.sceneId, prompt.prompt);
}

const text = (value: unknown): string => (typeof value === 'string' && value.trim() ? value : '');

/**
 * The seed the procedural renderer draws from. It reads any JSON, so a carried
 * seed is used only when it is a non-negative integer (one past 32 bits is
 * folded into them). Without one it falls back to its own 32-bit hash of the
 * same two inputs rather than `sceneSeed`: the renderer's frames are pinned
 * byte for byte per seed and cached, so switching the fallback would redraw
 * every seedless procedural scene and leave cached renders disagreeing with
 * fresh ones, for no gain in a graph where `scene.prompt` supplies the seed.
 */
export function proceduralSeed(prompt: SeededPrompt): number {
  const seed = prompt.seed;
  if (typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0) return seed <= 0xffffffff ? seed : hashOf(seed);
  return hashOf(text(prompt.sceneId), text(prompt.prompt));
}

/**
 * The prompt as the producer's take N of its scene draws it (a regenerated
 * item, `ctx.item.take`): its seed mixed with the take. Take 0 or none
 * leaves the prompt untouched, so first takes stay byte for byte as before.
 */
export function promptForTake<T extends SeededPrompt>(prompt: T, take: number | undefined): T {
  return take ? { ...prompt, seed: takeSeed(proceduralSeed(prompt), take) } : prompt;
}
