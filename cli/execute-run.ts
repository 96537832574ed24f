/** Running a graph from the terminal (`run` and `demo`): record it, show progress, cancel on Ctrl-C or SIGTERM, and print the result. */
import { resolve } from 'node:path';
import type { GraphDocument, Priority } from '../runtime/contract/index.js';
import type { PreparedRun } from '../runtime/engine/engine.js';
import type { RunResult } from '../runtime/engine/run.js';
import { partialScopeOf } from '../runtime/runs/launcher.js';
import { sceneGraph } from '../runtime/runs/scene-preview.js';
import type { Workspace } from '../runtime/workspace.js';
import { Exit, EXIT } from './exit.js';
import { describeLocation, formatMs, table } from './format.js';
import { withParsersForInputFiles } from '../nodes/script/input-format.js';
import type { Io } from './io.js';
import { loadGraph } from './load-graph.js';
import { createProgressView, statusSymbols } from './progress.js';
import { reportInvalid } from './report-invalid.js';
import { parseInputs } from './run-inputs.js';

export interface RunCliOptions {
  input: string[];
  out: string;
  json?: boolean;
  cache: boolean;
  priority: Priority;
  /** The graph's render profile for this run (its `settings.profile`). */
  profile?: string;
  /** A partial run: this node and what it needs. */
  until?: string;
  /** A partial run: this node alone, its inputs from the cache. */
  only?: string;
  /** The run's budget in USD (`--budget-usd`). */
  budgetUsd?: number;
  /** A preview of this scene (1-based) alone, at a preview profile unless `profile` is given. */
  scene?: number;
}

/** The graph with this run's settings from the command line; the run record keeps them, so the run can be repeated as it was. */
function withCliSettings(graph: GraphDocument, options: Pick<RunCliOptions, 'profile' | 'scene'>, registry: Workspace['registry']): GraphDocument {
  if (options.scene !== undefined) return sceneGraph(graph, registry, options.scene, options.profile);
  return options.profile === undefined ? graph : { ...graph, settings: { ...graph.settings, profile: options.profile } };
}

/**
 * The graph a command line asks for, with its settings (`--profile`,
 * `--scene`) and its inputs (`-i`) read: an episode file in another script
 * format than the graph's parser reads gets the parser of its format.
 */
export async function loadCliGraph(
  workspace: Workspace,
  graphRef: string,
  options: Pick<RunCliOptions, 'profile' | 'scene' | 'input'>,
): Promise<{ graph: GraphDocument; inputs: Record<string, unknown>; sources: Record<string, string> }> {
  const loaded = withCliSettings(await loadGraph(workspace, graphRef), options, workspace.registry);
  const given = await parseInputs(loaded, options.input);
  return { graph: withParsersForInputFiles(loaded, given.sources, given.inputs), inputs: given.inputs, sources: given.sources };
}

/** A cancelled run exits 130 after Ctrl-C or 143 after SIGTERM (only signals cancel from the CLI), a failed one 1. */
export function exitUnlessDone(result: CliRunResult): void {
  if (result.status === 'cancelled') throw new Exit(result.interruptedBy === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  if (result.status !== 'done') throw new Exit(EXIT.runFailed);
}

/** A run's result, and the signal that cancelled it, if one did. */
export type CliRunResult = RunResult & { interruptedBy?: StopSignal };

/** The signals that cancel a run cleanly: Ctrl-C, and SIGTERM from `kill`, systemd, Docker or CI. */
const stopSignals = ['SIGINT', 'SIGTERM'] as const;
type StopSignal = (typeof stopSignals)[number];

/** Validate, record, run with progress (or quietly for --json), and store the result. Ctrl-C or SIGTERM cancels the run, which is then stored as cancelled. */
export async function executeRun(workspace: Workspace, graphRef: string, options: RunCliOptions, io: Io): Promise<CliRunResult> {
  let prepared: PreparedRun;
  const outDir = resolve(options.out);
  try {
    const { graph, ...given } = await loadCliGraph(workspace, graphRef, options);
    const scope = partialScopeOf(options);
    prepared = workspace.engine.prepare(graph, { inputs: given.inputs, inputSources: given.sources, outDir, noCache: !options.cache, priority: options.priority, ...scope, ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}) });
    await workspace.store.createRun({
      id: prepared.runId,
      graphName: graph.name,
      graph,
      inputs: prepared.inputs,
      priority: options.priority,
      outDir,
      noCache: !options.cache,
      ...scope,
      ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
      ...(graph.id ? { graphId: graph.id } : {}),
    });
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

export function renderRunResult(result: RunResult): string {
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

function summariseValue(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
