import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../runtime/contract/index.js';
import { fillTemplate } from '../nodes/scene/prompt.node.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

type Prompt = { sceneId: string; prompt: string; style: string[]; duration: number; seed: number; camera: { angle?: string }; lighting?: string };

const repo = resolve(import.meta.dirname, '..');
let h: Harness;
let episode: string;
beforeEach(async () => {
  h = await createHarness();
  episode = await readFile(join(repo, 'examples/episodes/last-terminal-ep01.md'), 'utf8');
});
afterEach(async () => {
  await h.dispose();
});

const prompts = async (params: Record<string, unknown> = {}): Promise<Prompt[]> => {
  const result = await h.run(
    graph([['parse', 'script.markdown'], ['prompt', 'scene.prompt', params]], ['$input.md -> parse.markdown', 'parse.script -> prompt.script'], {
      inputs: { md: { type: 'Markdown' } },
      outputs: { prompts: 'prompt.prompts' },
    }),
    { inputs: { md: episode } },
  );
  if (result.status !== 'done') throw new Error(result.error?.message);
  return result.outputs.prompts as Prompt[];
};

describe('scene.prompt', () => {
  it('turns each scene brief into a prompt with the series style', async () => {
    const [one, two, three] = await prompts();
    expect(one?.prompt).toMatch(/^A vast, abandoned data center\..*cold blue emergency lighting.*low.*ominous mood, cinematic, dystopian, 4K$/);
    expect(two?.prompt).toContain('heavy rain');
    expect(three?.prompt).toContain('warm amber light');
    expect(one?.style).toEqual(['cinematic', 'dystopian', '4K']);
    expect(new Set([one?.seed, two?.seed, three?.seed]).size).toBe(3);
    expect(one?.duration).toBeGreaterThan(3);
  });

  it('lets a series override the template, style, camera, lighting and duration', async () => {
    const [one, two] = await prompts({ template: '{style}: {setting} at {time_of_day}, {lighting}', styleModifiers: ['anime'], lighting: 'moonlight', cameraAngle: 'high', duration: 6 });
    expect(two?.prompt).toBe('anime: city street at night, moonlight');
    expect(one).toMatchObject({ style: ['anime'], lighting: 'moonlight', camera: { angle: 'high' }, duration: 6 });
  });

  it('carries each scene’s position and its stills for image nodes', async () => {
    episode = '# Ep\n\n## One\n\nA quiet street at dawn.\n\n![The street](stills/street.jpg)\n\nNARRATOR: Hello.\n\n## Two\n\nA forest.\n\nNARRATOR: Bye.\n';
    const [one, two] = (await prompts()) as Array<Prompt & { index: number; images?: unknown[] }>;
    expect(one).toMatchObject({ index: 0, images: [{ path: 'stills/street.jpg', description: 'The street', line: 7 }] });
    expect(two?.index).toBe(1);
    expect(two?.images).toBeUndefined();
  });

  it('names the placeholder a template gets wrong', () => {
    expect(() => fillTemplate('{descripton} in {style}', { description: 'x', style: 'y' })).toThrow(PermanentError);
    expect(() => fillTemplate('{descripton}', { description: 'x' })).toThrow(/\{descripton\}, which does not exist \(use: \{description\}\)/);
    expect(fillTemplate('{a}, {b}, {c}', { a: 'rain', b: '', c: 'night' })).toBe('rain, night');
  });
});
