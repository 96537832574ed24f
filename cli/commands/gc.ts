/**
 * `reelgraph gc`: removes what no kept run, locked item or stored graph
 * needs, oldest first, down to a size or age limit (runtime/store/retention.ts;
 * the policy is in docs/storage.md). Exit codes: 0 done (or planned, with
 * `--dry-run`), 1 stopped because a run is active (nothing, or only part,
 * removed), 2 invalid limits or a store gc cannot walk.
 */
import type { Command } from 'commander';
import { byKind, collectGarbage, RetentionError, retentionPolicy, retentionTarget, type RetentionResult, type Tally } from '../../runtime/store/retention.js';
import type { SqliteRunStore } from '../../runtime/store/sqlite.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';
import { positiveInt } from '../options.js';

interface GcOptions {
  dryRun?: boolean;
  maxSize?: string;
  maxAge?: string;
  keepRuns?: number;
  keepYoungerThan?: string;
  json?: boolean;
}

const size = (bytes: number): string =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`;
const counted = ({ count, bytes }: Tally): string => `${count} (${size(bytes)})`;

export function registerGcCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('gc')
    .description('remove artifacts, cache entries and scratch files no kept run, locked item or stored graph needs, oldest first, down to a size or age limit')
    .option('--dry-run', 'print what would go; remove nothing')
    .option('--max-size <size>', 'remove unreferenced artifacts until the data directory holds at most this, e.g. 20GB')
    .option('--max-age <age>', 'remove unreferenced artifacts last used longer ago than this, e.g. 30d (default 30d when no --max-size)')
    .option('--keep-runs <n>', 'newest runs kept per graph (default 3)', (v) => positiveInt(v, '--keep-runs'))
    .option('--keep-younger-than <age>', 'never touch runs or artifacts younger than this (default 1d; 0 for none)')
    .option('--json', 'print JSON')
    .action(async (options: GcOptions) => {
      let policy;
      try {
        policy = retentionPolicy(options);
      } catch (error) {
        if (!(error instanceof RetentionError)) throw error;
        io.err(`reelgraph gc: ${error.message}\n`);
        throw new Exit(EXIT.invalid);
      }
      const workspace = await cli.openWorkspace({ offline: true });
      let result: RetentionResult;
      try {
        let target;
        try {
          target = retentionTarget({ dataDir: workspace.dataDir, artifacts: workspace.artifacts, database: (workspace.store as SqliteRunStore).database, nodeTypes: workspace.registry.list() });
        } catch (error) {
          if (!(error instanceof RetentionError)) throw error;
          io.err(`reelgraph gc: ${error.message}\n`);
          throw new Exit(EXIT.invalid);
        }
        result = await collectGarbage(target, policy, { dryRun: options.dryRun === true });
      } finally {
        await workspace.close();
      }
      io.out(options.json ? `${JSON.stringify(asJson(result, options.dryRun === true), null, 2)}\n` : describe(result, options.dryRun === true));
      if (result.stopped) throw new Exit(EXIT.runFailed);
    });
}

function asJson(result: RetentionResult, dryRun: boolean) {
  const { remove, removed, ...rest } = result;
  const gone = dryRun ? remove : removed;
  return { dryRun, ...rest, ...(dryRun ? { wouldRemove: gone } : { removed: gone }), totals: byKind(gone), bytes: gone.reduce((sum, removal) => sum + removal.bytes, 0) };
}

function describe(result: RetentionResult, dryRun: boolean): string {
  const gone = dryRun ? result.remove : result.removed;
  const lines: string[] = [];
  if (result.stopped) lines.push(`not removing anything while runs are active: ${result.stopped.runIds.join(', ')}${result.removed.length > 0 ? ` (stopped after ${result.removed.length} removals)` : ''}`);
  const bytes = gone.reduce((sum, removal) => sum + removal.bytes, 0);
  lines.push(`${dryRun ? 'would remove' : 'removed'} ${gone.length} (${size(bytes)})`);
  for (const [kind, tally] of Object.entries(byKind(gone))) lines.push(`  ${kind.padEnd(12)} ${counted(tally)}`);
  if (dryRun) {
    for (const removal of gone.filter((r) => r.kind === 'artifact')) {
      lines.push(`  - ${removal.id.slice(0, 12)}  ${size(removal.bytes).padStart(9)}  ${removal.reason}  last used ${new Date(removal.lastUsedAt).toISOString()}${removal.paid ? '  paid' : ''}`);
    }
  }
  const { keep } = result;
  lines.push(`kept: ${result.keptRuns.length} runs; ${counted(keep.artifacts)} artifacts`);
  lines.push(
    `  by kept runs ${counted(keep['kept-run'])} (their intermediates ${counted(keep['kept-run-intermediate'])}), locked items ${counted(keep['locked-item'])}, graphs ${counted(keep.graph)}, young ${counted(keep.young)}, within limits ${counted(keep['within-limits'])}`,
  );
  lines.push(`  paid results used by kept runs: ${counted(keep.paidUsedByKeptRuns)}`);
  lines.push(`data: ${size(result.before.bytes)} before, ${size(dryRun || !result.stopped ? result.afterBytes : result.before.bytes - bytes)} after`);
  if (result.overLimitBy !== undefined) lines.push(`still over --max-size by ${size(result.overLimitBy)}: the rest is referenced by kept runs, locked items or graphs`);
  return `${lines.join('\n')}\n`;
}
