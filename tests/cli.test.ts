/** The `reelgraph` command, run as a user runs it: a child process in a scratch directory. */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeElevenLabs } from './fixtures/fake-elevenlabs.js';

const repo = resolve(import.meta.dirname, '..');
const bin = join(repo, 'bin', 'reelgraph.js');
let cwd: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function reelgraph(...args: string[]): Promise<Result> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, REELGRAPH_DATA: join(cwd, 'data') }, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const json = <T = Record<string, unknown>>(r: Result): T => JSON.parse(r.stdout) as T;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'reelgraph-cli-'));
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

describe('reelgraph run', () => {
  it('runs the example graph, writes its file and reports JSON', async () => {
    const r = await reelgraph('run', join(repo, 'graphs/hello.json'), '--json', '--input', 'name=Kael');
    expect(r.code).toBe(0);
    const summary = json<{ status: string; runId: string; nodes: { id: string; status: string; cached: boolean; items: { total: number } }[]; outputs: Record<string, unknown> }>(r);
    expect(summary.status).toBe('done');
    expect(summary.nodes.map((n) => [n.id, n.status])).toEqual([
      ['greet', 'done'],
      ['save', 'done'],
    ]);
    expect(summary.outputs.greeting).toBe('Hello, Kael! This file was written by reelgraph.');
    expect(await readFile(join(cwd, 'out/hello.txt'), 'utf8')).toBe('Hello, Kael! This file was written by reelgraph.');
  });

  it('reuses cached results on a second run and reads inputs from files', async () => {
    await writeFile(join(cwd, 'name.txt'), 'Kael');
    const r = await reelgraph('run', join(repo, 'graphs/hello.json'), '--json', '-i', 'name=@name.txt');
    const summary = json<{ nodes: { id: string; status: string; cached: boolean }[] }>(r);
    expect(summary.nodes.find((n) => n.id === 'greet')).toMatchObject({ status: 'cached', cached: true });
    const fresh = json<{ nodes: { id: string; status: string }[] }>(await reelgraph('run', join(repo, 'graphs/hello.json'), '--json', '-i', 'name=@name.txt', '--no-cache'));
    expect(fresh.nodes.find((n) => n.id === 'greet')?.status).toBe('done');
  });

  it('runs a series variant stored as overrides', async () => {
    const r = await reelgraph('run', join(repo, 'graphs/hello-formal.json'), '--out', 'variant');
    expect(r.code).toBe(0);
    expect(await readFile(join(cwd, 'variant/hello-formal.txt'), 'utf8')).toBe('Good evening, producer. Your file is ready.');
    expect(r.stdout).toMatch(/run [0-9a-f-]{36} done/);
  });

  it('runs a stored variant by id, resolved against its stored template', async () => {
    // A data directory of its own: the store of the other tests stays as they expect it.
    const data = ['--data', join(cwd, 'stored-variant-data')];
    expect((await reelgraph(...data, 'save', join(repo, 'graphs/hello.json'))).code).toBe(0);
    const variant = { format: 'reelgraph/graph', schemaVersion: 1, id: 'hello-stored', name: 'Hello, stored', extends: 'hello', overrides: { nodes: { greet: { params: { template: 'Stored hello, {{text}}.' } } } } };
    await writeFile(join(cwd, 'hello-stored.json'), JSON.stringify(variant));
    expect((await reelgraph(...data, 'save', 'hello-stored.json')).stdout).toContain('saved hello-stored version 1');
    const r = await reelgraph(...data, 'run', 'hello-stored', '--json', '-i', 'name=Kael', '--out', 'stored');
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ outputs: { greeting: string } }>(r).outputs.greeting).toBe('Stored hello, Kael.');
  });

  it('maps over items in the lines example', async () => {
    const r = await reelgraph('run', join(repo, 'graphs/lines.json'), '--json', '-i', 'text=alpha\nbeta\n\ngamma');
    const summary = json<{ nodes: { id: string; items: { total: number; executed: number } }[]; outputs: { text: string } }>(r);
    expect(summary.outputs.text).toBe('1/3  alpha\n2/3  beta\n3/3  gamma');
    expect(summary.nodes.find((n) => n.id === 'number')?.items).toMatchObject({ total: 3, executed: 3 });
  });

  it('runs part of a graph: --until a node and what it needs, --only one node with its inputs from the cache', async () => {
    // A data directory of its own: a cold cache, whatever the other tests ran.
    const data = ['--data', join(cwd, 'partial-data')];
    const lines = ['-i', 'text=one\ntwo'];
    type Summary = { runId: string; status: string; nodes: { id: string; status: string; cached: boolean; items: { executed: number; cached: number } }[]; outputs: Record<string, unknown>; error?: { code: string; message: string; location: { nodeId: string } } };

    // Cold cache: --only executes nothing and names the upstream node it lacks.
    const cold = await reelgraph(...data, 'run', join(repo, 'graphs/lines.json'), ...lines, '--only', 'join', '--json', '--out', 'partial');
    expect(cold.code).toBe(1);
    const coldSummary = json<Summary>(cold);
    expect(coldSummary.error).toMatchObject({ code: 'UPSTREAM_NOT_CACHED', location: { nodeId: 'split' } });
    expect(coldSummary.nodes.find((n) => n.id === 'split')?.items.executed).toBe(0);
    expect((await reelgraph(...data, 'run', join(repo, 'graphs/lines.json'), ...lines, '--only', 'join', '--out', 'partial')).stdout).toContain(
      'error: node "split": no cached result for these inputs',
    );

    const until = await reelgraph(...data, 'run', join(repo, 'graphs/lines.json'), ...lines, '--until', 'join', '--json', '--out', 'partial');
    expect(until.code, until.stderr).toBe(0);
    const untilSummary = json<Summary>(until);
    // The file writer is downstream of join: it never appears, and writes nothing.
    expect(untilSummary.nodes.map((n) => [n.id, n.status])).toEqual([
      ['split', 'done'],
      ['number', 'done'],
      ['join', 'done'],
    ]);
    expect(untilSummary.outputs).toEqual({ text: '1/2  one\n2/2  two' });
    await expect(readFile(join(cwd, 'partial/numbered.txt'), 'utf8')).rejects.toThrow(/ENOENT/);

    const only = await reelgraph(...data, 'run', join(repo, 'graphs/lines.json'), ...lines, '--only', 'save', '--json', '--out', 'partial');
    expect(only.code, only.stderr).toBe(0);
    const onlySummary = json<Summary>(only);
    expect(onlySummary.nodes.map((n) => [n.id, n.status, n.cached, n.items.executed])).toEqual([
      ['split', 'cached', true, 0],
      ['number', 'cached', true, 0],
      ['join', 'cached', true, 0],
      ['save', 'done', false, 1],
    ]);
    expect(await readFile(join(cwd, 'partial/numbered.txt'), 'utf8')).toBe('1/2  one\n2/2  two');
    // The run record says what was asked.
    const shown = await reelgraph(...data, 'show', onlySummary.runId);
    expect(shown.stdout.split('\n')[0]).toMatch(/ done .* only save$/);
    expect(json<{ only: string }>(await reelgraph(...data, 'show', onlySummary.runId, '--json')).only).toBe('save');
  });

  it('exits 2 on an unknown --until or --only node, and on both at once', async () => {
    const unknown = await reelgraph('run', join(repo, 'graphs/lines.json'), '--until', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('/until: the graph has no node "nope" (nodes: split, number, join, save)');
    const unknownJson = await reelgraph('run', join(repo, 'graphs/lines.json'), '--only', 'nope', '--json');
    expect(unknownJson.code).toBe(2);
    expect(json<{ status: string; errors: { code: string; nodeId: string }[] }>(unknownJson)).toMatchObject({ status: 'invalid', errors: [{ code: 'UNKNOWN_NODE', nodeId: 'nope' }] });
    const both = await reelgraph('run', join(repo, 'graphs/lines.json'), '--until', 'join', '--only', 'save');
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("cannot be used with option '--only <node>'");
  });

  it('exits 1 with the failing node named when a run fails', async () => {
    const graph = JSON.parse(await readFile(join(repo, 'graphs/hello.json'), 'utf8')) as { nodes: { id: string; params: Record<string, unknown> }[] };
    (graph.nodes[1] as { params: Record<string, unknown> }).params.filename = '../../escape.txt';
    await writeFile(join(cwd, 'escape.json'), JSON.stringify(graph));
    const r = await reelgraph('run', 'escape.json', '--json');
    expect(r.code).toBe(1);
    const summary = json<{ status: string; error: { message: string; location: { nodeId: string } } }>(r);
    expect(summary.status).toBe('failed');
    expect(summary.error.location.nodeId).toBe('save');
    expect(summary.error.message).toContain('leaves the output directory');
  });

  it('exits 2 on unknown inputs and missing files', async () => {
    const unknown = await reelgraph('run', join(repo, 'graphs/hello.json'), '-i', 'nmae=x');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('the graph has no input "nmae" (inputs: name)');
    const missing = await reelgraph('run', 'nope.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such graph file');
  });

  it('names the node that failed and the input file when an episode cannot be parsed', async () => {
    // Line 2 holds control bytes no text editor writes. Every downstream node is skipped; the sinks must not take the blame.
    await writeFile(join(cwd, 'episode.bin'), Buffer.from('# Title\nKAEL: hi \u0001\u0002\u0003\n', 'utf8'));
    const expected = 'node "parse": episode.bin:2: this is not a text file';
    const text = await reelgraph('run', join(repo, 'graphs/episode.json'), '-i', 'episode=@episode.bin', '--out', 'binary');
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`error: ${expected}`);
    const r = await reelgraph('run', join(repo, 'graphs/episode.json'), '-i', 'episode=@episode.bin', '--out', 'binary', '--json');
    const summary = json<{ runId: string; error: { message: string; location: Record<string, unknown> } }>(r);
    expect(summary.error.message).toMatch(/^episode\.bin:2: this is not a text file/);
    expect(summary.error.location).toEqual({ nodeId: 'parse', file: 'episode.bin', line: 2 });
    // The run record says the same.
    const shown = await reelgraph('show', summary.runId, '--json');
    expect(json<{ error: { location: Record<string, unknown> } }>(shown).error.location).toEqual({ nodeId: 'parse', file: 'episode.bin', line: 2 });
    expect((await reelgraph('show', summary.runId)).stdout).toContain(`error: ${expected}`);
  });
});

