/**
 * The recipe inside the delivered MP4 (runtime/contract/provenance.ts): the
 * package writes the video by remuxing it (streams copied, nothing
 * re-encoded) with one `reelgraph` metadata tag holding the provenance JSON,
 * and the episode's title as the file's title. A remux costs about what the
 * copy it replaces cost: it reads and writes the file once.
 */
import { ffmpegPath, runTool } from '../../runtime/media/binaries.js';
import { PROVENANCE_FORMAT, PROVENANCE_TAG, type NodeContext, type Provenance } from '../../runtime/contract/index.js';

/** What the script tells the recipe about the episode. */
export interface EpisodeInfo {
  title?: string;
  meta: { series?: string; episode?: number | string };
  source?: { sha256?: string };
}

/** The provenance of a package made in this unit's run; `now` for the time it was packaged. */
export function recipeOf(ctx: Pick<NodeContext, 'runId' | 'run'>, script: EpisodeInfo | undefined, now: Date = new Date()): Provenance {
  const graph = ctx.run?.graph;
  const episode = script
    ? {
        ...(script.title ? { title: script.title } : {}),
        ...(script.meta.series ? { series: script.meta.series } : {}),
        ...(script.meta.episode !== undefined ? { episode: script.meta.episode } : {}),
        ...(script.source?.sha256 ? { sha256: script.source.sha256 } : {}),
      }
    : undefined;
  return {
    format: PROVENANCE_FORMAT,
    version: 1,
    reelgraph: ctx.run?.reelgraph ?? 'unknown',
    runId: ctx.runId,
    graph: {
      name: graph?.name ?? 'unknown',
      ...(graph?.id !== undefined ? { id: graph.id } : {}),
      ...(graph?.version !== undefined ? { version: graph.version } : {}),
      ...(graph?.document ? { sha256: graph.document.hash } : {}),
    },
    ...(episode ? { episode } : {}),
    createdAt: now.toISOString(),
  };
}

/**
 * Copies the video at `source` to `to` with the recipe in its container
 * metadata. `use_metadata_tags` lets the MP4 muxer keep a key of our own;
 * `-map 0 -c copy` keeps every stream and its timing as rendered.
 */
export async function writeVideoWithRecipe(source: string, to: string, recipe: Provenance, signal: AbortSignal): Promise<void> {
  const title = recipe.episode?.title;
  await runTool(
    ffmpegPath(),
    [
      '-hide_banner', '-nostats', '-loglevel', 'error', '-y',
      '-i', source,
      '-map', '0', '-c', 'copy', '-map_metadata', '0',
      '-metadata', `${PROVENANCE_TAG}=${JSON.stringify(recipe)}`,
      ...(title ? ['-metadata', `title=${title}`] : []),
      '-movflags', '+faststart+use_metadata_tags',
      '-f', 'mp4', to,
    ],
    { signal, timeoutMs: 10 * 60_000, location: { file: source } },
  );
}
