/**
 * `reelgraph series create|list|show` and `reelgraph episode add`: series
 * and their episodes (runtime/contract/series.ts), on the data directory's
 * store, like `graphs` and `runs`.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { checkSchema, usd as formatUsd, type EpisodeRecord, type SeriesRecord } from '../../runtime/contract/index.js';
import { seriesPublishTarget, type SeriesPublishTarget } from '../../runtime/contract/series.js';
import { checkSeriesSettings, publishSeries } from '../../runtime/runs/series-publish.js';
import { SeriesError } from '../../runtime/store/series-tables.js';
import { parseEpisodeList, renderSeries, type EpisodeRender } from '../../runtime/runs/series-render.js';
import { episodeRunOf } from '../../nodes/script/input-format.js';
import { loadGraph } from '../load-graph.js';
import { readEpisodeScript, type EpisodeScript } from '../../nodes/script/engine/episode-file.js';
import { ScriptError } from '../../nodes/script/engine/index.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';
import { formatMs, isoTime, table } from '../format.js';
import { createEpisodeBars, type EpisodeBars } from '../progress.js';

interface CreateOptions {
  graph: string;
  name?: string;
  profile?: string;
  budget?: number;
  publish?: SeriesPublishTarget;
  json?: boolean;
}

/** `--publish '{"node":"publish.webhook","params":{…}}'`: its shape here; its params against the node's schema once the workspace is open. */
function publishTarget(value: string): SeriesPublishTarget {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`JSON, e.g. '{"node":"publish.webhook","params":{"url":"https://cms.example/hook"}}'`);
  }
  const issues = checkSchema(seriesPublishTarget, parsed);
  if (issues.length > 0) throw new InvalidArgumentError(issues.map((issue) => `${issue.pointer || '/'} ${issue.message}`).join('; '));
  return parsed as SeriesPublishTarget;
}

function usd(value: string): number {
  const amount = Number(value);
  if (!(amount > 0)) throw new InvalidArgumentError(`a positive amount in USD, e.g. 2.5 (got "${value}")`);
  return amount;
}

