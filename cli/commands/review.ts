/**
 * `reelgraph review RUN`: the storyboard of a run's review gates.
 * `reelgraph approve RUN`: decide the waiting gate. The decision is written
 * to the data directory's store; a server (or `reelgraph run`) holding the
 * run sees it within a poll (REELGRAPH_REVIEW_POLL_MS), and a run no process
 * holds now finds it when it is resumed.
 */
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import type { ReviewEdit, ReviewRecord } from '../../runtime/contract/review.js';
import { InvalidReviewDecisionError, ReviewNotPendingError } from '../../runtime/engine/review-desk.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';
import { isoTime, table } from '../format.js';
import { findRun } from '../run-ref.js';

interface ApproveOptions {
  items?: number[];
  reject?: number[];
  rejectAll?: boolean;
  edit?: ReviewEdit[];
  editLine?: ReviewEdit[];
  node?: string;
  note?: string;
  json?: boolean;
}

/** `1,3` or `1 3` → [1, 3]. */
function indexList(flag: string) {
  return (value: string, previous: number[] = []): number[] => {
    const parts = value.split(/[\s,]+/).filter(Boolean);
    const numbers = parts.map(Number);
    if (parts.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 0)) {
      throw new CommanderError(2, 'reelgraph.invalidArgument', `${flag} takes item indices (0-based), e.g. ${flag} 1,3`);
    }
    return [...previous, ...numbers];
  };
}

/** `2=a lighthouse at dawn` → the edit of item 2, its prompt or its spoken text (`field`). */
function itemEdit(flag: string, field: 'prompt' | 'text') {
  return (value: string, previous: ReviewEdit[] = []): ReviewEdit[] => {
    const match = /^(\d+)=([\s\S]+)$/.exec(value);
    if (!match) throw new CommanderError(2, 'reelgraph.invalidArgument', `${flag} takes an item index and its new words, e.g. ${flag} "2=a lighthouse at dawn"`);
    return [...previous, { index: Number(match[1]), [field]: match[2] }];
  };
}

export function registerReviewCommands(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('review')
    .description("show a run's review gates: each item's title, prompt, text and media, and the decisions")
    .argument('<runId>', 'run id (a unique prefix is enough)')
    .option('--json', 'print JSON')
    .action(async (runRef: string, options: { json?: boolean }) => {
      const workspace = await cli.openWorkspace();
      try {
        const run = await findRun(workspace, runRef, io);
        const reviews = await workspace.reviews.records.forRun(run.id);
        if (options.json) return io.out(`${JSON.stringify({ runId: run.id, status: run.status, reviews }, null, 2)}\n`);
        if (reviews.length === 0) return io.out(`run ${run.id} (${run.status}) has reached no review gate\n`);
        io.out(`run ${run.id}  ${run.graphName}  ${run.status}\n${reviews.map(formatReview).join('\n')}`);
      } finally {
        await workspace.close();
      }
    });

  program
    .command('approve')
    .description('decide a waiting review gate: approve every item, only some (--items), reject some (--reject: made again, when the gate regenerates) or all (--reject-all), rewrite prompts (--edit)')
    .argument('<runId>', 'run id (a unique prefix is enough)')
    .option('--items <indices>', 'approve only these items (0-based, e.g. 0,2) and reject the rest', indexList('--items'))
    .option('--reject <indices>', 'reject these items and approve the rest', indexList('--reject'))
    .option('--reject-all', 'reject the gate: the run fails')
    .option('--edit <index=prompt>', "rewrite an item's prompt: it is made again from the new words and shown again (repeatable)", itemEdit('--edit', 'prompt'))
    .option('--edit-line <index=text>', "rewrite an item's spoken text, likewise (repeatable)", itemEdit('--edit-line', 'text'))
    .option('--node <id>', 'the gate node, when several wait')
    .option('--note <text>', 'a note kept with the decision')
    .option('--json', 'print the decided review as JSON')
    .action(async (runRef: string, options: ApproveOptions) => {
      const chosen = [options.items, options.reject, options.rejectAll].filter((o) => o !== undefined);
      if (chosen.length > 1) {
        io.err('give one of --items, --reject and --reject-all\n');
        throw new Exit(EXIT.invalid);
      }
      const decision = options.reject !== undefined || options.rejectAll ? 'reject' : 'approve';
      const items = options.items ?? options.reject;
      const edits = [...(options.edit ?? []), ...(options.editLine ?? [])];
      const workspace = await cli.openWorkspace();
      try {
        const run = await findRun(workspace, runRef, io);
        let review: ReviewRecord;
        try {
          review = await workspace.reviews.decide(run.id, {
            decision,
            by: 'cli',
            ...(items !== undefined ? { items } : {}),
            ...(edits.length > 0 ? { edits } : {}),
            ...(options.node !== undefined ? { node: options.node } : {}),
            ...(options.note !== undefined ? { note: options.note } : {}),
          });
        } catch (error) {
          if (error instanceof ReviewNotPendingError || error instanceof InvalidReviewDecisionError) {
            io.err(`${error.message}\n`);
            throw new Exit(EXIT.invalid);
          }
          throw error;
        }
        if (options.json) return io.out(`${JSON.stringify(review, null, 2)}\n`);
        const rejected = review.rejected ?? [];
        const remade = [...(review.rejectedItems === 'regenerate' ? rejected : []), ...edits.map((edit) => edit.index)].sort((a, b) => a - b);
        io.out(
          `${review.status} review gate "${review.nodeId}" of run ${run.id}` +
            (review.status === 'approved' && rejected.length > 0 ? ` (items ${rejected.join(', ')} rejected)` : '') +
            (remade.length > 0 ? `; items ${remade.join(', ')} are made again and the gate asks again` : '') +
            `\n`,
        );
      } finally {
        await workspace.close();
      }
    });
}

function formatReview(review: ReviewRecord): string {
  const when = review.deadlineAt !== undefined ? `  decides ${review.onTimeout} at ${isoTime(review.deadlineAt)}` : '';
  const decided = review.status === 'pending' ? '' : `  by ${review.decidedBy ?? '?'}${review.note ? ` (${review.note})` : ''}`;
  const round = (review.round ?? 1) > 1 ? `  round ${review.round}, made again: ${(review.regenerated ?? []).join(', ') || 'none'}` : '';
  const head = `gate ${review.nodeId}: ${review.status}${decided}${when}${round}`;
  const rows = table({ head: ['item', 'title', 'prompt / text', 'media', 'decision'] });
  const rejected = new Set(review.rejected ?? []);
  for (const item of review.items) {
    const decision = review.status === 'pending' ? '' : rejected.has(item.index) ? 'rejected' : 'approved';
    const media = item.media.map((m) => `${m.port} ${m.handle.mime} ${m.handle.hash.slice(0, 12)}`).join('\n');
    rows.push([item.index, item.title ?? '', (item.prompt ?? item.text ?? '').slice(0, 80), media, decision]);
  }
  return `${head}\n${rows.toString()}\n`;
}