describe('reelgraph validate', () => {
  it('accepts the example graphs', async () => {
    for (const name of ['hello', 'lines', 'hello-formal']) {
      const r = await reelgraph('validate', join(repo, `graphs/${name}.json`), '--json');
      expect(r.code, name).toBe(0);
      expect(json(r)).toEqual({ valid: true, errors: [] });
    }
  });

  it('reports every problem with node, port and path, exit 2', async () => {
    await writeFile(
      join(cwd, 'broken.json'),
      JSON.stringify({
        format: 'reelgraph/graph',
        schemaVersion: 1,
        name: 'broken',
        nodes: [
          { id: 'a', type: 'text.templat', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
          { id: 'b', type: 'file.write', typeVersion: 1, position: { x: 0, y: 0 }, params: { filename: 3 } },
        ],
        edges: [{ from: 'a.text', to: 'b.body' }],
      }),
    );
    const r = await reelgraph('validate', 'broken.json', '--json');
    expect(r.code).toBe(2);
    const { valid, errors } = json<{ valid: boolean; errors: { path: string; nodeId?: string; port?: string; message: string }[] }>(r);
    expect(valid).toBe(false);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ nodeId: 'a', path: '/nodes/0/type', message: expect.stringContaining('did you mean "text.template"') }),
        expect.objectContaining({ nodeId: 'b', path: '/nodes/1/params/filename', message: 'must be string' }),
        expect.objectContaining({ nodeId: 'b', port: 'body' }),
        expect.objectContaining({ nodeId: 'b', port: 'content', message: expect.stringContaining('not connected') }),
      ]),
    );
  });

  it('names the line of a JSON syntax error', async () => {
    await writeFile(join(cwd, 'syntax.json'), '{\n  "format": "reelgraph/graph",\n  "nodes": [,]\n}\n');
    const r = await reelgraph('validate', 'syntax.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/syntax\.json:3:\d+: invalid JSON/);
  });
});

