/**
 * Retention (`reelgraph gc`, the server's schedule): what of a data directory
 * may go, and removing it without ever breaking what stays.
 *
 * Policy (docs/storage.md):
 *
 * - Kept runs: every run not finished (queued, running, waiting at a review
 *   gate); per episode of a series (its runs), else per graph (its id, else
 *   its name), the newest `keepRuns` runs and
 *   the newest run that finished `done`; every run younger than
 *   `keepYoungerThanMs`.
 * - Never removed, whatever the limits: what a kept run's record names as
 *   its outputs, inputs or graph; everything an unfinished run's records
 *   name; every paid provider result a kept run uses (an item or node of a
 *   type with `estimateUsage`, or a fallback item a paid alternative made);
 *   every locked item's kept result; anything a stored graph version or a
 *   graph's input draft names.
 * - Candidates: every other artifact, oldest last use first, free results
 *   before paid ones (a paid result costs money to make again); removed
 *   while older than `maxAgeMs` or while the directory is over `maxBytes`.
 * - Then, only while still over `maxBytes`: a finished kept run's free
 *   intermediates (what only its nodes' and items' outputs name: render
 *   chunks, stems, mixes), oldest first. They are made again, for nothing
 *   but time, when a run needs them; never by age.
 * - Nothing used within `keepYoungerThanMs` goes.
 * - Garbage, always removed: cache entries naming an artifact that is gone,
 *   index rows of blobs that are gone, sidecars without a blob, staging and
 *   scratch leftovers older than `scratchGraceMs`.
 *
 * Crash safety: one artifact goes as (1) the cache entries naming it, (2) its
 * index row, (3) its blob, (4) its sidecar. A crash between steps leaves an
 * unreferenced blob or a sidecar alone, never an index row or a cache entry
 * presenting a missing file as present (and the engine treats a cache entry
 * whose artifact is missing as a miss anyway: runtime/engine/run.ts
 * `cacheLookup`; the part cache's users check `has()` too). The next gc
 * finishes the job.
 *
 * Runs: nothing is removed while a run is queued or running (a run about to
 * take a cached result must find its artifact). The check is made again
 * before each artifact goes, and a run that starts meanwhile stops the
 * sweep. A run queued or running whose record has not moved for
 * `staleRunAfterMs` is taken for a crashed process's and does not block.
 */
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FsArtifactStore } from '../artifacts/fs-store.js';
import { ReelgraphError } from '../contract/errors.js';
import type { Connection } from './connection.js';

const DAY_MS = 86_400_000;
const HASH = /^[0-9a-f]{64}$/;
const CACHE_FILE = /^([0-9a-f]{64})\.json$/;
const HANDLE_HASH = /"hash":\s*"([0-9a-f]{64})"/g;

export interface RetentionPolicy {
  /** Newest runs kept per graph. */
  keepRuns: number;
  /** Runs (and artifacts last used) younger than this are never touched. */
  keepYoungerThanMs: number;
  /** Remove unreferenced artifacts until the directory holds at most this. */
  maxBytes?: number;
  /** Remove unreferenced artifacts last used longer ago than this. */
  maxAgeMs?: number;
  /** A queued or running run silent this long belongs to a crashed process: it does not block gc. */
  staleRunAfterMs: number;
  /** Staging and scratch files younger than this may belong to a put or a unit at work. */
  scratchGraceMs: number;
}

export const defaultRetentionPolicy: RetentionPolicy = {
  keepRuns: 3,
  keepYoungerThanMs: DAY_MS,
  maxAgeMs: 30 * DAY_MS,
  staleRunAfterMs: 6 * 3_600_000,
  scratchGraceMs: 3_600_000,
};

/** What gc works on: a data directory's database, filesystem artifact store, result cache and scratch space. */
export interface RetentionTarget {
  database: Connection;
  /** The filesystem artifact store's root (`<dataDir>/artifacts`). */
  artifactRoot: string;
  /** `<dataDir>/cache`. */
  cacheDir: string;
  /** `<dataDir>/tmp`: units' scratch directories. */
  scratchDir: string;
  /** Whether results of this node type cost money (the type has `estimateUsage`). */
  isPaid: (nodeType: string) => boolean;
  now?: () => number;
}

