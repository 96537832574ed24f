/**
 * Previewing one scene from the CLI (`reelgraph run GRAPH --scene N`) and the
 * REST API (POST /api/runs `{scene}`), on graphs/voices.json (script → cast →
 * voices: cheap, offline): only the scene's lines are voiced, the full run
 * afterwards reuses them, and a bad scene number or a graph with no script
 * node is refused as invalid input before anything runs. The render of a
 * previewed scene is tests/scene-preview.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../runtime/contract/index.js';
import { startTestServer, type TestServer } from './fixtures/server.js';

const repo = resolve(import.meta.dirname, '..');
const bin = join(repo, 'bin', 'reelgraph.js');

/** Two scenes: one line, then two. */
const episode = `# Two rooms

## The Room

**KAEL:** Is anyone there?

## The Hall

**ARIA:** Only me.

**KAEL:** Then we wait.
`;

interface Summary {
  status: string;
  nodes: Array<{ id: string; status: string; items: { total: number; executed: number; cached: number } }>;
  error?: { message: string };
}

describe('reelgraph run --scene', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'reelgraph-scene-'));
    await writeFile(join(cwd, 'ep.md'), episode);
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  const reelgraph = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((done) => {
      execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, REELGRAPH_DATA: join(cwd, 'data') }, timeout: 120_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  const voices = join(repo, 'graphs/voices.json');

  it('voices only the scene, and the full run then reuses its lines', async () => {
    const preview = await reelgraph('run', voices, '-i', 'episode=@ep.md', '--scene', '2', '--json');
    expect(preview.code, preview.stderr).toBe(0);
    const summary = JSON.parse(preview.stdout) as Summary;
    expect(summary.nodes.find((n) => n.id === 'voice')?.items).toMatchObject({ total: 2, executed: 2, cached: 0 });

    const full = JSON.parse((await reelgraph('run', voices, '-i', 'episode=@ep.md', '--json')).stdout) as Summary;
    expect(full.status).toBe('done');
    expect(full.nodes.find((n) => n.id === 'voice')?.items).toMatchObject({ total: 3, executed: 1, cached: 2 });
  }, 180_000);

  it('refuses a scene number that is not one, and a graph without a script node (exit 2)', async () => {
    for (const scene of ['0', 'two']) {
      const r = await reelgraph('run', voices, '-i', 'episode=@ep.md', '--scene', scene);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/scene must be a scene number from 1/);
    }
    const hello = await reelgraph('run', join(repo, 'graphs/hello.json'), '-i', 'name=Kael', '--scene', '1');
    expect(hello.code).toBe(2);
    expect(hello.stderr).toMatch(/no script node to cut to one scene/);
  }, 60_000);

  it('fails naming the scene count when the episode has fewer scenes', async () => {
    const r = await reelgraph('run', voices, '-i', 'episode=@ep.md', '--scene', '3', '--json');
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Summary).error?.message).toMatch(/scene 3 does not exist: the episode has 2 scenes/);
  }, 60_000);
});

describe('POST /api/runs {scene}', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('runs the preview of one scene, recorded in the run graph', async () => {
    const graph = JSON.parse(await readFile(join(repo, 'graphs/voices.json'), 'utf8')) as GraphDocument;
    const started = await t.api.post('/api/runs').send({ graph, inputs: { episode }, scene: 1 });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const detail = (await t.api.get(`/api/runs/${started.body.runId}?wait=60000`)).body as {
      status: string;
      graph: GraphDocument;
      nodes: Array<{ nodeId: string; items?: { total: number } }>;
    };
    expect(detail.status).toBe('done');
    expect(detail.nodes.find((n) => n.nodeId === 'voice')?.items?.total).toBe(1);
    expect(detail.graph.nodes.find((n) => n.id === 'parse')?.params).toMatchObject({ scene: 1 });
    expect(detail.graph.settings?.profile).toBe('preview-720p');
  }, 120_000);

  it('refuses a graph without a script node at /scene, before anything runs', async () => {
    const hello = JSON.parse(await readFile(join(repo, 'graphs/hello.json'), 'utf8')) as GraphDocument;
    const refused = await t.api.post('/api/runs').send({ graph: hello, scene: 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.error.problems[0]).toMatchObject({ in: 'body', path: '/scene' });
    expect((await t.api.post('/api/runs').send({ graph: hello, scene: 0 })).status).toBe(400);
  });
});