describe('reelgraph nodes, save, graphs, runs, show', () => {
  it('lists node types from the registry', async () => {
    const nodes = json<{ type: string; params: object; inputs: unknown[] }[]>(await reelgraph('nodes', '--json'));
    expect(nodes.map((n) => n.type)).toEqual(expect.arrayContaining(['control.fallback', 'text.template', 'file.write', 'text.format-each']));
    expect((await reelgraph('nodes')).stdout).toContain('control.fallback');
  });

  it('stores graph versions and runs a stored graph by id', async () => {
    expect((await reelgraph('save', join(repo, 'graphs/hello.json'), '-m', 'first')).stdout).toContain('saved hello version 1');
    expect((await reelgraph('save', join(repo, 'graphs/hello.json'))).stdout).toContain('saved hello version 2');
    const history = json<{ version: number; message?: string }[]>(await reelgraph('graphs', 'hello', '--json'));
    expect(history.map((h) => h.version).sort()).toEqual([1, 2]);
    const r = await reelgraph('run', 'hello', '--json', '--out', 'by-id');
    expect(r.code).toBe(0);
    expect(await readFile(join(cwd, 'by-id/hello.txt'), 'utf8')).toContain('Hello, world!');
  });

  it('lists runs and shows one with per-node records', async () => {
    const runs = json<{ id: string; status: string; graphName: string }[]>(await reelgraph('runs', '--json'));
    expect(runs.length).toBeGreaterThanOrEqual(5);
    // The escaping hello run from above (other tests leave failed runs of other graphs too).
    const failed = runs.find((r) => r.status === 'failed' && r.graphName === 'Hello');
    expect(failed).toBeDefined();
    const shown = json<{ status: string; startedAt?: number; finishedAt?: number; nodes: { nodeId: string; status: string }[]; error: { message: string } }>(
      await reelgraph('show', (failed as { id: string }).id.slice(0, 8), '--json'),
    );
    expect(shown.status).toBe('failed');
    // The record saw the whole event stream, from the first 'running' event on.
    expect(shown.startedAt).toBeGreaterThan(0);
    expect(shown.finishedAt).toBeGreaterThanOrEqual(shown.startedAt as number);
    expect(shown.nodes.find((n) => n.nodeId === 'save')?.status).toBe('failed');
    expect(shown.error.message).toContain('leaves the output directory');
    const text = await reelgraph('show', (failed as { id: string }).id);
    expect(text.stdout).toContain('✖');
  });
});

