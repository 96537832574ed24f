/**
 * `reelgraph` — run, validate and inspect graphs from the terminal.
 * Exit codes: 0 success, 1 run failed (or cancelled), 2 invalid input or graph.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Argument, Command, CommanderError, Option } from 'commander';
import Table from 'cli-table3';
import {
  describeNode,
  formatPortType,
  fullGraphSchema,
  scriptSchema,
  variantGraphSchema,
  GraphValidationError,
  ReelgraphError,
  serializeError,
  validateGraph,
} from '../runtime/contract/index.js';
import type { AnyGraphDocument, GraphDocument, GraphInput, GraphProblem, Priority } from '../runtime/contract/index.js';
import { InvalidRunInputError, type PreparedRun } from '../runtime/engine/engine.js';
import type { RunResult } from '../runtime/engine/run.js';
import { GraphFileError, loadGraphFile } from '../runtime/graph-file.js';
import { resolveVariant, VariantResolutionError } from '../runtime/contract/variant.js';
import { parseScript, ScriptError } from '../nodes/script/engine/index.js';
import { demoDefaults, demoSummary, repoRoot } from './demo.js';
import { withParsersForInputFiles } from './input-format.js';
import { createProgressView, statusSymbols } from './progress.js';
import { scriptOutline } from './script-outline.js';
import { registerWorkerCommand } from './worker-command.js';
import { createBuiltinRegistry, builtinNodes } from '../nodes/index.js';
import { dataDirFrom, openWorkspace, type Workspace, type WorkspaceOptions } from '../runtime/workspace.js';
import { registerServerCommands } from './server-command.js';

/** Schemas other tools can check files against (`docs/schema/*.schema.json` are these, committed). */
const publishedSchemas = { graph: fullGraphSchema, variant: variantGraphSchema, script: scriptSchema };

/** `interrupted`: Ctrl-C (SIGINT); `terminated`: SIGTERM (a process manager stopping us). Both cancel the run cleanly first; 128 + the signal number, as shells report it. */
export const EXIT = { ok: 0, runFailed: 1, invalid: 2, interrupted: 130, terminated: 143 } as const;

