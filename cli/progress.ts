/**
 * Live run progress for the terminal: one bar per node on a TTY (cli-progress),
 * one line per settled node otherwise (CI logs, pipes).
 */
import cliProgress from 'cli-progress';
import type { EpisodeRecord, NodeStatus, ReelgraphEvent, ReviewEvent } from '../runtime/contract/index.js';

export interface ProgressView {
  handle(event: ReelgraphEvent): void;
  stop(): void;
}

export const statusSymbols: Record<NodeStatus, string> = {
  queued: '·',
  running: '▶',
  waiting: '⏸',
  cached: '≡',
  done: '✔',
  failed: '✖',
  skipped: '–',
  cancelled: '⊘',
};

interface NodeLine {
  bar: cliProgress.SingleBar;
  status: NodeStatus;
  /** Items reported finished (any terminal item status). */
  finished: number;
  total: number;
  itemMode: boolean;
}

const TERMINAL_ITEM = new Set(['cached', 'done', 'failed', 'fell-back', 'cancelled']);

export function createProgressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? new BarsView(stream) : new LinesView(stream);
}

/** The terminal's bars, one line each: `{symbol} {node} |bar| {detail}` (a node of a run, or an episode of a season). */
function multiBar(stream: NodeJS.WriteStream): cliProgress.MultiBar {
  return new cliProgress.MultiBar(
    {
      stream,
      format: ' {symbol} {node} |{bar}| {detail}',
      barCompleteChar: '█',
      barIncompleteChar: '░',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
      fps: 10,
    },
    cliProgress.Presets.shades_grey,
  );
}

const LABEL_WIDTH = 18;
const label = (text: string): string => text.padEnd(LABEL_WIDTH).slice(0, LABEL_WIDTH);

class BarsView implements ProgressView {
  private readonly bars: cliProgress.MultiBar;
  private readonly lines = new Map<string, NodeLine>();

  constructor(stream: NodeJS.WriteStream) {
    this.bars = multiBar(stream);
  }

  handle(event: ReelgraphEvent): void {
    if (event.type === 'node') this.onNode(event.nodeId, event.status, event.items?.total);
    else if (event.type === 'item') this.onItem(event.nodeId, event.status);
    else if (event.type === 'progress' && event.index === undefined) this.onProgress(event.nodeId, event.fraction, event.message);
    else if (event.type === 'retry') this.update(event.nodeId, `retry ${event.attempt} in ${event.delayMs} ms`);
    else if (event.type === 'review' && event.status === 'pending') this.update(event.nodeId, reviewHint(event));
  }

  private line(nodeId: string): NodeLine {
    let line = this.lines.get(nodeId);
    if (!line) {
      const bar = this.bars.create(100, 0, { symbol: statusSymbols.queued, node: label(nodeId), detail: 'queued' });
      line = { bar, status: 'queued', finished: 0, total: 0, itemMode: false };
      this.lines.set(nodeId, line);
    }
    return line;
  }

  private onNode(nodeId: string, status: NodeStatus, total: number | undefined): void {
    const line = this.line(nodeId);
    line.status = status;
    if (total !== undefined) line.total = Math.max(line.total, total);
    const terminal = status !== 'queued' && status !== 'running' && status !== 'waiting';
    if (terminal && !line.itemMode) line.bar.update(status === 'skipped' || status === 'cancelled' ? 0 : 100);
    this.update(nodeId, line.itemMode ? `${status} ${line.finished}/${line.total} items` : status);
  }

  private onItem(nodeId: string, status: string): void {
    const line = this.line(nodeId);
    if (!line.itemMode) {
      line.itemMode = true;
      line.bar.setTotal(1);
    }
    if (status === 'queued') line.total += 1;
    if (TERMINAL_ITEM.has(status)) line.finished += 1;
    line.bar.setTotal(Math.max(1, line.total));
    line.bar.update(line.finished);
    this.update(nodeId, `${line.status} ${line.finished}/${line.total} items`);
  }

  private onProgress(nodeId: string, fraction: number, message: string | undefined): void {
    const line = this.line(nodeId);
    if (line.itemMode) return;
    line.bar.update(Math.round(fraction * 100));
    this.update(nodeId, message ? `running ${message}` : `running ${Math.round(fraction * 100)}%`);
  }

  private update(nodeId: string, detail: string): void {
    const line = this.line(nodeId);
    line.bar.update({ symbol: statusSymbols[line.status], detail });
  }