describe('reelgraph lock, unlock, regenerate, take, pins', () => {
  it('locks an item so the next run keeps it after its input changed, regenerates another, and refuses with exit 2 what cannot be pinned', async () => {
    const lines = join(repo, 'graphs/lines.json');
    const run = async (text: string) => json<{ runId: string; outputs: { text: string } }>(await reelgraph('run', lines, '--json', '--out', 'pinned', '-i', `text=${text}`));
    expect((await run('one\ntwo\nthree')).outputs.text).toBe('1/3  one\n2/3  two\n3/3  three');

    const locked = await reelgraph('lock', lines, 'number', '1');
    expect(locked.code).toBe(0);
    expect(locked.stdout).toMatch(/^item 1 of node "number" \(graph "lines"\): locked to its result from run /);

    // Line 2 is rewritten: its locked result stays; line 3 follows its new text.
    const second = await run('one\nTWO\nTHREE');
    expect(second.outputs.text).toBe('1/3  one\n2/3  two\n3/3  THREE');
    const shown = json<{ items: Array<{ nodeId: string; index: number; status: string; locked?: boolean }> }>(await reelgraph('show', second.runId, '--json'));
    expect(shown.items.filter((i) => i.nodeId === 'number').map((i) => [i.index, i.status, i.locked ?? false])).toEqual([
      [0, 'cached', false],
      [1, 'cached', true],
      [2, 'done', false],
    ]);

    const refused = await reelgraph('regenerate', lines, 'number', '1');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe('item 1 of node "number" of graph "lines" is locked: unlock it before regenerating it\n');

    const regenerated = json<{ index: number; take: number; locked: boolean }>(await reelgraph('regenerate', lines, 'number', '2', '--json'));
    expect(regenerated).toMatchObject({ index: 2, take: 1, locked: false });
    const pins = json<Array<{ nodeId: string; index: number; locked: boolean; take: number }>>(await reelgraph('pins', lines, '--json'));
    expect(pins.map((p) => [p.nodeId, p.index, p.locked, p.take])).toEqual([
      ['number', 1, true, 0],
      ['number', 2, false, 1],
    ]);
    expect(json(await reelgraph('regenerate', lines, 'number', '2', '--undo', '--json'))).toMatchObject({ take: 0 });
    expect((await reelgraph('unlock', lines, 'number', '1')).stdout).toMatch(/: not locked, first take$/m);

    const whole = await reelgraph('lock', lines, 'join', '0');
    expect(whole.code).toBe(2);
    expect(whole.stderr).toMatch(/^node "join" \(text.join\) runs whole, not per item/);
    expect((await reelgraph('lock', '--help')).stdout).toMatch(/later runs reuse it and\s+never execute it/);
    // Each command starts a process: a dozen of them on a loaded machine.
  }, 240_000);
});