/** An error already reported to the user; carries the exit code. */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof Exit) return error.code;
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    io.err(`reelgraph: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.runFailed;
  }
}

function buildProgram(io: Io): Command {
  const program = new Command('reelgraph')
    .description('Node-graph runtime for narrated video production')
    .option('--data <dir>', 'data directory (artifacts, cache, run records); default $REELGRAPH_DATA or ./.reelgraph')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  const dataDir = (): string => dataDirFrom(program.opts<{ data?: string }>().data);
  // The CLI's workspace: the data directory given (or the default) with the built-in node types.
  const openCliWorkspace = (options: Omit<WorkspaceOptions, 'nodes'> = {}): Promise<Workspace> => openWorkspace(dataDir(), { nodes: builtinNodes, ...options });
  registerWorkerCommand(program, dataDir, io.err);

  program
    .command('run')
    .description('run a graph (a .json file, or the id of a stored graph)')
    .argument('<graph>', 'graph file or stored graph id')
    .option('-i, --input <name=value>', 'graph input; name=@file reads a file (repeatable)', collect, [])
    .option('-o, --out <dir>', 'output directory for written files', 'out')
    .option('--json', 'print one JSON summary object instead of progress and tables')
    .option('--no-cache', 'execute every node, ignoring cached results (results are still stored)')
    .option('--profile <name>', profileHelp)
    .addOption(new Option('--priority <priority>', 'scheduling priority').choices(['urgent', 'normal', 'batch']).default('normal'))
    .action(async (graphRef: string, options: RunCliOptions) => {
      const workspace = await openCliWorkspace();
      try {
        await runCommand(workspace, graphRef, options, io);
      } finally {
        await workspace.close();
      }
    });

  program
    .command('demo')
    .description('render an example episode to a finished video with offline providers (no keys, no network)')
    .argument('[episode]', 'episode markdown', demoDefaults.episode)
    .option('-g, --graph <file>', 'pipeline graph (graphs/shorts.json for 9:16)', demoDefaults.graph)
    .option('-o, --out <dir>', 'output directory', demoDefaults.out)
    .option('--no-cache', 'render everything again')
    .option('--profile <name>', profileHelp)
    .action(async (episode: string, options: { graph: string; out: string; cache: boolean; profile?: string }) => {
      const fromRepo = (path: string): string => (existsSync(path) ? path : resolve(repoRoot, path));
      const workspace = await openCliWorkspace({ offline: true });
      try {
        const runOptions: RunCliOptions = {
          input: [`episode=@${fromRepo(episode)}`],
          out: options.out,
          cache: options.cache,
          priority: 'normal',
          ...(options.profile ? { profile: options.profile } : {}),
        };
        const result = await executeRun(workspace, fromRepo(options.graph), runOptions, io);
        io.out(renderRunResult(result));
        exitUnlessDone(result);
        io.out(demoSummary(result));
      } finally {
        await workspace.close();
      }
    });

  program
    .command('validate')
    .description('check a graph file and report every problem')
    .argument('<graph>', 'graph file')
    .option('--json', 'print {valid, errors}')
    .action(async (file: string, options: { json?: boolean }) => validateCommand(file, options, io));

  program
    .command('nodes')
    .description('list the node types this runtime knows')
    .option('--json', 'print the node descriptions as JSON')
    .action((options: { json?: boolean }) => nodesCommand(options, io));

  program
    .command('schema')
    .description('print a published JSON Schema: graph documents, series variants, or the Script')
    .addArgument(new Argument('[which]', 'which schema').choices(Object.keys(publishedSchemas)).default('graph'))
    .action((which: keyof typeof publishedSchemas) => io.out(`${JSON.stringify(publishedSchemas[which], null, 2)}\n`));

  program
    .command('script')
    .description('work with episode scripts')
    .command('parse')
    .description('parse an episode (markdown or Fountain) and print an outline, or the Script JSON')
    .argument('<file>', 'episode file (.md, .fountain)')
    .option('--json', 'print the Script as JSON')
    .addOption(new Option('--format <format>', 'input format').choices(['auto', 'markdown', 'fountain']).default('auto'))
    .option('--lexicon <file>', 'pronunciation lexicon: a JSON object {"word": "pronunciation"}')
    .option('--wpm <n>', 'speaking rate in words per minute', (v) => positiveInt(v, '--wpm'))
    .action(async (file: string, options: { json?: boolean; format: 'auto' | 'markdown' | 'fountain'; lexicon?: string; wpm?: number }) => {
      try {
        const lexicon = options.lexicon ? (JSON.parse(await readFile(options.lexicon, 'utf8')) as Record<string, string>) : undefined;
        const script = parseScript(await readFile(file), { format: options.format, file, ...(lexicon ? { lexicon } : {}), ...(options.wpm ? { wordsPerMinute: options.wpm } : {}) });
        io.out(options.json ? `${JSON.stringify(script, null, 2)}\n` : scriptOutline(script));
      } catch (error) {
        if (!(error instanceof ScriptError) && !isFileError(error) && !(error instanceof SyntaxError)) throw error;
        io.err(`${error instanceof Error ? error.message : String(error)}\n`);
        throw new Exit(EXIT.invalid);
      }
    });

  program
    .command('save')
    .description('store a graph file as a new version (run it later by id)')
    .argument('<graph>', 'graph file')
    .option('-m, --message <text>', 'what changed in this version')
    .option('--id <id>', 'graph id (default: the document id, or a slug of its name)')
    .action(async (file: string, options: { message?: string; id?: string }) => {
      const workspace = await openCliWorkspace();
      try {
        const { document, graph } = await loadGraphFile(file, (id) => storedDocument(workspace, id)).catch((error: unknown) => {
          reportInvalid(error, false, io);
          throw new Exit(EXIT.invalid);
        });
        const problems = validateGraph(graph, workspace.registry);
        if (problems.length > 0) {
          io.err(`${new GraphValidationError(problems, file).message}\n`);
          throw new Exit(EXIT.invalid);
        }
        const saved = await workspace.store.saveGraph(document, { ...(options.id ? { id: options.id } : {}), ...(options.message ? { message: options.message } : {}) });
        io.out(`saved ${saved.id} version ${saved.version}\n`);
      } finally {
        await workspace.close();
      }
    });

  program
    .command('graphs')
    .description('list stored graphs, or the version history of one')
    .argument('[id]', 'graph id: show its history')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, options: { json?: boolean }) => {
      const workspace = await openCliWorkspace();
      try {
        const data = id ? await workspace.store.graphHistory(id) : await workspace.store.listGraphs();
        if (options.json) return io.out(`${JSON.stringify(data, null, 2)}\n`);
        const rows = id ? table({ head: ['version', 'saved', 'message'] }) : table({ head: ['id', 'name', 'version', 'updated'] });
        for (const row of data) {
          rows.push('id' in row ? [row.id, row.name, row.version, isoTime(row.updatedAt)] : [row.version, isoTime(row.createdAt), row.message ?? '']);
        }
        io.out(data.length ? `${rows.toString()}\n` : id ? `no graph "${id}"\n` : 'no stored graphs\n');
      } finally {
        await workspace.close();
      }
    });

  program
    .command('runs')
    .description('list recent runs')
    .option('-n, --limit <n>', 'how many', (v) => positiveInt(v, '--limit'), 20)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      const workspace = await openCliWorkspace();
      try {
        const runs = await workspace.store.listRuns({ limit: options.limit });
        if (options.json) return io.out(`${JSON.stringify(runs, null, 2)}\n`);
        const rows = table({ head: ['run', 'graph', 'status', 'started', 'time'] });
        for (const run of runs) {
          rows.push([run.id, run.graphName, run.status, isoTime(run.createdAt), formatMs(run.durationMs)]);
        }
        io.out(runs.length ? `${rows.toString()}\n` : 'no runs yet\n');
      } finally {
        await workspace.close();
      }
    });

  program
    .command('show')
    .description('show a run: nodes, items, providers and errors')
    .argument('<runId>', 'run id (a unique prefix is enough)')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const workspace = await openCliWorkspace();
      try {
        await showCommand(workspace, runId, options, io);
      } finally {
        await workspace.close();
      }
    });

  registerServerCommands(program, dataDir, io);
  return program;
}

interface RunCliOptions {
  input: string[];
  out: string;
  json?: boolean;
  cache: boolean;
  priority: Priority;
  /** The graph's render profile for this run (its `settings.profile`). */
  profile?: string;
}

const profileHelp = "render profile for this run, e.g. preview-720p, youtube-1080p, shorts-1080x1920 (sets the graph's settings.profile; nodes that name their own profile keep it)";

/** The graph with this run's settings from the command line; the run record keeps them, so the run can be repeated as it was. */
function withCliSettings(graph: GraphDocument, options: RunCliOptions): GraphDocument {
  return options.profile === undefined ? graph : { ...graph, settings: { ...graph.settings, profile: options.profile } };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CommanderError(2, 'reelgraph.invalidArgument', `${flag} must be a positive integer`);
  return n;
}

async function loadGraph(workspace: Workspace, ref: string): Promise<GraphDocument> {
  if (existsSync(ref) || ref.endsWith('.json')) return (await loadGraphFile(ref, (id) => storedDocument(workspace, id))).graph;
  const stored = await storedDocument(workspace, ref);
  if (!stored) throw new GraphFileError(`no graph file or stored graph named "${ref}"`, ref);
  try {
    // Stored variants extend stored ids: the contract's resolver follows the chain.
    return await resolveVariant(stored, { keyOf: (id) => id, read: (id) => storedDocument(workspace, id) }, ref);
  } catch (error) {
    if (error instanceof VariantResolutionError) throw new GraphFileError(`stored graph "${ref}": ${error.message}`, error.ref, undefined, error);
    throw error;
  }
}

async function storedDocument(workspace: Workspace, id: string): Promise<AnyGraphDocument | undefined> {
  return (await workspace.store.getGraph(id))?.doc;
}

/**
 * `name=value` and `name=@file`, coerced to the declared input type; for
 * `@file` also the file name as the user typed it, so errors point at it.
 */
async function parseInputs(graph: GraphDocument, pairs: string[]): Promise<{ inputs: Record<string, unknown>; sources: Record<string, string> }> {
  const inputs: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const problems: GraphProblem[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push({ path: '/inputs', code: 'INVALID_INPUT', message: `--input "${pair}" must look like name=value or name=@file` });
      continue;
    }
    const name = pair.slice(0, eq);
    let raw = pair.slice(eq + 1);
    if (raw.startsWith('@')) {
      const file = resolve(raw.slice(1));
      try {
        raw = await readFile(file, 'utf8');
      } catch (error) {
        problems.push({ path: `/inputs/${name}`, code: 'INVALID_INPUT', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}` });
        continue;
      }
      sources[name] = pair.slice(eq + 2);
    }
    const coerced = coerceInput(graph.inputs?.[name], raw);
    if (coerced.ok) inputs[name] = coerced.value;
    else problems.push({ path: `/inputs/${name}`, code: 'INVALID_INPUT', message: `input "${name}": ${coerced.message}` });
  }
  if (problems.length > 0) throw new InvalidRunInputError(problems);
  return { inputs, sources };
}

