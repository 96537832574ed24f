/**
 * Asset roots are deployment configuration: neither a graph sent to the API
 * nor one run from the CLI can widen them, only narrow them (issue 14,
 * finding 5).
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCanvas } from '../nodes/video/canvas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../runtime/contract/index.js';
import { graph, node, startTestServer, type TestServer } from './fixtures/server.js';

const repo = resolve(import.meta.dirname, '..');
const bin = join(repo, 'bin', 'reelgraph.js');

let outside: string;
let secret: string;

async function still(path: string, colour: string): Promise<void> {
  const canvas = createCanvas(160, 90);
  const context = canvas.getContext('2d');
  context.fillStyle = colour;
  context.fillRect(0, 0, 160, 90);
  await writeFile(path, await canvas.encode('png'));
}

/** Episode markdown → scene prompts → stills, with the stills node's params given. */
function stillsGraph(stillsParams: Record<string, unknown>): GraphDocument {
  return graph(
    'stills',
    [node('parse', 'script.markdown'), node('prompts', 'scene.prompt'), node('stills', 'scene.image', { profile: 'preview-720p', ...stillsParams })],
    [
      { from: '$input.episode', to: 'parse.markdown' },
      { from: 'parse.script', to: 'prompts.script' },
      { from: 'prompts.prompts', to: 'stills.prompts' },
    ],
    { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'stills.clips' } },
  );
}

const episodeShowing = (path: string): string => `# Leak\n\n## One\n\n![x](${path})\n\nHello there.\n`;

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'reelgraph-outside-'));
  secret = join(outside, 'secret.png');
  await still(secret, '#ff0000');
});
afterAll(async () => {
  await rm(outside, { recursive: true, force: true });
});

describe('POST /api/runs', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function finished(runId: string): Promise<{ status: string; outputs?: Record<string, unknown>; nodes: Array<{ nodeId: string; status: string; error?: { message: string; location?: Record<string, unknown> } }> }> {
    let detail = (await t.api.get(`/api/runs/${runId}`)).body;
    while (detail.status === 'queued' || detail.status === 'running') detail = (await t.api.get(`/api/runs/${runId}?wait=1000`)).body;
    return detail;
  }

  it('cannot widen the asset roots with params.assetRoots: the stills node fails at /assetRoots and renders nothing', async () => {
    for (const wider of ['/', outside, '..']) {
      const started = await t.api.post('/api/runs').send({ graph: stillsGraph({ assetRoots: [wider] }), inputs: { episode: episodeShowing(secret) } });
      expect(started.status).toBe(202);
      const detail = await finished(started.body.runId as string);
      expect(detail.status).toBe('failed');
      expect(detail.outputs?.clips).toBeUndefined();
      const stills = detail.nodes.find((n) => n.nodeId === 'stills');
      expect(stills?.status).toBe('failed');
      expect(stills?.error?.message).toContain(`asset root "${wider}" is outside the deployment's asset roots`);
      expect(stills?.error?.location).toMatchObject({ nodeId: 'stills', param: '/assetRoots' });
    }
  });

  it('without assetRoots, a file outside the deployment roots is refused too', async () => {
    const started = await t.api.post('/api/runs').send({ graph: stillsGraph({}), inputs: { episode: episodeShowing(secret) } });
    const detail = await finished(started.body.runId as string);
    expect(detail.status).toBe('failed');
    expect(detail.nodes.find((n) => n.nodeId === 'stills')?.error?.message).toMatch(/secret\.png" is outside the asset roots/);
  });
});

describe('reelgraph run', () => {
  let project: string;

  function reelgraph(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done) => {
      execFile(process.execPath, [bin, ...args], { cwd: project, env: { ...process.env, REELGRAPH_DATA: join(project, 'data'), ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'reelgraph-project-'));
    await mkdir(join(project, 'assets', 'stills'), { recursive: true });
    await still(join(project, 'assets', 'stills', 'ok.png'), '#0000ff');
    await still(join(project, 'assets', 'private.png'), '#00ff00');
    await writeFile(join(project, 'ep.md'), episodeShowing(secret));
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('a graph file cannot widen the roots either', async () => {
    await writeFile(join(project, 'wide.json'), JSON.stringify(stillsGraph({ assetRoots: ['/'] })));
    const r = await reelgraph({ REELGRAPH_ASSET_ROOTS: '' }, 'run', 'wide.json', '-i', 'episode=@ep.md', '--out', 'out');
    expect(r.code).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/node "stills": asset root "\/" is outside the deployment's asset roots \([^)]*assets\)/);
  });

  it('REELGRAPH_ASSET_ROOTS sets the deployment roots, and a graph narrows them', async () => {
    await writeFile(join(project, 'ok.md'), episodeShowing('ok.png'));
    await writeFile(join(project, 'private.md'), episodeShowing('../private.png'));
    await writeFile(join(project, 'narrow.json'), JSON.stringify(stillsGraph({ assetRoots: ['assets/stills'] })));
    const env = { REELGRAPH_ASSET_ROOTS: join(project, 'assets') };
    const ok = await reelgraph(env, 'run', 'narrow.json', '-i', 'episode=@ok.md', '--out', 'out', '--json');
    expect(ok.code).toBe(0);
    const clip = (JSON.parse(ok.stdout) as { outputs: { clips: Array<{ hash: string }> } }).outputs.clips[0]!;
    expect(clip.hash).toMatch(/^[0-9a-f]{16,}$/);
    // Inside the deployment root, but outside the graph's narrower one.
    const narrowed = await reelgraph(env, 'run', 'narrow.json', '-i', 'episode=@private.md', '--out', 'out');
    expect(narrowed.code).toBe(1);
    expect(narrowed.stderr + narrowed.stdout).toMatch(/"\.\.\/private\.png" is outside the asset roots/);
    // The same graph under a deployment that does not include assets/stills.
    const elsewhere = await reelgraph({ REELGRAPH_ASSET_ROOTS: outside }, 'run', 'narrow.json', '-i', 'episode=@ok.md', '--out', 'out');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr + elsewhere.stdout).toContain(`asset root "assets/stills" is outside the deployment's asset roots (${outside})`);
  });
});


describe('assembly.timeline', () => {
  it('cannot widen the roots for a music bed or a cue sound; nothing outside is imported', async () => {
    const { default: timeline } = await import('../nodes/assembly/timeline.node.js');
    const imported: unknown[] = [];
    const ctx = {
      nodeId: 'timeline',
      params: { profile: 'preview-720p', transition: 'cut', transitionSeconds: 0, musicGainDb: -16, duckingDb: 12, cueSounds: {}, music: secret, assetRoots: ['/'] },
      inputs: { script: { title: 'Leak' }, plan: { scenes: [], duration: 1 }, scenes: [] },
      artifacts: { put: async (source: unknown) => imported.push(source) },
    } as unknown as Parameters<typeof timeline.execute>[0];
    const error = await timeline.execute(ctx).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'AssetPathError', location: { param: '/assetRoots' } });
    expect((error as Error).message).toContain(`asset root "/" is outside the deployment's asset roots`);
    expect(imported).toEqual([]);
  });
});