export function registerSeriesCommands(program: Command, cli: CliContext): void {
  const { io } = cli;
  const series = program.command('series').description('series: a stored graph, its settings and an ordered list of episodes');

  series
    .command('create')
    .description('create a series on a stored graph (a template or a variant)')
    .argument('<id>', 'the series id: lower-case letters, digits and dashes')
    .requiredOption('--graph <graphId>', 'the stored graph its episodes run through (reelgraph save FILE stores one)')
    .option('--name <name>', 'display name (default: the id)')
    .option('--profile <profile>', 'render profile for its episodes, e.g. preview-720p')
    .option('--budget <usd>', 'each episode render stops before a paid request would take it past this', usd)
    .option('--publish <json>', 'where rendered episodes are published: {"node": "publish.webhook" | "publish.s3" | "publish.youtube", "params": {…}}', publishTarget)
    .option('--json', 'print the series as JSON')
    .action(async (id: string, options: CreateOptions) => {
      if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) {
        io.err(`series id "${id}": use lower-case letters, digits and dashes (at most 64), starting with a letter or digit\n`);
        throw new Exit(EXIT.invalid);
      }
      await withSeries(cli, async (workspace) => {
        const settings = {
          ...(options.profile ? { profile: options.profile } : {}),
          ...(options.budget !== undefined ? { budgetUsdPerRun: options.budget } : {}),
          ...(options.publish ? { publish: options.publish } : {}),
        };
        checkSeriesSettings(settings, workspace.registry);
        const created = await workspace.series.create({ id, name: options.name ?? id, graphId: options.graph, settings });
        io.out(options.json ? `${JSON.stringify(created, null, 2)}\n` : `created series ${created.id} on graph ${created.graphId}\n`);
      });
    });

  series
    .command('set')
    .description("change a series' settings (the rest stay); a publish target is checked against its node's params as at create")
    .argument('<id>', 'the series id')
    .option('--profile <profile>', 'render profile for its episodes')
    .option('--budget <usd>', 'each episode render stops before a paid request would take it past this', usd)
    .option('--publish <json>', 'where rendered episodes are published: {"node": …, "params": {…}}', publishTarget)
    .option('--no-publish', 'remove the publish target')
    .option('--json', 'print the series as JSON')
    .action(async (id: string, options: { profile?: string; budget?: number; publish?: SeriesPublishTarget | false; json?: boolean }) => {
      await withSeries(cli, async (workspace) => {
        const current = (await workspace.series.get(id)).settings;
        const { publish: _removed, ...withoutPublish } = current;
        const settings = {
          ...(options.publish === false ? withoutPublish : current),
          ...(options.profile ? { profile: options.profile } : {}),
          ...(options.budget !== undefined ? { budgetUsdPerRun: options.budget } : {}),
          ...(options.publish ? { publish: options.publish } : {}),
        };
        checkSeriesSettings(settings, workspace.registry);
        const updated = await workspace.series.update(id, { settings });
        io.out(options.json ? `${JSON.stringify(updated, null, 2)}\n` : `updated series ${updated.id}\n`);
      });
    });

  series
    .command('list')
    .description('list series')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withSeries(cli, async (workspace) => {
        const all = await workspace.series.list();
        if (options.json) return io.out(`${JSON.stringify(all, null, 2)}\n`);
        const rows = table({ head: ['series', 'name', 'graph', 'episodes', 'updated'] });
        for (const s of all) rows.push([s.id, s.name, s.graphId, s.episodeCount, isoTime(s.updatedAt)]);
        io.out(all.length === 0 ? 'no series yet: reelgraph series create ID --graph GRAPH\n' : `${rows.toString()}\n`);
      });
    });

  series
    .command('show')
    .description("a series' settings and its episodes, each with its status and last render")
    .argument('<id>', 'the series id')
    .option('--json', 'print JSON')
    .action(async (id: string, options: { json?: boolean }) => {
      await withSeries(cli, async (workspace) => {
        const found = await workspace.series.get(id);
        const episodes = await workspace.series.episodes(id);
        if (options.json) return io.out(`${JSON.stringify({ ...found, episodes }, null, 2)}\n`);
        io.out(formatSeries(found, episodes));
      });
    });

  series
    .command('render')
    .description("render a series' episodes, each as its own run at batch priority (a failed one stops no other); waits for all")
    .argument('<id>', 'the series id')
    .option('--episodes <list>', 'which episodes, e.g. 1-3,5 (default: all)')
    .option('--failed', 'only the episodes whose last render failed')
    .option('--profile <profile>', "render profile (default: the series', else the graph's)")
    .option('--out <dir>', 'where each episode writes its deliverables, in e<number>/ (default: ./<series id>)')
    .option('--json', 'print the results as JSON')
    .action(async (id: string, options: RenderOptions) => {
      const episodes = options.episodes === undefined ? undefined : parseEpisodeList(options.episodes);
      if (options.episodes !== undefined && episodes === undefined) {
        io.err(`--episodes "${options.episodes}": give episode numbers and ranges, e.g. 1-3,5\n`);
        throw new Exit(EXIT.invalid);
      }
      await withSeries(cli, async (workspace) => {
        const found = await workspace.series.get(id);
        const stored = await workspace.store.getGraph(found.graphId);
        const graph = await loadGraph(workspace, found.graphId);
        const out = resolve(options.out ?? id);
        const render = await renderSeries(workspace, id, {
          graph,
          ...(stored ? { graphVersion: stored.version } : {}),
          ...(episodes ? { episodes } : {}),
          ...(options.failed ? { failedOnly: true } : {}),
          ...(options.profile ? { profile: options.profile } : {}),
          trigger: 'cli',
          outDirOf: (episode) => join(out, `e${String(episode.number).padStart(2, '0')}`),
          episodeRun: (g, episode, text) => episodeRunOf(g, text, episode.format),
        });
        if (render.nothingToRender !== undefined) {
          // Asked for the failed ones when none failed: there is nothing to do, which is not a failure.
          if (options.json) io.out(`${JSON.stringify({ series: id, episodes: [], notStarted: [], nothingToRender: render.nothingToRender }, null, 2)}\n`);
          else io.out(`nothing to render: ${render.nothingToRender}\n`);
          return;
        }
        const bars = options.json ? undefined : createEpisodeBars(render.started);
        const results = await waitForEpisodes(render.started, options.json ? undefined : io, 'done', bars && { bars, episodes: () => workspace.series.episodes(id) });
        for (const failed of render.notStarted) if (!options.json) io.out(`episode ${failed.number} "${failed.title}": not started: ${failed.error}\n`);
        const done = results.filter((r) => r.status === 'done').length;
        if (options.json) io.out(`${JSON.stringify({ series: id, episodes: results, notStarted: render.notStarted }, null, 2)}\n`);
        else io.out(`${results.length + render.notStarted.length} episode(s) of ${id}: ${done} done, ${results.length - done + render.notStarted.length} not\n`);
        if (done < results.length || render.notStarted.length > 0) throw new Exit(EXIT.runFailed);
      });
    });

  series
    .command('publish')
    .description("publish rendered episodes with the series' publish target (settings.publish), each as its own run; waits for all")
    .argument('<id>', 'the series id')
    .option('--episodes <list>', 'which episodes, e.g. 1-3,5, published again if they were (default: every rendered one not yet published)')
    .option('--json', 'print the results as JSON')
    .action(async (id: string, options: { episodes?: string; json?: boolean }) => {
      const episodes = options.episodes === undefined ? undefined : parseEpisodeList(options.episodes);
      if (options.episodes !== undefined && episodes === undefined) {
        io.err(`--episodes "${options.episodes}": give episode numbers and ranges, e.g. 1-3,5\n`);
        throw new Exit(EXIT.invalid);
      }
      await withSeries(cli, async (workspace) => {
        const runsDir = join(workspace.dataDir, 'runs');
        const published = await publishSeries(workspace, id, { ...(episodes ? { episodes } : {}), trigger: 'cli', outDirOf: () => join(runsDir, randomUUID()) });
        if (published.nothingToPublish !== undefined) {
          if (options.json) io.out(`${JSON.stringify({ series: id, node: published.node, episodes: [], notStarted: [], nothingToPublish: published.nothingToPublish }, null, 2)}\n`);
          else io.out(`nothing to publish: ${published.nothingToPublish}\n`);
          return;
        }
        const results = await waitForEpisodes(
          published.started.map((episode) => ({ ...episode, cancel: () => void workspace.launcher.cancel(episode.runId) })),
          options.json ? undefined : io,
          'published',
        );
        for (const failed of published.notStarted) if (!options.json) io.out(`episode ${failed.number} "${failed.title}": not published: ${failed.error}\n`);
        const done = results.filter((r) => r.status === 'done').length;
        if (options.json) io.out(`${JSON.stringify({ series: id, node: published.node, episodes: results, notStarted: published.notStarted }, null, 2)}\n`);
        else io.out(`${results.length + published.notStarted.length} episode(s) of ${id} with ${published.node}: ${done} published, ${results.length - done + published.notStarted.length} not\n`);
        if (done < results.length || published.notStarted.length > 0) throw new Exit(EXIT.runFailed);
      });
    });

  program
    .command('episode')
    .description('episodes of a series')
    .command('add')
    .description('add episodes to a series, in the order given (each script is checked by parsing it first; all or none are added)')
    .argument('<series>', 'the series id')
    .argument('<files...>', 'episode scripts (.md, .fountain)')
    .option('--json', 'print the added episodes as JSON')
    .action(async (seriesId: string, files: string[], options: { json?: boolean }) => {
      const scripts: Array<EpisodeScript & { fileName: string }> = [];
      for (const file of files) {
        try {
          scripts.push({ ...readEpisodeScript(await readFile(file), { file }), fileName: basename(file) });
        } catch (error) {
          if (!(error instanceof ScriptError) && !isFileError(error)) throw error;
          io.err(`${error instanceof Error ? error.message : String(error)}\n`);
          throw new Exit(EXIT.invalid);
        }
      }
      await withSeries(cli, async (workspace) => {
        const added = await workspace.series.addEpisodes(seriesId, scripts);
        if (options.json) return io.out(`${JSON.stringify(added, null, 2)}\n`);
        for (const episode of added) io.out(`added episode ${episode.number} "${episode.title}" (${episode.format}) to ${seriesId}\n`);
      });
    });
}