function coerceInput(spec: GraphInput | undefined, raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  // Unknown names pass through; the engine reports them with the list of declared inputs.
  if (!spec) return { ok: true, value: raw };
  if (spec.list || spec.type === 'Json' || spec.type === 'Number' || spec.type === 'Boolean') {
    try {
      return { ok: true, value: JSON.parse(raw) };
    } catch {
      return { ok: false, message: `expected JSON for ${formatPortType(spec)}, got ${JSON.stringify(raw.slice(0, 40))}` };
    }
  }
  return { ok: true, value: raw };
}

async function runCommand(workspace: Workspace, graphRef: string, options: RunCliOptions, io: Io): Promise<void> {
  const result = await executeRun(workspace, graphRef, options, io);
  if (options.json) io.out(`${JSON.stringify(runSummary(result))}\n`);
  else io.out(renderRunResult(result));
  exitUnlessDone(result);
}

/** A cancelled run exits 130 after Ctrl-C or 143 after SIGTERM (only signals cancel from the CLI), a failed one 1. */
function exitUnlessDone(result: CliRunResult): void {
  if (result.status === 'cancelled') throw new Exit(result.interruptedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  if (result.status !== 'done') throw new Exit(EXIT.runFailed);
}

/** A run's result, and the signal that cancelled it, if one did. */
type CliRunResult = RunResult & { interruptedBy?: StopSignal };

/** The signals that cancel a run cleanly: Ctrl-C, and SIGTERM from `kill`, systemd, Docker or CI. */
const stopSignals = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof stopSignals)[number];

