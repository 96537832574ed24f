/**
 * The server's retention schedule: `reelgraph gc` every
 * REELGRAPH_GC_INTERVAL_MS, in this process, with the limits from
 *
 *   REELGRAPH_GC_MAX_SIZE           e.g. 20GB
 *   REELGRAPH_GC_MAX_AGE            e.g. 30d (the default when no size is given)
 *   REELGRAPH_GC_KEEP_RUNS          newest runs kept per graph (default 3)
 *   REELGRAPH_GC_KEEP_YOUNGER_THAN  e.g. 1d (the default)
 *
 * A sweep while a run is queued or running removes nothing (the retention
 * module checks, and checks again before each artifact); the next one tries
 * again. Sweeps never overlap. Unset interval: no schedule.
 */
import type { Logger } from 'pino';
import { byKind, collectGarbage, retentionPolicy, retentionTarget, RetentionError, type RetentionResult } from '../runtime/store/retention.js';
import type { SqliteRunStore } from '../runtime/store/sqlite.js';
import type { Workspace } from '../runtime/workspace.js';

export interface RetentionSchedule {
  /** Waits for a sweep under way, then stops. Idempotent. */
  stop(): Promise<void>;
}

export interface RetentionScheduleOptions {
  /** Called after every sweep (tests). */
  onSweep?: (result: RetentionResult) => void;
}

/** Starts the schedule the environment asks for; throws a `RetentionError` on an unreadable setting. */
export function scheduleRetention(workspace: Workspace, env: NodeJS.ProcessEnv, logger: Logger, options: RetentionScheduleOptions = {}): RetentionSchedule {
  const intervalText = env.REELGRAPH_GC_INTERVAL_MS?.trim();
  if (!intervalText) return { stop: async () => undefined };
  const intervalMs = Number(intervalText);
  if (!/^\d+$/.test(intervalText) || !Number.isSafeInteger(intervalMs) || intervalMs <= 0) {
    throw new RetentionError('GC_INVALID_LIMIT', `REELGRAPH_GC_INTERVAL_MS="${intervalText}" is invalid: expected a positive whole number of milliseconds`, { retryable: false });
  }
  const keepRunsText = env.REELGRAPH_GC_KEEP_RUNS?.trim();
  const keepRuns = keepRunsText ? Number(keepRunsText) : undefined;
  if (keepRuns !== undefined && (!Number.isInteger(keepRuns) || keepRuns < 1)) {
    throw new RetentionError('GC_INVALID_LIMIT', `REELGRAPH_GC_KEEP_RUNS="${keepRunsText}" is invalid: expected a positive whole number`, { retryable: false });
  }
  const optional = (name: string): string | undefined => env[name]?.trim() || undefined;
  const maxSize = optional('REELGRAPH_GC_MAX_SIZE');
  const maxAge = optional('REELGRAPH_GC_MAX_AGE');
  const keepYoungerThan = optional('REELGRAPH_GC_KEEP_YOUNGER_THAN');
  const policy = retentionPolicy(
    { ...(maxSize ? { maxSize } : {}), ...(maxAge ? { maxAge } : {}), ...(keepYoungerThan ? { keepYoungerThan } : {}), ...(keepRuns !== undefined ? { keepRuns } : {}) },
    { maxSize: 'REELGRAPH_GC_MAX_SIZE', maxAge: 'REELGRAPH_GC_MAX_AGE', keepYoungerThan: 'REELGRAPH_GC_KEEP_YOUNGER_THAN' },
  );
  const target = retentionTarget({ dataDir: workspace.dataDir, artifacts: workspace.artifacts, database: (workspace.store as SqliteRunStore).database, nodeTypes: workspace.registry.list() });

  let stopped = false;
  let sweeping: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sweep = async (): Promise<void> => {
    try {
      const result = await collectGarbage(target, policy);
      const bytes = result.removed.reduce((sum, removal) => sum + removal.bytes, 0);
      if (result.stopped) logger.info({ activeRuns: result.stopped.runIds, removed: result.removed.length }, 'gc: runs are active; trying again at the next interval');
      else logger.info({ removed: result.removed.length, bytes, byKind: byKind(result.removed), afterBytes: result.afterBytes, ...(result.overLimitBy ? { overLimitBy: result.overLimitBy } : {}) }, 'gc: swept the data directory');
      options.onSweep?.(result);
    } catch (error) {
      logger.warn({ err: error }, 'gc: sweep failed; trying again at the next interval');
    }
  };
  const next = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      sweeping = sweep().finally(() => {
        sweeping = undefined;
        next();
      });
    }, intervalMs);
    // The schedule alone never keeps the process alive.
    timer.unref();
  };
  next();
  logger.info({ intervalMs, policy }, 'gc: scheduled');
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await sweeping;
    },
  };
}