export type RemovalKind = 'artifact' | 'cache-entry' | 'index-row' | 'sidecar' | 'scratch';
export type RemovalReason = 'over-age' | 'over-size' | 'missing-artifact' | 'no-blob' | 'leftover';

export interface Removal {
  kind: RemovalKind;
  /** Hash, cache key or path. */
  id: string;
  /** Bytes the store gives back (an artifact: blob, sidecar and its cache entries). */
  bytes: number;
  reason: RemovalReason;
  /** Epoch ms of the last use known (record, cache entry, file time). */
  lastUsedAt: number;
  paid?: boolean;
  /** An export hard-linked it: its bytes stay on disk under the export's name. */
  linkedElsewhere?: boolean;
  /** A finished kept run's free intermediate, removed because the directory is over `maxBytes`. */
  intermediate?: boolean;
  /** Cache entries (keys) that go with an artifact. */
  cacheEntries?: string[];
}

export type KeepReason = 'kept-run' | 'kept-run-intermediate' | 'locked-item' | 'graph' | 'young' | 'within-limits';

export interface Tally {
  count: number;
  bytes: number;
}

export interface RetentionPlan {
  at: number;
  policy: RetentionPolicy;
  /** Runs that block removal (queued or running, not stale): when any, nothing is removed. */
  activeRuns: string[];
  keptRuns: string[];
  before: { bytes: number; artifacts: number; cacheEntries: number; scratch: number };
  remove: Removal[];
  /** Artifacts that stay, by why (one artifact may count under several reasons). */
  keep: Record<KeepReason, Tally> & { artifacts: Tally; paidUsedByKeptRuns: Tally };
  /** Bytes left after the removals. */
  afterBytes: number;
  /** When `maxBytes` cannot be met without touching referenced data: by how much it stays over. */
  overLimitBy?: number;
}

export interface RetentionResult extends RetentionPlan {
  /** What actually went (the plan's `remove` minus what a stop left). */
  removed: Removal[];
  /** Why the sweep stopped early, or did not start. */
  stopped?: { reason: 'active-run'; runIds: string[] };
}

export class RetentionError extends ReelgraphError {}

// ------------------------------------------------------------------ parsing

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };
const AGE_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: DAY_MS, w: 7 * DAY_MS };

/** `20GB`, `500MB`, `1.5GiB`, `1000000`: bytes. */
export function parseSize(text: string, where = 'size'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new RetentionError('GC_INVALID_LIMIT', `${where} "${text}" is not a size: expected e.g. 20GB, 500MB, 1.5GiB`, { retryable: false });
  return Math.floor(Number(match[1]) * unit);
}

/** `30d`, `12h`, `90m`, `2w`, `0`: milliseconds. */
export function parseAge(text: string, where = 'age'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(text);
  if (!match || (match[2] === undefined && Number(match[1]) !== 0)) {
    throw new RetentionError('GC_INVALID_LIMIT', `${where} "${text}" is not an age: expected e.g. 30d, 12h, 90m, 2w`, { retryable: false });
  }
  return Math.floor(Number(match[1]) * (match[2] ? AGE_UNITS[match[2].toLowerCase()]! : 1));
}

// ------------------------------------------------------------------ planning

interface RunInfo {
  id: string;
  group: string;
  status: string;
  createdAt: number;
  lastActivity: number;
}

interface BlobInfo {
  hash: string;
  bytes: number;
  sidecarBytes: number;
  mtimeMs: number;
  links: number;
}

interface CacheFile {
  key: string;
  path: string;
  bytes: number;
  createdAt: number;
  nodeType?: string;
  hashes: string[];
}

const hashesIn = (text: string | null | undefined): string[] => (text ? [...text.matchAll(HANDLE_HASH)].map((match) => match[1]!) : []);

