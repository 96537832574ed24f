/**
 * Graph-wide settings (`settings.profile`): one place to switch a graph
 * between 1080p, a 720p preview and 9:16. The profile fills every node that
 * takes one and leaves it unset (an explicit node profile wins), a variant
 * overrides it, validation checks it against the nodes' allowed values, and
 * runs key their cache by it. The shipped episode and Short use it; the CLI's
 * `--profile` sets it for one run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  applyGraphSettings,
  applyOverrides,
  checkDocumentSchema,
  defineNode,
  GRAPH_FORMAT,
  NodeRegistry,
  paramsSchemaUnderSettings,
  settingChoices,
  validateGraph,
  type GraphDocument,
  type GraphVariant,
  type NodeType,
} from '../runtime/contract/index.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { builtinNodes } from '../nodes/index.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');

/** What the picture nodes' params look like to the runtime: a `profile` with an enum and a default. */
const profileParam = { type: 'string', enum: ['wide', 'tall', 'preview'], default: 'wide' };
const rendered: string[] = [];

const framed = defineNode<{ profile: string }>({
  type: 'test.framed',
  version: 1,
  title: 'Framed',
  category: 'test',
  description: 'Outputs the profile it rendered at.',
  inputs: [],
  outputs: [{ name: 'profile', type: 'Text' }],
  params: { type: 'object', additionalProperties: false, properties: { profile: profileParam } },
  resource: 'cpu',
  cacheable: true,
  execute: async (ctx) => {
    rendered.push(ctx.params.profile);
    return { profile: ctx.params.profile };
  },
});

/** Like chunks/join/mix: a profile without a default follows its upstream, so the graph's does not fill it. */
const follows = defineNode<{ profile?: string }>({
  ...framed,
  type: 'test.follows',
  params: { type: 'object', additionalProperties: false, properties: { profile: { type: 'string', enum: ['wide', 'tall', 'preview'] } } },
  execute: async (ctx) => ({ profile: ctx.params.profile ?? 'upstream' }),
});

/** A node that knows fewer profiles: the allowed values a problem names are those all filled nodes accept. */
const wideOnly = defineNode<{ profile: string }>({
  ...framed,
  type: 'test.wide-only',
  params: { type: 'object', additionalProperties: false, properties: { profile: { type: 'string', enum: ['wide', 'preview'], default: 'wide' } } },
});

const plain = defineNode<{ tag: string }>({
  ...framed,
  type: 'test.plain',
  params: { type: 'object', properties: { tag: { type: 'string', default: '' } } },
  execute: async () => ({ profile: 'none' }),
} as unknown as NodeType<{ tag: string }>);

const registry = new NodeRegistry<NodeType>([framed, follows, wideOnly, plain] as NodeType[]);

const sample = (settings?: GraphDocument['settings']): GraphDocument =>
  graph(
    [
      ['a', 'test.framed'],
      ['b', 'test.framed', { profile: 'tall' }],
      ['c', 'test.follows'],
      ['d', 'test.plain'],
    ],
    [],
    { outputs: { a: 'a.profile', b: 'b.profile', c: 'c.profile' }, ...(settings ? { settings } : {}) },
  );

const paramsOf = (doc: GraphDocument): Record<string, Record<string, unknown>> => Object.fromEntries(doc.nodes.map((node) => [node.id, node.params]));