/** Validate, record, run with progress (or quietly for --json), and store the result. Ctrl-C or SIGTERM cancels the run, which is then stored as cancelled. */
async function executeRun(workspace: Workspace, graphRef: string, options: RunCliOptions, io: Io): Promise<CliRunResult> {
  let prepared: PreparedRun;
  const outDir = resolve(options.out);
  try {
    const loaded = withCliSettings(await loadGraph(workspace, graphRef), options);
    const given = await parseInputs(loaded, options.input);
    // An episode file in another script format than the graph's parser reads gets the parser of its format.
    const graph = withParsersForInputFiles(loaded, given.sources, given.inputs);
    prepared = workspace.engine.prepare(graph, { inputs: given.inputs, inputSources: given.sources, outDir, noCache: !options.cache, priority: options.priority });
    await workspace.store.createRun({ id: prepared.runId, graphName: graph.name, graph, inputs: prepared.inputs, priority: options.priority, outDir, noCache: !options.cache, ...(graph.id ? { graphId: graph.id } : {}) });
  } catch (error) {
    reportInvalid(error, options.json === true, io);
    throw new Exit(EXIT.invalid);
  }

  const view = options.json ? undefined : createProgressView();
  const unsubscribe = workspace.engine.events.on((event) => {
    if (event.runId !== prepared.runId) return;
    workspace.store.recordEvent(event);
    view?.handle(event);
  });
  const handle = prepared.start();
  let interruptedBy: StopSignal | undefined;
  // Once each: a second signal while the run winds down gets the default action (exit at once), the usual way to force it.
  const handlers = stopSignals.map((signal) => {
    const onSignal = (): void => {
      interruptedBy ??= signal;
      handle.cancel();
    };
    process.once(signal, onSignal);
    return { signal, onSignal };
  });
  let result: RunResult;
  try {
    result = await handle.result;
  } finally {
    for (const { signal, onSignal } of handlers) process.removeListener(signal, onSignal);
    unsubscribe();
    view?.stop();
  }
  await workspace.store.finishRun(result.runId, { status: result.status, outputs: result.outputs, durationMs: result.durationMs, ...(result.error ? { error: result.error } : {}) });
  await workspace.store.flush();
  return interruptedBy && result.status === 'cancelled' ? { ...result, interruptedBy } : result;
}

