/**
 * Starting runs on an engine and keeping their record: the run row, every
 * event, and the final state. The CLI, the server, webhooks and resumption
 * all start runs through here, so a run looks the same wherever it began.
 *
 * Resumption: after a restart, runs the previous process owned (any trigger
 * but `cli`, whose runs belong to their own process) are still `queued`,
 * `running` or `waiting` (at a review gate, whose record keeps its deadline
 * and any decision made meanwhile) in the store. They are started again under the same id with the
 * recorded graph, inputs, priority, cache choice and partial scope (`until` /
 * `only`), timed from their first start; finished units come back from the
 * result cache (and, in queue mode, from jobs that finished meanwhile), so
 * only unfinished work runs again.
 */
import type { Logger } from 'pino';
import type { Priority } from '../contract/events.js';
import type { GraphDocument } from '../contract/graph.js';
import type { Engine, PreparedRun } from '../engine/engine.js';
import type { RunResult } from '../engine/run.js';
import type { RunStore, RunTrigger } from '../store/types.js';

export interface LaunchOptions {
  graph: GraphDocument;
  graphVersion?: number;
  inputs?: Record<string, unknown>;
  priority?: Priority;
  outDir: string;
  noCache?: boolean;
  /** A partial run: this node and what it needs (see `StartOptions.until`). */
  until?: string;
  /** A partial run: this node alone, its inputs from the cache (see `StartOptions.only`). */
  only?: string;
  /** The run's budget in USD (see `StartOptions.budgetUsd`); recorded, so a resumed run keeps it. */
  budgetUsd?: number;
  trigger: RunTrigger;
  runId?: string;
}

export interface LaunchedRun {
  runId: string;
  /** Inputs as the run sees them: given values plus defaults. */
  inputs: Record<string, unknown>;
  /** Settles once the final state is stored; never rejects. */
  finished: Promise<RunResult>;
}

export class RunLauncher {
  private readonly active = new Map<string, { cancel(): void; finished: Promise<RunResult> }>();
  private readonly unsubscribe: () => void;
  private readonly storedListeners = new Set<(result: RunResult) => void>();

  constructor(
    private readonly engine: Engine,
    private readonly store: RunStore,
    private readonly logger?: Logger,
  ) {
    // One listener for every run this launcher owns: cheaper than one per run with thousands of events.
    this.unsubscribe = engine.events.on((event) => {
      if (this.active.has(event.runId)) store.recordEvent(event);
    });
  }