describe('graph settings reach the nodes', () => {
  it('fill the profile of nodes that take one and leave it unset; an explicit node profile wins', () => {
    const resolved = applyGraphSettings(sample({ profile: 'preview' }), registry);
    expect(paramsOf(resolved)).toEqual({ a: { profile: 'preview' }, b: { profile: 'tall' }, c: {}, d: {} });
  });

  it('leave the document as written (it keeps the setting in one place)', () => {
    const doc = sample({ profile: 'preview' });
    const before = structuredClone(doc);
    applyGraphSettings(doc, registry);
    expect(doc).toEqual(before);
    const unset = sample();
    expect(applyGraphSettings(unset, registry)).toBe(unset);
  });

  it('are overridden by a variant, and a null override brings back the nodes’ own defaults', () => {
    const template = sample({ profile: 'wide' });
    const variant = (settings: GraphVariant['overrides']['settings']): GraphVariant => ({
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      name: 'tall cut',
      extends: './sample.json',
      overrides: { settings },
    });
    const tall = applyOverrides(template, variant({ profile: 'tall' }));
    expect(tall.settings).toEqual({ profile: 'tall' });
    expect(paramsOf(applyGraphSettings(tall, registry)).a).toEqual({ profile: 'tall' });
    expect(checkDocumentSchema(variant({ profile: 'tall' }))).toEqual([]);
    const reset = applyOverrides(template, variant({ profile: null }));
    expect(reset.settings).toBeUndefined();
    expect(paramsOf(applyGraphSettings(reset, registry)).a).toEqual({});
  });
});

describe('validating graph settings', () => {
  it('accepts a profile every filled node allows', () => {
    expect(validateGraph(sample({ profile: 'preview' }), registry)).toEqual([]);
  });

  it('reports an unknown profile at /settings/profile with the allowed values', () => {
    const problems = validateGraph(sample({ profile: '8k' }), registry);
    expect(problems).toEqual([
      { path: '/settings/profile', code: 'INVALID_SETTING', message: 'render profile "8k" is not accepted by a (allowed: wide, tall, preview)' },
    ]);
  });

  it('names the values all filled nodes accept when their types differ, and ignores nodes with their own profile', () => {
    const doc = graph([['a', 'test.framed'], ['w', 'test.wide-only'], ['x', 'test.wide-only', { profile: 'wide' }]], [], { settings: { profile: 'tall' } });
    const [problem, ...rest] = validateGraph(doc, registry);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ path: '/settings/profile', message: 'render profile "tall" is not accepted by w (allowed: wide, preview)' });
  });

  it('reports a malformed setting once, by the schema', () => {
    const doc = { ...sample(), settings: { profile: 5, fps: 60 } } as unknown as GraphDocument;
    expect(validateGraph(doc, registry).map((p) => [p.path, p.code])).toEqual([
      ['/settings/fps', 'SCHEMA'],
      ['/settings/profile', 'SCHEMA'],
    ]);
  });

  it('give a node form the graph’s profile as the default of an unset profile (not to types that follow upstream)', () => {
    const properties = (schema: Record<string, unknown>) => schema.properties as Record<string, { default?: unknown; description?: string }>;
    const framedUnder = paramsSchemaUnderSettings(framed, { profile: 'tall' });
    expect(properties(framedUnder).profile).toMatchObject({ default: 'tall', description: "Unset: the graph's render profile (tall)." });
    expect(properties(framed.params).profile?.default).toBe('wide');
    expect(paramsSchemaUnderSettings(follows, { profile: 'tall' })).toBe(follows.params);
    expect(paramsSchemaUnderSettings(framed, undefined)).toBe(framed.params);
  });

  it('lists the profiles of the built-in node types for a picker', () => {
    expect(settingChoices(builtinNodes, 'profile')).toEqual(['youtube-1080p', 'shorts-1080x1920', 'preview-720p', 'preview-720x1280']);
  });
});