function runSummary(result: RunResult): Record<string, unknown> {
  return {
    runId: result.runId,
    status: result.status,
    durationMs: result.durationMs,
    nodes: result.nodes.map((n) => ({
      id: n.id,
      type: n.type,
      status: n.status,
      cached: n.cached,
      items: n.items,
      ...(n.providers ? { providers: n.providers } : {}),
      ...(n.error ? { error: n.error } : {}),
    })),
    outputs: result.outputs,
    ...(result.error ? { error: result.error } : {}),
  };
}

function renderRunResult(result: RunResult): string {
  const rows = table({ head: ['', 'node', 'type', 'status', 'time', 'executed', 'cached', 'failed', 'fell back'] });
  for (const node of result.nodes) {
    const { items } = node;
    rows.push([statusSymbols[node.status], node.id, node.type, node.status, formatMs(node.durationMs), items.executed, items.cached, items.failed, items.fellBack || '']);
  }
  const lines = [rows.toString(), `run ${result.runId} ${result.status} in ${formatMs(result.durationMs)}`];
  if (result.error) lines.push(`error: ${describeLocation(result.error.location)}${result.error.message}`);
  for (const [name, value] of Object.entries(result.outputs)) lines.push(`output ${name}: ${summariseValue(value)}`);
  return `${lines.join('\n')}\n`;
}

function describeLocation(location: { nodeId?: string; item?: number; port?: string } | undefined): string {
  if (!location?.nodeId) return '';
  return `node "${location.nodeId}"${location.item !== undefined ? ` item ${location.item}` : ''}${location.port ? ` port "${location.port}"` : ''}: `;
}

function summariseValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** Plain tables when the output is not a terminal: no colour codes in logs and pipes. */
function table(options: { head: string[] }): Table.Table {
  const plain = !process.stdout.isTTY;
  return new Table({ ...options, ...(plain ? { style: { head: [], border: [] } } : {}) });
}

function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function isFileError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function problemsOf(error: unknown): GraphProblem[] {
  if (error instanceof GraphValidationError || error instanceof InvalidRunInputError) return error.problems;
  const location = error instanceof ReelgraphError ? error.location : {};
  return [{ path: '', code: error instanceof ReelgraphError ? error.code : 'ERROR', message: error instanceof Error ? error.message : String(error), ...(location.nodeId ? { nodeId: location.nodeId } : {}) }];
}

/** Problems with what the user gave us (exit 2), as opposed to failures while working (exit 1). */
function isInvalidInput(error: unknown): error is ReelgraphError {
  return error instanceof GraphValidationError || error instanceof InvalidRunInputError || error instanceof GraphFileError;
}

function reportInvalid(error: unknown, json: boolean, io: Io): void {
  if (!isInvalidInput(error)) throw error;
  if (json) {
    io.out(`${JSON.stringify({ status: 'invalid', error: serializeError(error), errors: problemsOf(error) })}\n`);
  } else {
    io.err(`${error.message}\n`);
  }
}

