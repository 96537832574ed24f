/**
 * `reelgraph demo`: the example episode through the default pipeline with
 * offline providers only, and a summary a producer reads at a glance — the
 * files, the episode's length, the render time and the real-time factor.
 */
import { dirname, relative } from 'node:path';
import Table from 'cli-table3';
import type { RunResult } from '../runtime/engine/run.js';

export const repoRoot = new URL('..', import.meta.url).pathname;

export const demoDefaults = {
  episode: 'examples/episodes/last-terminal-ep01.md',
  graph: 'graphs/episode.json',
  out: 'out',
};

interface FileRow {
  kind: string;
  path: string;
  bytes: number;
}

const size = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : `${Math.max(1, Math.round(bytes / 1024))} KiB`);

export function clock(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

export function demoSummary(result: RunResult): string {
  const files = (Array.isArray(result.outputs.files) ? result.outputs.files : []) as FileRow[];
  const video = result.outputs.video as { duration?: number; width?: number; height?: number } | undefined;
  const table = new Table({ head: ['file', 'kind', 'size'] });
  const media = files.filter((file) => file.kind === 'media');
  for (const file of files.filter((row) => row.kind !== 'media')) table.push([relative(process.cwd(), file.path) || file.path, file.kind, size(file.bytes)]);
  // The editor's media (scene clips, voice lines, overlays, stems) as one row: the timeline files point into it.
  if (media.length > 0) table.push([`${relative(process.cwd(), dirname(media[0]!.path))}/ (${media.length} files)`, 'media', size(media.reduce((sum, file) => sum + file.bytes, 0))]);
  const duration = video?.duration ?? 0;
  const renderSeconds = result.durationMs / 1000;
  const lines = [
    table.toString(),
    `episode ${clock(duration)} at ${video?.width ?? '?'}×${video?.height ?? '?'}, rendered in ${clock(renderSeconds)}` +
      (duration > 0 ? ` — real-time factor ${(renderSeconds / duration).toFixed(2)} (render time ÷ episode length; below 1 is faster than real time)` : ''),
  ];
  return `${lines.join('\n')}\n`;
}