interface RenderOptions {
  episodes?: string;
  failed?: boolean;
  profile?: string;
  out?: string;
  json?: boolean;
}

interface EpisodeResult {
  number: number;
  title: string;
  runId: string;
  status: string;
  durationMs: number;
  error?: string;
}

/**
 * Waits for every episode's run, saying each as it ends (with `io`); Ctrl-C
 * or SIGTERM cancels them all, and they are stored as cancelled.
 */
/** How often the episode bars read the store: about the season board's pace. */
const EPISODE_BARS_POLL_MS = 1000;

async function waitForEpisodes(
  started: ReadonlyArray<Pick<EpisodeRender, 'number' | 'title' | 'runId' | 'finished' | 'cancel'>>,
  io: Pick<CliContext['io'], 'out'> | undefined,
  /** What a `done` run is said as. */
  doneAs = 'done',
  /** Bars on a TTY, fed from the stored episode records (their `lastRun.progress`, as the season board reads it). */
  progress?: { bars: EpisodeBars; episodes: () => Promise<EpisodeRecord[]> },
): Promise<EpisodeResult[]> {
  const cancelAll = (): void => {
    for (const episode of started) episode.cancel();
  };
  process.once('SIGINT', cancelAll);
  process.once('SIGTERM', cancelAll);
  // A line written to the terminal under live bars would be drawn over: the bars print it above themselves.
  const say = progress && process.stdout.isTTY ? progress.bars.log : (line: string): void => io?.out(line);
  let reading = false;
  const poll = progress
    ? setInterval(() => {
        if (reading) return;
        reading = true;
        progress
          .episodes()
          .then((records) => progress.bars.update(records))
          .catch(() => undefined) // a missed reading only delays the bars
          .finally(() => (reading = false));
      }, EPISODE_BARS_POLL_MS)
    : undefined;
  try {
    return await Promise.all(
      started.map(async (episode) => {
        const result = await episode.finished;
        const line: EpisodeResult = {
          number: episode.number,
          title: episode.title,
          runId: episode.runId,
          status: result.status,
          durationMs: result.durationMs,
          ...(result.error ? { error: result.error.message } : {}),
        };
        const said = `${line.status === 'done' ? doneAs : line.status} in ${formatMs(line.durationMs)}`;
        progress?.bars.finish(line.number, line.status, said);
        say(`episode ${line.number} "${line.title}": ${said} (run ${line.runId.slice(0, 8)})${line.error ? `: ${line.error}` : ''}\n`);
        return line;
      }),
    );
  } finally {
    if (poll) clearInterval(poll);
    progress?.bars.stop();
    process.off('SIGINT', cancelAll);
    process.off('SIGTERM', cancelAll);
  }
}