describe('runs with a graph profile', () => {
  let h: Harness;
  beforeEach(async () => {
    rendered.length = 0;
    h = await createHarness({ registry });
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('render at it, and key the cache by it: another profile renders again, the same one is reused', async () => {
    const first = await h.run(sample({ profile: 'preview' }));
    expect(first.status, first.error?.message).toBe('done');
    expect(first.outputs).toEqual({ a: 'preview', b: 'tall', c: 'upstream' });
    const again = await h.run(sample({ profile: 'preview' }));
    expect(again.nodes.find((n) => n.id === 'a')).toMatchObject({ status: 'cached' });
    const wide = await h.run(sample({ profile: 'wide' }));
    expect(wide.nodes.find((n) => n.id === 'a')).toMatchObject({ status: 'done', cached: false });
    expect(wide.outputs.a).toBe('wide');
    // b names its own profile: the graph's does not touch it, so it stays cached.
    expect(wide.nodes.find((n) => n.id === 'b')).toMatchObject({ status: 'cached' });
    expect(rendered.sort()).toEqual(['preview', 'tall', 'wide']);
  });

  it('a graph profile equal to the nodes’ default reuses what the nodes rendered without one', async () => {
    await h.run(sample());
    const wide = await h.run(sample({ profile: 'wide' }));
    expect(wide.nodes.find((n) => n.id === 'a')).toMatchObject({ status: 'cached' });
  });

  it('are refused before anything runs when the profile is not allowed', () => {
    expect(() => h.engine.prepare(sample({ profile: '8k' }), { outDir: h.dir })).toThrow(/\/settings\/profile: render profile "8k"/);
  });
});

describe('the shipped pipelines', () => {
  const builtins = new NodeRegistry<NodeType>(builtinNodes);
  const profiles = async (file: string): Promise<Record<string, unknown>> => {
    const { graph: resolved } = await loadGraphFile(join(repo, 'graphs', file));
    expect(validateGraph(resolved, builtins), file).toEqual([]);
    const run = applyGraphSettings(resolved, builtins);
    return Object.fromEntries(run.nodes.filter((node) => node.params.profile !== undefined).map((node) => [node.id, node.params.profile]));
  };

  it('episode.json renders every picture node at youtube-1080p from one setting', async () => {
    expect(await profiles('episode.json')).toEqual({ terminal: 'youtube-1080p', pace: 'youtube-1080p', scenes: 'youtube-1080p', timeline: 'youtube-1080p' });
  });

  it('shorts.json switches them all to 9:16 by overriding that setting', async () => {
    expect(await profiles('shorts.json')).toEqual({ terminal: 'shorts-1080x1920', pace: 'shorts-1080x1920', scenes: 'shorts-1080x1920', timeline: 'shorts-1080x1920' });
  });
});

describe('reelgraph run --profile', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'reelgraph-profile-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  const reelgraph = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((done) => {
      execFile(process.execPath, [join(repo, 'bin', 'reelgraph.js'), ...args], { cwd, env: { ...process.env, REELGRAPH_DATA: join(cwd, 'data') }, timeout: 120_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });

  it('renders the run at the profile given, without editing the graph', async () => {
    const scenes: GraphDocument = {
      ...graph([['scenes', 'scene.procedural']], ['$input.prompts -> scenes.prompts'], { settings: { profile: 'youtube-1080p' } }),
      inputs: { prompts: { type: 'ScenePrompt', list: true, default: [{ sceneId: 's1', prompt: 'a quiet harbour at dusk', duration: 0.2 }] } },
      outputs: { clips: 'scenes.clips' },
    };
    await writeFile(join(cwd, 'scenes.json'), JSON.stringify(scenes));
    const size = async (...flags: string[]): Promise<unknown> => {
      const r = await reelgraph('run', 'scenes.json', '--json', ...flags);
      expect(r.code, r.stderr).toBe(0);
      const [clip] = (JSON.parse(r.stdout) as { outputs: { clips: Array<{ width: number; height: number }> } }).outputs.clips;
      return { width: clip?.width, height: clip?.height };
    };
    expect(await size('--profile', 'preview-720p')).toEqual({ width: 1280, height: 720 });
    expect(await size('--profile', 'shorts-1080x1920')).toEqual({ width: 1080, height: 1920 });
    // A Short's preview stays upright.
    expect(await size('--profile', 'preview-720x1280')).toEqual({ width: 720, height: 1280 });
  });

  it('refuses a profile the nodes do not know, naming the allowed ones', async () => {
    const r = await reelgraph('run', join(repo, 'graphs/episode.json'), '-i', 'episode=# Title', '--profile', '8k');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/settings/profile');
    expect(r.stderr).toContain('allowed: youtube-1080p, shorts-1080x1920, preview-720p, preview-720x1280');
    const help = await reelgraph('run', '--help');
    expect(help.stdout).toMatch(/--profile <name>\s+render profile for this run/);
  });
});