  /** Validates (throwing GraphValidationError / InvalidRunInputError), records the run, then starts it. */
  async launch(options: LaunchOptions): Promise<LaunchedRun> {
    const prepared = this.engine.prepare(options.graph, {
      inputs: options.inputs ?? {},
      outDir: options.outDir,
      noCache: options.noCache ?? false,
      priority: options.priority ?? 'normal',
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.graphVersion !== undefined ? { graphVersion: options.graphVersion } : {}),
      ...partialScopeOf(options),
      ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
    });
    await this.store.createRun({
      id: prepared.runId,
      graphName: options.graph.name,
      graph: options.graph,
      inputs: prepared.inputs,
      priority: options.priority ?? 'normal',
      outDir: options.outDir,
      trigger: options.trigger,
      noCache: options.noCache ?? false,
      ...partialScopeOf(options),
      ...(options.budgetUsd !== undefined ? { budgetUsd: options.budgetUsd } : {}),
      ...(options.graph.id ? { graphId: options.graph.id } : {}),
      ...(options.graphVersion !== undefined ? { graphVersion: options.graphVersion } : {}),
    });
    return { runId: prepared.runId, inputs: prepared.inputs, finished: this.begin(prepared) };
  }

  /** Starts again every unfinished run that is not a CLI run; returns their ids. */
  async resumeUnfinished(): Promise<string[]> {
    const resumed: string[] = [];
    for (const row of await this.store.listRuns({ status: ['queued', 'running', 'waiting'], limit: 10_000 })) {
      if (row.trigger === 'cli' || this.active.has(row.id)) continue;
      const detail = await this.store.getRun(row.id);
      if (!detail) continue;
      let prepared: PreparedRun;
      try {
        // The same run as it began: still without the cache if it was started so, and timed from its first start.
        prepared = this.engine.prepare(detail.graph, {
          runId: row.id,
          inputs: row.inputs,
          outDir: row.outDir ?? '',
          priority: row.priority,
          noCache: row.noCache ?? false,
          ...partialScopeOf(row),
          // Its budget too: what it spent before the restart still counts (the ledger reads it from the record).
          ...(row.budgetUsd !== undefined ? { budgetUsd: row.budgetUsd } : {}),
          startedAt: row.startedAt ?? row.createdAt,
          ...(row.graphVersion !== undefined ? { graphVersion: row.graphVersion } : {}),
        });
      } catch (error) {
        // The node registry changed under a stored run (a node type removed): it can never finish.
        this.logger?.error({ err: error, runId: row.id }, 'cannot resume run');
        await this.store.finishRun(row.id, { status: 'failed', durationMs: 0, error: { name: 'ResumeError', code: 'RESUME_FAILED', message: `cannot resume: ${error instanceof Error ? error.message : String(error)}`, retryable: false } });
        continue;
      }
      this.logger?.info({ runId: row.id }, 'resuming run');
      void this.begin(prepared);
      resumed.push(row.id);
    }
    return resumed;
  }

  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    run?.cancel();
    return run !== undefined;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  /** The result of an active run, or undefined when this launcher is not running it. */
  finished(runId: string): Promise<RunResult> | undefined {
    return this.active.get(runId)?.finished;
  }

  /** Cancels every active run and waits until each has stored its final state. */
  async close(): Promise<void> {
    const pending = [...this.active.values()];
    for (const run of pending) run.cancel();
    await Promise.allSettled(pending.map((run) => run.finished));
    this.unsubscribe();
  }

  /** Stops listening without cancelling: runs stay unfinished in the store, to be resumed by the next process. */
  detach(): void {
    this.unsubscribe();
    this.active.clear();
  }

  /**
   * Called with each run's result once its final state is stored: runs
   * launched here and runs resumed here alike (what a completion callback
   * needs, whichever process started the run). Returns the unsubscribe.
   */
  onStored(listener: (result: RunResult) => void): () => void {
    this.storedListeners.add(listener);
    return () => this.storedListeners.delete(listener);
  }

  private begin(prepared: PreparedRun): Promise<RunResult> {
    // Registered before start(): a run emits its first events synchronously.
    const entry = { cancel: () => {}, finished: Promise.resolve() as unknown as Promise<RunResult> };
    this.active.set(prepared.runId, entry);
    const handle = prepared.start();
    const finished = handle.result.then(async (result) => {
      // Detached: the process is going away and the run is left for the next one to resume.
      if (this.active.get(result.runId) !== entry) return result;
      try {
        await this.store.finishRun(result.runId, { status: result.status, outputs: result.outputs, durationMs: result.durationMs, ...(result.error ? { error: result.error } : {}) });
        await this.store.flush();
      } catch (error) {
        this.logger?.error({ err: error, runId: result.runId }, 'could not store the run result');
      } finally {
        this.active.delete(result.runId);
      }
      for (const listener of this.storedListeners) {
        try {
          listener(result);
        } catch (error) {
          this.logger?.error({ err: error, runId: result.runId }, 'a run-stored listener failed');
        }
      }
      return result;
    });
    entry.cancel = handle.cancel;
    entry.finished = finished;
    return finished;
  }
}

/** A partial run's `until` / `only`, present only when set: what the engine, the store and a resumption are given. */
export function partialScopeOf(options: { until?: string | undefined; only?: string | undefined }): { until?: string; only?: string } {
  return { ...(options.until !== undefined ? { until: options.until } : {}), ...(options.only !== undefined ? { only: options.only } : {}) };
}