  stop(): void {
    this.bars.stop();
  }
}

class LinesView implements ProgressView {
  constructor(private readonly stream: NodeJS.WriteStream) {}

  handle(event: ReelgraphEvent): void {
    if (event.type === 'node' && event.status !== 'queued' && event.status !== 'running' && event.status !== 'waiting') {
      const items = event.items ? ` (${event.items.executed} executed, ${event.items.cached} cached, ${event.items.failed} failed${event.items.fellBack ? `, ${event.items.fellBack} fell back` : ''})` : '';
      const took = event.durationMs !== undefined ? ` in ${event.durationMs} ms` : '';
      const why = event.error ? `: ${event.error.message}` : '';
      this.stream.write(`${statusSymbols[event.status]} ${event.nodeId} ${event.status}${items}${took}${why}\n`);
    } else if (event.type === 'review' && event.status === 'pending') {
      this.stream.write(`${statusSymbols.waiting} ${event.nodeId} ${reviewHint(event)}\n`);
    } else if (event.type === 'retry') {
      this.stream.write(`↻ ${event.nodeId}${event.index !== undefined ? `[${event.index}]` : ''} attempt ${event.attempt} failed (${event.error.message}); retrying in ${event.delayMs} ms\n`);
    }
  }

  stop(): void {}
}

/**
 * A season render on a TTY: one bar per episode at its run's share done, as
 * the season board reads it (`lastRun.progress`, from the stored run), and a
 * last bar for the season. Lines said meanwhile go above the bars.
 */
export interface EpisodeBars {
  /** The episodes' records as stored now. */
  update(episodes: readonly Pick<EpisodeRecord, 'number' | 'lastRun'>[]): void;
  /** An episode's run ended: its bar says how, and stays. */
  finish(number: number, status: string, detail: string): void;
  log(line: string): void;
  stop(): void;
}

/** Bars on a TTY; undefined otherwise (CI logs and pipes get the finished lines only). */
export function createEpisodeBars(episodes: ReadonlyArray<{ number: number; title: string }>, stream: NodeJS.WriteStream = process.stderr): EpisodeBars | undefined {
  if (!stream.isTTY || episodes.length === 0) return undefined;
  const bars = multiBar(stream);
  const rows = new Map(episodes.map((episode) => [episode.number, { bar: bars.create(100, 0, { symbol: statusSymbols.queued, node: label(`${episode.number} ${episode.title}`), detail: 'queued' }), percent: 0, finished: false }]));
  const season = bars.create(100, 0, { symbol: statusSymbols.running, node: label('season'), detail: '' });
  const updateSeason = (): void => {
    const all = [...rows.values()];
    const percent = Math.round(all.reduce((sum, row) => sum + row.percent, 0) / all.length);
    const running = all.filter((row) => !row.finished).length;
    const detail = running === 0 ? `${all.length} of ${all.length} finished` : `rendering ${running} of ${all.length} · ${percent}%`;
    season.update(percent, { symbol: running === 0 ? statusSymbols.done : statusSymbols.running, detail });
  };
  return {
    update(records) {
      for (const record of records) {
        const row = rows.get(record.number);
        if (!row || row.finished || record.lastRun?.progress === undefined) continue;
        row.percent = Math.round(record.lastRun.progress * 100);
        row.bar.update(row.percent, { symbol: statusSymbols[record.lastRun.status === 'queued' ? 'queued' : 'running'], detail: `${record.lastRun.status} ${row.percent}%` });
      }
      updateSeason();
    },
    finish(number, status, detail) {
      const row = rows.get(number);
      if (!row) return;
      row.finished = true;
      // A finished episode weighs whole in the season's share, as on the board.
      row.percent = 100;
      row.bar.update(status === 'done' ? 100 : row.bar.getProgress() * 100, { symbol: statusSymbols[status as NodeStatus] ?? statusSymbols.failed, detail });
      updateSeason();
    },
    log: (line) => bars.log(line),
    stop: () => {
      // A last redraw prints the lines logged since the previous one: stop() alone drops them.
      bars.update();
      bars.stop();
    },
  };
}

/** What a person waiting on the terminal needs to know: how to see the storyboard and decide. */
function reviewHint(event: ReviewEvent): string {
  const until = event.deadlineAt !== undefined ? ` (timeout at ${new Date(event.deadlineAt).toISOString()})` : '';
  return `waits for review of ${event.itemCount} items${until}: reelgraph review ${event.runId} · reelgraph approve ${event.runId}`;
}