/** Opens the workspace for a series command; a SeriesError is the user's (exit 2), said in one line. */
async function withSeries(cli: CliContext, work: (workspace: Awaited<ReturnType<CliContext['openWorkspace']>>) => Promise<void>): Promise<void> {
  const workspace = await cli.openWorkspace();
  try {
    await work(workspace);
  } catch (error) {
    if (!(error instanceof SeriesError)) throw error;
    cli.io.err(`${error.message}\n`);
    throw new Exit(EXIT.invalid);
  } finally {
    await workspace.close();
  }
}

function formatSeries(series: SeriesRecord, episodes: EpisodeRecord[]): string {
  const settings = [series.settings.profile ? `profile ${series.settings.profile}` : '', series.settings.budgetUsdPerRun !== undefined ? `budget $${series.settings.budgetUsdPerRun} per episode` : '']
    .filter(Boolean)
    .join(', ');
  const head = `series ${series.id}  ${series.name}  graph ${series.graphId}${settings ? `  (${settings})` : ''}`;
  if (episodes.length === 0) return `${head}\nno episodes yet: reelgraph episode add ${series.id} FILE…\n`;
  const rows = table({ head: ['#', 'title', 'status', 'script', 'last render', 'time', 'cost'] });
  for (const e of episodes) {
    const run = e.lastRun;
    rows.push([e.number, e.title, e.status, `v${e.version} ${e.format}`, run ? `${run.runId.slice(0, 8)} ${run.status}${run.scriptVersion !== e.version ? ` (script v${run.scriptVersion})` : ''}` : '', run ? formatMs(run.durationMs) : '', run ? formatUsd(run.costUsd) : '—']);
  }
  return `${head}\n${rows.toString()}\n`;
}

function isFileError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}