async function validateCommand(file: string, options: { json?: boolean }, io: Io): Promise<void> {
  const registry = createBuiltinRegistry();
  let problems: GraphProblem[];
  let report: string;
  try {
    const { graph } = await loadGraphFile(file);
    problems = validateGraph(graph, registry);
    report = new GraphValidationError(problems, file).message;
  } catch (error) {
    if (!isInvalidInput(error)) throw error;
    problems = problemsOf(error);
    report = error.message;
  }
  if (options.json) {
    io.out(`${JSON.stringify({ valid: problems.length === 0, errors: problems }, null, 2)}\n`);
  } else if (problems.length === 0) {
    io.out(`${file}: valid\n`);
  } else {
    io.err(`${report}\n`);
  }
  if (problems.length > 0) throw new Exit(EXIT.invalid);
}

function nodesCommand(options: { json?: boolean }, io: Io): void {
  const nodes = createBuiltinRegistry().list();
  if (options.json) {
    io.out(`${JSON.stringify(nodes.map(describeNode), null, 2)}\n`);
    return;
  }
  const rows = table({ head: ['type', 'v', 'category', 'title', 'inputs', 'outputs', 'resource'] });
  const ports = (list: { name: string; type: string; list?: boolean; optional?: boolean }[]): string =>
    list.map((p) => `${p.name}: ${formatPortType({ type: p.type as never, list: p.list ?? false })}${p.optional ? '?' : ''}`).join('\n');
  for (const node of nodes) {
    rows.push([node.type, node.version, node.category, node.title, ports(node.inputs), ports(node.outputs), `${node.resource}${node.mapOver ? `, per item of ${node.mapOver}` : ''}`]);
  }
  io.out(`${rows.toString()}\n`);
}

async function showCommand(workspace: Workspace, runRef: string, options: { json?: boolean }, io: Io): Promise<void> {
  let run = await workspace.store.getRun(runRef);
  if (!run) {
    const matches = (await workspace.store.listRuns({ limit: 1000 })).filter((r) => r.id.startsWith(runRef));
    if (matches.length === 1 && matches[0]) run = await workspace.store.getRun(matches[0].id);
    else {
      io.err(matches.length > 1 ? `run id prefix "${runRef}" is ambiguous (${matches.length} runs)\n` : `no run "${runRef}"\n`);
      throw new Exit(EXIT.invalid);
    }
  }
  if (!run) throw new Exit(EXIT.invalid);
  if (options.json) {
    io.out(`${JSON.stringify(run, null, 2)}\n`);
    return;
  }
  const lines = [`run ${run.id}  ${run.graphName}  ${run.status}  ${formatMs(run.durationMs)}  priority ${run.priority}`];
  if (run.error) lines.push(`error: ${describeLocation(run.error.location)}${run.error.message}`);
  const rows = table({ head: ['', 'node', 'type', 'status', 'time', 'attempts', 'items', 'error'] });
  for (const node of run.nodes) {
    const items = node.items ? `${node.items.executed} run, ${node.items.cached} cached, ${node.items.failed} failed${node.items.fellBack ? `, ${node.items.fellBack} fell back` : ''}` : '';
    rows.push([statusSymbols[node.status], node.nodeId, node.nodeType, node.status, formatMs(node.durationMs), node.attempts, items, node.error?.message.slice(0, 60) ?? '']);
  }
  lines.push(rows.toString());
  const notable = run.items.filter((item) => item.status === 'failed' || item.status === 'fell-back' || (item.provider && item.provider !== item.nodeId));
  if (notable.length > 0) {
    const itemRows = table({ head: ['node', 'item', 'status', 'provider', 'attempts', 'error'] });
    for (const item of notable) itemRows.push([item.nodeId, item.index, item.status, item.provider ?? '', item.attempts, item.error?.message.slice(0, 60) ?? '']);
    lines.push(itemRows.toString());
  }
  io.out(`${lines.join('\n')}\n`);
}