async function listDir(path: string): Promise<Dirent[]> {
  try {
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

const statOrUndefined = (path: string): Promise<Stats | undefined> => lstat(path).catch(() => undefined);

/** Bytes under a path (files and directories, links not followed). */
async function sizeOf(path: string): Promise<number> {
  const stats = await statOrUndefined(path);
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.size;
  let total = 0;
  for (const entry of await listDir(path)) total += await sizeOf(join(path, entry.name));
  return total;
}

/** Runs newest first with their last recorded activity; `unfinishedOnly`: queued and running ones (the check before each removal). */
async function runsOf(db: Connection, unfinishedOnly = false): Promise<RunInfo[]> {
  return db.exclusive((x) =>
    x.all<RunInfo>(
      `SELECT r.id,
         COALESCE((SELECT 'episode:' || e.episode_id FROM episode_runs e WHERE e.run_id = r.id LIMIT 1), r.graph_id, 'name:' || r.graph_name) AS "group",
         r.status, r.created_at AS createdAt,
         MAX(r.created_at, COALESCE(r.started_at, 0), COALESCE(r.finished_at, 0),
             COALESCE((SELECT MAX(MAX(COALESCE(started_at, 0), COALESCE(finished_at, 0))) FROM node_runs WHERE run_id = r.id), 0),
             COALESCE((SELECT MAX(MAX(COALESCE(started_at, 0), COALESCE(finished_at, 0))) FROM item_runs WHERE run_id = r.id), 0),
             COALESCE((SELECT MAX(at) FROM run_logs WHERE run_id = r.id), 0)) AS lastActivity
       FROM runs r ${unfinishedOnly ? "WHERE r.status IN ('queued', 'running')" : ''} ORDER BY r.created_at DESC, r.rowid DESC`,
    ),
  );
}

/** Runs that a removal could race: queued or running, and not silent for `staleRunAfterMs`. */
export async function activeRuns(db: Connection, policy: Pick<RetentionPolicy, 'staleRunAfterMs'>, now: number): Promise<string[]> {
  const runs = await runsOf(db, true);
  return runs.filter((run) => now - run.lastActivity < policy.staleRunAfterMs).map((run) => run.id);
}

function keptRunIds(runs: RunInfo[], policy: RetentionPolicy, now: number): Set<string> {
  const kept = new Set<string>();
  const perGroup = new Map<string, { newest: number; done: boolean }>();
  // Newest first (the query's order).
  for (const run of runs) {
    const group = perGroup.get(run.group) ?? { newest: 0, done: false };
    perGroup.set(run.group, group);
    const unfinished = run.status === 'queued' || run.status === 'running' || run.status === 'waiting';
    const lastGood = run.status === 'done' && !group.done;
    if (unfinished || lastGood || group.newest < policy.keepRuns || now - run.createdAt < policy.keepYoungerThanMs) kept.add(run.id);
    group.newest += 1;
    if (run.status === 'done') group.done = true;
  }
  return kept;
}

async function blobsOf(root: string): Promise<{ blobs: Map<string, BlobInfo>; sidecars: Map<string, { bytes: number; mtimeMs: number }>; staging: Array<{ path: string; bytes: number; mtimeMs: number }> }> {
  const blobs = new Map<string, BlobInfo>();
  const sidecars = new Map<string, { bytes: number; mtimeMs: number }>();
  const staging: Array<{ path: string; bytes: number; mtimeMs: number }> = [];
  for (const shard of await listDir(root)) {
    if (!shard.isDirectory()) continue;
    const dir = join(root, shard.name);
    if (shard.name === 'tmp') {
      for (const entry of await listDir(dir)) {
        const stats = await statOrUndefined(join(dir, entry.name));
        if (stats) staging.push({ path: join(dir, entry.name), bytes: stats.size, mtimeMs: stats.mtimeMs });
      }
      continue;
    }
    if (!/^[0-9a-f]{2}$/.test(shard.name)) continue;
    for (const entry of await listDir(dir)) {
      const hash = entry.name.endsWith('.json') ? entry.name.slice(0, -5) : entry.name;
      if (!HASH.test(hash)) continue;
      const stats = await statOrUndefined(join(dir, entry.name));
      if (!stats) continue;
      if (entry.name.endsWith('.json')) sidecars.set(hash, { bytes: stats.size, mtimeMs: stats.mtimeMs });
      else blobs.set(hash, { hash, bytes: stats.size, sidecarBytes: 0, mtimeMs: stats.mtimeMs, links: stats.nlink });
    }
  }
  for (const [hash, sidecar] of sidecars) {
    const blob = blobs.get(hash);
    if (blob) blob.sidecarBytes = sidecar.bytes;
  }
  return { blobs, sidecars, staging };
}

async function cacheFilesOf(cacheDir: string): Promise<CacheFile[]> {
  const files: CacheFile[] = [];
  for (const shard of await listDir(cacheDir)) {
    if (!shard.isDirectory()) continue;
    for (const entry of await listDir(join(cacheDir, shard.name))) {
      const key = CACHE_FILE.exec(entry.name)?.[1];
      if (!key) continue;
      const path = join(cacheDir, shard.name, entry.name);
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      let parsed: { createdAt?: unknown; nodeType?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // A corrupt entry is a miss already; it stays an entry without artifacts.
      }
      files.push({
        key,
        path,
        bytes: Buffer.byteLength(text),
        createdAt: typeof parsed.createdAt === 'number' ? parsed.createdAt : 0,
        ...(typeof parsed.nodeType === 'string' ? { nodeType: parsed.nodeType } : {}),
        hashes: [...new Set(hashesIn(text))],
      });
    }
  }
  return files;
}

const tally = (): Tally => ({ count: 0, bytes: 0 });
const add = (into: Tally, bytes: number): void => {
  into.count += 1;
  into.bytes += bytes;
};

/** What gc would remove now, and what it keeps and why. Reads only. */
export async function planRetention(target: RetentionTarget, policy: RetentionPolicy): Promise<RetentionPlan> {
  const now = (target.now ?? Date.now)();
  const db = target.database;
  const runs = await runsOf(db);
  const kept = keptRunIds(runs, policy, now);
  const active = runs.filter((run) => (run.status === 'queued' || run.status === 'running') && now - run.lastActivity < policy.staleRunAfterMs).map((run) => run.id);
  const runCreated = new Map(runs.map((run) => [run.id, run.createdAt]));

  // References from the records: which hashes, under which reason; last use and paid-ness from every run.
  const reasons = new Map<string, Set<KeepReason>>();
  const refer = (hash: string, reason: KeepReason): void => void (reasons.get(hash) ?? reasons.set(hash, new Set()).get(hash)!).add(reason);
  const lastUse = new Map<string, number>();
  const used = (hash: string, at: number): void => void lastUse.set(hash, Math.max(lastUse.get(hash) ?? 0, at));
  const paid = new Set<string>();
  const paidUsedByKept = new Set<string>();

  const { runTexts, nodeRows, itemRows, pins, graphs } = await db.exclusive(async (x) => ({
    runTexts: await x.all<{ id: string; text: string }>(`SELECT id, COALESCE(outputs, '') || inputs || graph AS text FROM runs`),
    nodeRows: await x.all<{ runId: string; nodeId: string; nodeType: string; outputs: string | null }>(
      'SELECT run_id AS runId, node_id AS nodeId, node_type AS nodeType, outputs FROM node_runs',
    ),
    itemRows: await x.all<{ runId: string; nodeId: string; provider: string | null; outputs: string }>(
      'SELECT run_id AS runId, node_id AS nodeId, provider, outputs FROM item_runs WHERE outputs IS NOT NULL',
    ),
    pins: await x.all<{ outputs: string }>('SELECT outputs FROM item_pins WHERE locked = 1 AND outputs IS NOT NULL'),
    graphs: await x.all<{ text: string }>('SELECT doc AS text FROM graph_versions UNION ALL SELECT inputs AS text FROM graph_inputs'),
  }));
  const nodeTypeOf = new Map(nodeRows.map((row) => [`${row.runId}\u0000${row.nodeId}`, row.nodeType]));
  const paidNode = (runId: string, nodeId: string | null): boolean => {
    const type = nodeId === null ? undefined : nodeTypeOf.get(`${runId}\u0000${nodeId}`);
    return type !== undefined && target.isPaid(type);
  };
  const unfinished = new Set(runs.filter((run) => run.status === 'queued' || run.status === 'running' || run.status === 'waiting').map((run) => run.id));
  const fromRun = (runId: string, text: string | null, isPaid: boolean, part: 'record' | 'step'): void => {
    const keptRun = kept.has(runId);
    // An unfinished run needs every step's result; a finished one its outputs (the steps' can be made again).
    const reason: KeepReason = part === 'step' && !unfinished.has(runId) ? 'kept-run-intermediate' : 'kept-run';
    for (const hash of hashesIn(text)) {
      used(hash, runCreated.get(runId) ?? 0);
      if (keptRun) refer(hash, reason);
      if (isPaid) {
        paid.add(hash);
        if (keptRun) paidUsedByKept.add(hash);
      }
    }
  };
  for (const row of runTexts) fromRun(row.id, row.text, false, 'record');
  for (const row of nodeRows) fromRun(row.runId, row.outputs, target.isPaid(row.nodeType), 'step');
  for (const row of itemRows) fromRun(row.runId, row.outputs, paidNode(row.runId, row.nodeId) || paidNode(row.runId, row.provider), 'step');
  for (const row of pins) for (const hash of hashesIn(row.outputs)) refer(hash, 'locked-item');
  for (const row of graphs) for (const hash of hashesIn(row.text)) refer(hash, 'graph');

  const indexed = new Map(
    (await db.exclusive((x) => x.all<{ hash: string; createdAt: number }>('SELECT hash, created_at AS createdAt FROM artifacts'))).map((row) => [row.hash, row.createdAt]),
  );
  const { blobs, sidecars, staging } = await blobsOf(target.artifactRoot);
  const cacheFiles = await cacheFilesOf(target.cacheDir);
  const entriesOf = new Map<string, CacheFile[]>();
  for (const file of cacheFiles) {
    for (const hash of file.hashes) {
      (entriesOf.get(hash) ?? entriesOf.set(hash, []).get(hash)!).push(file);
      used(hash, file.createdAt);
      if (file.nodeType !== undefined && target.isPaid(file.nodeType)) paid.add(hash);
    }
  }

  const scratch: Array<{ path: string; bytes: number; mtimeMs: number }> = [...staging];
  for (const entry of await listDir(target.scratchDir)) {
    const path = join(target.scratchDir, entry.name);
    const stats = await statOrUndefined(path);
    if (stats) scratch.push({ path, bytes: await sizeOf(path), mtimeMs: stats.mtimeMs });
  }

  const before = {
    bytes:
      [...blobs.values()].reduce((sum, blob) => sum + blob.bytes + blob.sidecarBytes, 0) +
      [...sidecars].filter(([hash]) => !blobs.has(hash)).reduce((sum, [, sidecar]) => sum + sidecar.bytes, 0) +
      cacheFiles.reduce((sum, file) => sum + file.bytes, 0) +
      scratch.reduce((sum, file) => sum + file.bytes, 0),
    artifacts: blobs.size,
    cacheEntries: cacheFiles.length,
    scratch: scratch.length,
  };

  // Garbage: always removed.
  const remove: Removal[] = [];
  const goneEntries = new Set<string>();
  for (const file of cacheFiles) {
    if (file.hashes.some((hash) => !blobs.has(hash))) {
      goneEntries.add(file.key);
      remove.push({ kind: 'cache-entry', id: file.key, bytes: file.bytes, reason: 'missing-artifact', lastUsedAt: file.createdAt });
    }
  }
  for (const [hash, createdAt] of indexed) if (!blobs.has(hash)) remove.push({ kind: 'index-row', id: hash, bytes: 0, reason: 'no-blob', lastUsedAt: createdAt });
  // A put writes the sidecar before it publishes the blob: a young lone sidecar may be one at work.
  for (const [hash, sidecar] of sidecars) {
    if (!blobs.has(hash) && now - sidecar.mtimeMs >= policy.scratchGraceMs) remove.push({ kind: 'sidecar', id: hash, bytes: sidecar.bytes, reason: 'no-blob', lastUsedAt: Math.floor(sidecar.mtimeMs) });
  }
  for (const file of scratch) {
    if (now - file.mtimeMs >= policy.scratchGraceMs) remove.push({ kind: 'scratch', id: file.path, bytes: file.bytes, reason: 'leftover', lastUsedAt: Math.floor(file.mtimeMs) });
  }

  // Artifacts: referenced ones stay; the rest in order, free before paid, oldest first.
  const keep = { 'kept-run': tally(), 'kept-run-intermediate': tally(), 'locked-item': tally(), graph: tally(), young: tally(), 'within-limits': tally(), artifacts: tally(), paidUsedByKeptRuns: tally() };
  const pool: Removal[] = [];
  const intermediates: Removal[] = [];
  const keepAs = (reasonsOf: Iterable<KeepReason>, bytes: number): void => {
    add(keep.artifacts, bytes);
    for (const reason of reasonsOf) add(keep[reason], bytes);
  };
  for (const blob of blobs.values()) {
    const size = blob.bytes + blob.sidecarBytes;
    const entries = (entriesOf.get(blob.hash) ?? []).filter((file) => !goneEntries.has(file.key));
    const lastUsedAt = Math.max(indexed.get(blob.hash) ?? 0, Math.floor(blob.mtimeMs), lastUse.get(blob.hash) ?? 0);
    const why = reasons.get(blob.hash);
    const young = now - lastUsedAt < policy.keepYoungerThanMs;
    if (paidUsedByKept.has(blob.hash)) add(keep.paidUsedByKeptRuns, size);
    const onlyIntermediate = why !== undefined && why.size === 1 && why.has('kept-run-intermediate') && !paidUsedByKept.has(blob.hash);
    if ((why && !onlyIntermediate) || young) {
      // Under the reasons that hold it: an output that is also some step's output is kept as an output.
      keepAs(why ? [...why].filter((reason) => reason !== 'kept-run-intermediate' || why.size === 1) : ['young'], size);
      continue;
    }
    (onlyIntermediate ? intermediates : pool).push({
      kind: 'artifact',
      id: blob.hash,
      bytes: size + entries.reduce((sum, file) => sum + file.bytes, 0),
      reason: 'over-age',
      lastUsedAt,
      paid: paid.has(blob.hash),
      ...(blob.links > 1 ? { linkedElsewhere: true } : {}),
      ...(entries.length > 0 ? { cacheEntries: entries.map((file) => file.key).sort() } : {}),
    });
  }
  const byAge = (a: Removal, b: Removal): number => a.lastUsedAt - b.lastUsedAt || (a.id < b.id ? -1 : 1);
  intermediates.sort(byAge);
  pool.sort((a, b) => Number(a.paid) - Number(b.paid) || byAge(a, b));


  let left = before.bytes - remove.reduce((sum, removal) => sum + removal.bytes, 0);
  const overSize = (): boolean => policy.maxBytes !== undefined && left > policy.maxBytes;
  for (const candidate of pool) {
    const overAge = policy.maxAgeMs !== undefined && now - candidate.lastUsedAt > policy.maxAgeMs;
    if (!overAge && !overSize()) {
      keepAs(['within-limits'], candidate.bytes);
      continue;
    }
    remove.push({ ...candidate, reason: overAge ? 'over-age' : 'over-size' });
    left -= candidate.bytes;
  }
  for (const candidate of intermediates) {
    if (!overSize()) {
      keepAs(['kept-run-intermediate'], candidate.bytes);
      continue;
    }
    remove.push({ ...candidate, reason: 'over-size', intermediate: true });
    left -= candidate.bytes;
  }
  return {
    at: now,
    policy,
    activeRuns: active,
    keptRuns: runs.filter((run) => kept.has(run.id)).map((run) => run.id),
    before,
    remove,
    keep,
    afterBytes: left,
    ...(policy.maxBytes !== undefined && left > policy.maxBytes ? { overLimitBy: left - policy.maxBytes } : {}),
  };
}

// ------------------------------------------------------------------ sweeping

/**
 * Plans, then removes what the plan says, in the crash-safe order (module
 * comment), checking before each artifact that no run has started. With
 * `dryRun` it only plans. Nothing goes while a run is active.
 */
export async function collectGarbage(target: RetentionTarget, policy: RetentionPolicy, options: { dryRun?: boolean } = {}): Promise<RetentionResult> {
  const plan = await planRetention(target, policy);
  if (options.dryRun) return { ...plan, removed: [] };
  if (plan.activeRuns.length > 0) return { ...plan, removed: [], stopped: { reason: 'active-run', runIds: plan.activeRuns } };
  const now = target.now ?? Date.now;
  const removed: Removal[] = [];
  const cachePath = (key: string): string => join(target.cacheDir, key.slice(0, 2), `${key}.json`);
  const blobPath = (hash: string): string => join(target.artifactRoot, hash.slice(0, 2), hash);
  const dropIndexRow = (hash: string): Promise<unknown> => target.database.exclusive((x) => x.run('DELETE FROM artifacts WHERE hash = ?', [hash]));
  for (const removal of plan.remove) {
    if (removal.kind === 'artifact') {
      const runIds = await activeRuns(target.database, policy, now());
      if (runIds.length > 0) return { ...plan, removed, stopped: { reason: 'active-run', runIds } };
      for (const key of removal.cacheEntries ?? []) await rm(cachePath(key), { force: true });
      await dropIndexRow(removal.id);
      await rm(blobPath(removal.id), { force: true });
      await rm(`${blobPath(removal.id)}.json`, { force: true });
    } else if (removal.kind === 'cache-entry') await rm(cachePath(removal.id), { force: true });
    else if (removal.kind === 'index-row') await dropIndexRow(removal.id);
    else if (removal.kind === 'sidecar') await rm(`${blobPath(removal.id)}.json`, { force: true });
    else await rm(removal.id, { recursive: true, force: true });
    removed.push(removal);
  }
  return { ...plan, removed };
}

/** Removals summed per kind. */
export function byKind(removals: readonly Removal[]): Partial<Record<RemovalKind, Tally>> {
  const totals: Partial<Record<RemovalKind, Tally>> = {};
  for (const removal of removals) add((totals[removal.kind] ??= tally()), removal.bytes);
  return totals;
}

// ------------------------------------------------------------------ wiring

/** What a workspace hands gc: its data directory, artifact store, database and node types. */
export interface RetentionSources {
  dataDir: string;
  artifacts: unknown;
  database: Connection;
  nodeTypes: ReadonlyArray<{ type: string; estimateUsage?: unknown }>;
}

/** The target of a workspace; a `RetentionError` for a store gc cannot walk (S3: use the bucket's lifecycle rules). */
export function retentionTarget(sources: RetentionSources): RetentionTarget {
  if (!(sources.artifacts instanceof FsArtifactStore)) {
    throw new RetentionError('GC_UNSUPPORTED_STORE', 'gc removes artifacts from a filesystem store only; for an S3 store use the bucket\'s lifecycle rules', { retryable: false });
  }
  const paid = new Set(sources.nodeTypes.filter((node) => typeof node.estimateUsage === 'function').map((node) => node.type));
  return {
    database: sources.database,
    artifactRoot: sources.artifacts.root,
    cacheDir: join(sources.dataDir, 'cache'),
    scratchDir: join(sources.dataDir, 'tmp'),
    isPaid: (type) => paid.has(type),
  };
}

export interface RetentionLimits {
  maxSize?: string;
  maxAge?: string;
  keepRuns?: number;
  keepYoungerThan?: string;
}

/** The policy for limits as a person writes them (`20GB`, `30d`); with neither limit, the default age (30 days). */
export function retentionPolicy(limits: RetentionLimits, where: { maxSize: string; maxAge: string; keepYoungerThan: string } = { maxSize: '--max-size', maxAge: '--max-age', keepYoungerThan: '--keep-younger-than' }): RetentionPolicy {
  const { maxAgeMs: defaultMaxAge, ...base } = defaultRetentionPolicy;
  const maxBytes = limits.maxSize === undefined ? undefined : parseSize(limits.maxSize, where.maxSize);
  const maxAgeMs = limits.maxAge === undefined ? (maxBytes === undefined ? defaultMaxAge : undefined) : parseAge(limits.maxAge, where.maxAge);
  return {
    ...base,
    ...(limits.keepRuns !== undefined ? { keepRuns: limits.keepRuns } : {}),
    ...(limits.keepYoungerThan !== undefined ? { keepYoungerThanMs: parseAge(limits.keepYoungerThan, where.keepYoungerThan) } : {}),
    ...(maxBytes !== undefined ? { maxBytes } : {}),
    ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
  };
}
