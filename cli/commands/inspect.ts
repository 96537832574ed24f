/**
 * `reelgraph inspect FILE.mp4`: the recipe a rendered video carries
 * (runtime/contract/provenance.ts): which graph and version, which run,
 * which episode, which reelgraph. `--graph` prints the exact graph the run
 * executed, from the first place that still has it: the `.graph.json` the
 * package wrote beside the video, the artifact store (by hash), or the
 * stored graph version.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { checkSchema, PROVENANCE_TAG, provenance as provenanceSchema, type Provenance } from '../../runtime/contract/index.js';
import { ffprobePath, runTool } from '../../runtime/media/binaries.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';

interface InspectOptions {
  json?: boolean;
  graph?: boolean;
}

export function registerInspectCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('inspect')
    .description('print the recipe a rendered video carries: graph id and version, run, episode, reelgraph version')
    .argument('<file>', 'an MP4 rendered by reelgraph')
    .option('--json', 'print the recipe as JSON')
    .option('--graph', 'print the exact graph the run executed (JSON), to save and run again')
    .action(async (file: string, options: InspectOptions) => {
      const recipe = await readRecipe(file, io.err);
      if (options.graph) {
        io.out(await graphOf(file, recipe, cli));
        return;
      }
      if (options.json) {
        io.out(`${JSON.stringify(recipe, null, 2)}\n`);
        return;
      }
      const { graph, episode } = recipe;
      const lines = [
        `${basename(file)}: made by reelgraph ${recipe.reelgraph} on ${recipe.createdAt}`,
        `  graph    ${graph.name}${graph.id !== undefined ? ` (${graph.id}${graph.version !== undefined ? ` version ${graph.version}` : ''})` : ''}`,
        `  run      ${recipe.runId}`,
        ...(episode ? [`  episode  ${[episode.series, episode.episode !== undefined ? `#${episode.episode}` : undefined, episode.title].filter(Boolean).join(' · ')}`] : []),
        ...(episode?.sha256 ? [`  script   sha256 ${episode.sha256}`] : []),
        ...(graph.sha256 ? [`  recipe   sha256 ${graph.sha256}  (reelgraph inspect ${file} --graph > graph.json)`] : []),
      ];
      io.out(`${lines.join('\n')}\n`);
    });
}

/** The recipe in the file's container metadata; exit 2 naming the file when there is none or it does not read. */
async function readRecipe(file: string, err: (text: string) => void): Promise<Provenance> {
  let tags: Record<string, string>;
  try {
    const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', file], { timeoutMs: 30_000, location: { file } });
    tags = (JSON.parse(stdout.toString('utf8')) as { format?: { tags?: Record<string, string> } }).format?.tags ?? {};
  } catch (error) {
    err(`${file}: cannot read it as media: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}\n`);
    throw new Exit(EXIT.invalid);
  }
  const text = tags[PROVENANCE_TAG];
  if (text === undefined) {
    err(`${file}: carries no reelgraph recipe (no "${PROVENANCE_TAG}" metadata tag): it was not packaged by reelgraph's export.package\n`);
    throw new Exit(EXIT.invalid);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    err(`${file}: its "${PROVENANCE_TAG}" tag is not JSON\n`);
    throw new Exit(EXIT.invalid);
  }
  const issues = checkSchema(provenanceSchema, value);
  if (issues.length > 0) {
    err(`${file}: its recipe does not read: ${issues.map((issue) => `${issue.pointer || '/'} ${issue.message}`).join('; ')}\n`);
    throw new Exit(EXIT.invalid);
  }
  return value as Provenance;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** The graph the run executed, whole: beside the video, in the artifact store, else the stored version. */
async function graphOf(file: string, recipe: Provenance, cli: CliContext): Promise<string> {
  const { graph } = recipe;
  if (graph.sha256 !== undefined) {
    const dir = dirname(file);
    for (const name of (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.graph.json'))) {
      const data = await readFile(join(dir, name));
      if (sha256(data) === graph.sha256) return data.toString('utf8');
    }
  }
  const workspace = await cli.openWorkspace();
  try {
    if (graph.sha256 !== undefined) {
      const stored = await workspace.artifacts.getHandle(graph.sha256).catch(() => undefined);
      if (stored) return readFile(await workspace.artifacts.localPath(stored), 'utf8');
    }
    if (graph.id !== undefined && graph.version !== undefined) {
      const version = await workspace.store.getGraph(graph.id, graph.version);
      if (version) return `${JSON.stringify(version.doc, null, 2)}\n`;
    }
  } finally {
    await workspace.close();
  }
  cli.io.err(`${file}: the graph of run ${recipe.runId} is no longer here: no matching .graph.json beside the video, not in the artifact store, and no stored version${graph.id !== undefined ? ` ${graph.id}@${graph.version ?? '?'}` : ''}\n`);
  throw new Exit(EXIT.runFailed);
}