describe('reelgraph schema', () => {
  it('matches the committed JSON Schemas that graph files point at', async () => {
    for (const [args, file] of [[[], 'graph.schema.json'], [['variant'], 'graph-variant.schema.json'], [['script'], 'script.schema.json']] as const) {
      const printed = (await reelgraph('schema', ...args)).stdout;
      expect(printed, `docs/schema/${file} is stale: regenerate with reelgraph schema ${args.join(' ')}`).toBe(await readFile(join(repo, 'docs/schema', file), 'utf8'));
    }
  });
});

describe('reelgraph script parse', () => {
  it('prints an outline a writer can check', async () => {
    const r = await reelgraph('script', 'parse', join(repo, 'examples/episodes/last-terminal-ep01.md'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Boot Sequence · The Last Terminal, episode 1 · 16:9 · ~1:\d\d/);
    expect(r.stdout).toContain('Scene 2: The Scavenger  (line 34');
    expect(r.stdout).toMatch(/KAEL \(whispering\)\s+Wait\. Is that\.\.\. a signal\?/);
    expect(r.stdout).toContain('look: city street · night · heavy rain');
  });

  it('prints the Script JSON, and reads Fountain by extension', async () => {
    const r = await reelgraph('script', 'parse', join(repo, 'tests/fixtures/scripts/last-terminal-ep01.fountain'), '--json');
    expect(r.code).toBe(0);
    const script = json<{ source: { format: string }; scenes: unknown[] }>(r);
    expect(script.source.format).toBe('fountain');
    expect(script.scenes).toHaveLength(3);
  });

  it('exits 2 with file and line for a broken script, a binary file or a missing one', async () => {
    await writeFile(join(cwd, 'broken.md'), '# T\n\n**KAEL:** Hi.\n\n```terminal\n$ ls\n');
    const broken = await reelgraph('script', 'parse', 'broken.md');
    expect(broken.code).toBe(2);
    expect(broken.stderr).toBe('broken.md:5: code fence ``` opened here is never closed\n');
    await writeFile(join(cwd, 'image.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
    const binary = await reelgraph('script', 'parse', 'image.md');
    expect(binary.code).toBe(2);
    expect(binary.stderr).toContain('not a text file');
    const missing = await reelgraph('script', 'parse', 'nowhere.md');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
  });
});

describe('reelgraph run / demo with a Fountain episode', () => {
  const fountain = join(repo, 'tests/fixtures/scripts/last-terminal-ep01.fountain');
  type ScriptJson = { source: { format: string }; title: string; scenes: Array<{ title: string }> };
  const parsed = async (): Promise<ScriptJson> => json<ScriptJson>(await reelgraph('script', 'parse', fountain, '--json'));

  it('run -i episode=@ep.fountain parses it as Fountain (by extension), as script parse does', async () => {
    const r = await reelgraph('run', join(repo, 'graphs/script.json'), '-i', `episode=@${fountain}`, '--json', '--out', 'fountain-out');
    expect(r.code).toBe(0);
    const summary = json<{ nodes: Array<{ id: string; type: string }>; outputs: { script: ScriptJson } }>(r);
    expect(summary.nodes.find((n) => n.id === 'parse')?.type).toBe('script.fountain');
    const expected = await parsed();
    expect(summary.outputs.script.source.format).toBe('fountain');
    expect(summary.outputs.script.title).toBe(expected.title);
    expect(summary.outputs.script.scenes.map((s) => s.title)).toEqual(expected.scenes.map((s) => s.title));
    expect(expected.scenes.length).toBeGreaterThan(1);
  });

  it('demo reads a Fountain file without the extension by its content; markdown stays markdown', async () => {
    await writeFile(join(cwd, 'screenplay.txt'), await readFile(fountain, 'utf8'));
    const r = await reelgraph('demo', 'screenplay.txt', '--graph', join(repo, 'graphs/script.json'), '--out', 'demo-fountain');
    expect(r.code).toBe(0);
    const written = JSON.parse(await readFile(join(cwd, 'demo-fountain', 'script.json'), 'utf8')) as ScriptJson;
    expect(written.source.format).toBe('fountain');
    expect(written.scenes.map((s) => s.title)).toEqual((await parsed()).scenes.map((s) => s.title));

    const md = await reelgraph('run', join(repo, 'graphs/script.json'), '-i', `episode=@${join(repo, 'examples/episodes/last-terminal-ep01.md')}`, '--json', '--out', 'md-out');
    const summary = json<{ nodes: Array<{ id: string; type: string }>; outputs: { script: ScriptJson } }>(md);
    expect(summary.nodes.find((n) => n.id === 'parse')?.type).toBe('script.markdown');
    expect(summary.outputs.script.source.format).toBe('markdown');
  });
});

describe('reelgraph run stopped by a signal', () => {
  it('cancels the run on SIGTERM, stores it as cancelled and exits 143', async () => {
    // A provider that never answers keeps the run busy until the signal comes.
    const provider = await startFakeElevenLabs({ decide: () => 'hang' });
    try {
      const graph = {
        format: 'reelgraph/graph',
        schemaVersion: 1,
        name: 'hanging voice',
        inputs: { episode: { type: 'Markdown' } },
        nodes: [
          { id: 'parse', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
          { id: 'cast', type: 'voice.cast', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
          { id: 'speak', type: 'voice.tts', typeVersion: 1, position: { x: 0, y: 0 }, params: { provider: 'elevenlabs', endpoint: provider.url } },
        ],
        edges: [
          { from: '$input.episode', to: 'parse.markdown' },
          { from: 'parse.script', to: 'cast.script' },
          { from: 'parse.speakable', to: 'speak.segments' },
          { from: 'cast.casting', to: 'speak.casting' },
        ],
      };
      await writeFile(join(cwd, 'hanging.json'), JSON.stringify(graph));
      const child = spawn(process.execPath, [bin, 'run', 'hanging.json', '-i', 'episode=**KAEL:** Wait for me.', '--out', 'hanging'], {
        cwd,
        env: { ...process.env, REELGRAPH_DATA: join(cwd, 'signal-data'), ELEVENLABS_API_KEY: 'sk_test_signal' },
        stdio: 'ignore',
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
      while (provider.requests.length === 0) await new Promise((r) => setTimeout(r, 50));
      child.kill('SIGTERM');
      expect(await exited).toEqual({ code: 143, signal: null });

      const runs = await new Promise<Result>((done) =>
        execFile(process.execPath, [bin, 'runs', '--json'], { cwd, env: { ...process.env, REELGRAPH_DATA: join(cwd, 'signal-data') }, timeout: 60_000 }, (error, stdout, stderr) =>
          done({ code: error ? 1 : 0, stdout, stderr }),
        ),
      );
      expect(json<Array<{ status: string; graphName: string }>>(runs)).toEqual([expect.objectContaining({ graphName: 'hanging voice', status: 'cancelled' })]);
    } finally {
      await provider.close();
    }
  }, 120_000);
});
