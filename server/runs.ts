/**
 * Starting runs for the server (REST and webhooks) through the workspace's
 * RunLauncher, so they are recorded, resumable and look like any other run.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Priority } from '../runtime/contract/events.js';
import type { AnyGraphDocument, GraphDocument } from '../runtime/contract/graph.js';
import { GraphValidationError } from '../runtime/contract/errors.js';
import { partialScopeOf, type LaunchedRun } from '../runtime/runs/launcher.js';
import { sceneGraph } from '../runtime/runs/scene-preview.js';
import type { RunTrigger } from '../runtime/store/types.js';
import type { ServerContext } from './context.js';
import { notFound } from './errors.js';
import { normalizeExtends, resolveDocument } from './graphs.js';

export interface StartRequest {
  graphId?: string;
  version?: number;
  /** An inline document (a full graph, or a variant of a stored graph). */
  graph?: AnyGraphDocument;
  inputs?: Record<string, unknown>;
  priority?: Priority;
  noCache?: boolean;
  /** A partial run: this node and what it needs. */
  until?: string;
  /** A partial run: this node alone, its inputs from the cache. */
  only?: string;
  /** A preview of this scene (1-based) alone, at a preview profile. */
  scene?: number;
  /** The run's budget in USD. */
  budgetUsd?: number;
  trigger: RunTrigger;
  /** The id to give the run (default a new one): lets a caller record something about the run before it can end. */
  runId?: string;
}

export async function graphFor(ctx: ServerContext, request: Pick<StartRequest, 'graphId' | 'version' | 'graph'>): Promise<{ graph: GraphDocument; version?: number }> {
  const { store } = ctx.workspace;
  if (request.graph) {
    const { graph, problems } = await resolveDocument(store, await normalizeExtends(store, request.graph));
    if (!graph) throw new GraphValidationError(problems);
    return { graph };
  }
  const id = request.graphId as string;
  const stored = await store.getGraph(id, request.version);
  if (!stored) throw notFound(request.version === undefined ? `graph "${id}"` : `version ${request.version} of graph "${id}"`);
  const { graph, problems } = await resolveDocument(store, stored.doc);
  if (!graph) throw new GraphValidationError(problems);
  return { graph: { ...graph, id: stored.id }, version: stored.version };
}

/** Validates (GraphValidationError / InvalidRunInputError → 400), records and starts the run. */
export async function startRun(ctx: ServerContext, request: StartRequest): Promise<LaunchedRun> {
  const found = await graphFor(ctx, request);
  const { version } = found;
  const graph = request.scene === undefined ? found.graph : sceneGraph(found.graph, ctx.workspace.registry, request.scene);
  const runId = request.runId ?? randomUUID();
  const runsDir = ctx.config.runsDir ?? join(ctx.workspace.dataDir, 'runs');
  const launched = await ctx.workspace.launcher.launch({
    graph,
    ...(version !== undefined ? { graphVersion: version } : {}),
    inputs: request.inputs ?? {},
    priority: request.priority ?? 'normal',
    outDir: join(runsDir, runId),
    noCache: request.noCache ?? false,
    ...partialScopeOf(request),
    ...(request.budgetUsd !== undefined ? { budgetUsd: request.budgetUsd } : {}),
    trigger: request.trigger,
    runId,
  });
  ctx.logger.info({ runId, graphId: graph.id, trigger: request.trigger }, 'run started');
  void launched.finished.then((result) => ctx.logger.info({ runId, status: result.status, durationMs: result.durationMs }, 'run finished'));
  return launched;
}
