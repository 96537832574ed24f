/** The script engine end to end: Fountain parity with markdown, the script nodes inside a graph run. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSchema, scriptSchema } from '../runtime/contract/index.js';
import type { Script, Segment } from '../runtime/contract/index.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { parseScript } from '../nodes/script/engine/index.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');
const read = (path: string): Promise<Buffer> => readFile(join(repo, path));
const lineCounts = (script: Script): Record<string, number> => Object.fromEntries(script.cast.map((c) => [c.id, c.lines]));

describe('Fountain and markdown', () => {
  it('give the same cast and speech for the same episode', async () => {
    const markdown = parseScript(await read('examples/episodes/last-terminal-ep01.md'), { file: 'last-terminal-ep01.md' });
    const fountain = parseScript(await read('tests/fixtures/scripts/last-terminal-ep01.fountain'), { file: 'last-terminal-ep01.fountain' });
    expect(checkSchema(scriptSchema, fountain)).toEqual([]);
    expect(fountain.source.format).toBe('fountain');
    expect(lineCounts(fountain)).toEqual(lineCounts(markdown));
    const spoken = (script: Script): string[] =>
      script.scenes.flatMap((s) => s.segments).filter((s) => s.kind !== 'cue' && s.kind !== 'terminal').map((s) => `${s.speaker}: ${s.speechText}`);
    expect(spoken(fountain)).toEqual(spoken(markdown));
    const transitions = fountain.scenes.flatMap((s) => s.segments).filter((s) => s.cue?.type === 'transition');
    expect(transitions.map((s) => s.cue?.raw)).toEqual(expect.arrayContaining(['FADE IN:', 'CUT TO:']));
    expect(fountain.scenes[0]?.brief).toMatchObject({ interior: true, timeOfDay: 'night', setting: 'data center' });
  });
});

describe('script nodes in a graph', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('graphs/script.json parses an episode, writes the Script, and is cached on a re-run', async () => {
    const { graph: g } = await loadGraphFile(join(repo, 'graphs/script.json'));
    const episode = (await read('examples/episodes/last-terminal-ep01.md')).toString('utf8');
    const result = await h.run(g, { inputs: { episode } });
    expect(result.status).toBe('done');
    const script = result.outputs.script as Script;
    expect(checkSchema(scriptSchema, script)).toEqual([]);
    // The graph's lexicon changes what voices say, never what captions show.
    const aria = script.scenes.flatMap((s) => s.segments).find((s) => s.displayText.startsWith('I can see you, Kael.')) as Segment;
    expect(aria.speechText).toMatch(/^I can see you, Kale\./);
    const written = JSON.parse(await readFile(join(h.dir, 'out', 'script.json'), 'utf8')) as Script;
    expect(written.scenes).toHaveLength(3);
    const again = await h.run(g, { inputs: { episode } });
    expect(again.nodes.find((n) => n.id === 'parse')?.status).toBe('cached');
  });

  it('offers the speakable segments as a list a voice node can map over', async () => {
    const result = await h.run(
      graph([['parse', 'script.markdown', { sourceName: 'ep.md' }], ['each', 'test.map', { tag: 'say' }]], ['$input.md -> parse.markdown', 'parse.speakable -> each.items'], {
        inputs: { md: { type: 'Markdown' } },
        outputs: { said: 'each.items' },
      }),
      { inputs: { md: '**KAEL:** One.\n\n[pause 1s]\n\nTwo.' } },
    );
    expect(result.status).toBe('done');
    expect(result.nodes.find((n) => n.id === 'each')?.items.total).toBe(2);
  });

  it('fails the node with file and line for a broken script', async () => {
    const result = await h.run(graph([['parse', 'script.markdown', { sourceName: 'ep.md' }]], ['$input.md -> parse.markdown'], { inputs: { md: { type: 'Markdown' } } }), {
      inputs: { md: '## One\n\n```terminal\n$ ls\n' },
    });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'SCRIPT_UNCLOSED_FENCE', location: { nodeId: 'parse', file: 'ep.md', line: 3 } });
    expect(result.error?.message).toMatch(/^ep\.md:3: code fence/);
  });
});
