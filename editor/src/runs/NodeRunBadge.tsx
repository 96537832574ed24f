/**
 * The run status on a canvas node card: a coloured status icon, a progress
 * bar, "cached" / "fell back" badges, item counts (12/40) and an error
 * marker whose tooltip is the message with its location. Reads the followed
 * run from the run store; `idle` when no run is shown or the node has not
 * reported, "not in run" outside a partial run's scope. An alternative of a
 * fallback chain that could not run (say, a provider without a key) while a
 * later one delivered reads "fell back", in a neutral colour: it is not a
 * failure of the run. A review gate the run waits at has a "review" button
 * that opens its storyboard.
 */
import type { NodeStatus } from '../../../runtime/contract/events.js';
import type { NodeOutcome } from './run-progress.js';
import { useNodeOutcome, useNodeRun } from './run-store.js';
import { describeLocation, itemsLabel } from './run-state.js';
import { formatDuration } from './media.js';
import { useUiStore } from '../state/ui-store.js';
import './runs.css';
import './storyboard.css';

export const statusIcons: Record<NodeStatus | NodeOutcome, string> = {
  idle: '○',
  outside: '–',
  'fell-back': '↪',
  queued: '◌',
  running: '◔',
  waiting: '⏸',
  cached: '⚡',
  done: '✓',
  failed: '✕',
  skipped: '⤼',
  cancelled: '■',
};

export function NodeRunBadge({ nodeId }: { nodeId: string }) {
  const node = useNodeRun(nodeId);
  const status = useNodeOutcome(nodeId);
  const label = status === 'fell-back' ? 'fell back' : status;
  if (!node) {
    // Outside a partial run: said on the card, so a node downstream of the target does not look forgotten.
    return status === 'outside' ? (
      <div className="rg-run-badge rg-run-badge--outside" data-testid={`status-${nodeId}`} data-status="outside" title="not part of this partial run">
        <div className="rg-run-badge-row">
          <span className="rg-run-badge-icon" aria-hidden="true">
            {statusIcons.outside}
          </span>
          <span className="rg-run-badge-status">not in run</span>
        </div>
      </div>
    ) : (
      <div className="rg-run-badge rg-run-badge--idle" data-testid={`status-${nodeId}`} data-status="idle" />
    );
  }
  const items = itemsLabel(node.items);
  const where = describeLocation(node.error);
  const errorText = node.error ? `${node.error.code}: ${node.error.message}${where ? `\nat ${where}` : ''}` : undefined;
  const fellBack = status === 'fell-back';
  const retrying = status === 'running' && node.retries > 0 && node.lastRetryError ? `retry ${node.retries}: ${node.lastRetryError.message}` : undefined;
  const showBar = status === 'running' || (node.progress !== undefined && node.progress < 1 && status !== 'queued');
  const title = [
    fellBack ? `fell back: a later alternative of the fallback delivered\n${errorText ?? ''}` : `status: ${status}`,
    node.durationMs !== undefined ? `took ${formatDuration(node.durationMs)}` : undefined,
    node.attempts > 1 ? `${node.attempts} attempts` : undefined,
    node.providers.length > 0 ? `providers: ${node.providers.join(', ')}` : undefined,
    retrying,
  ]
    .filter(Boolean)
    .join('\n');

  return (
    <div className={`rg-run-badge rg-run-badge--${status}`} data-testid={`status-${nodeId}`} data-status={status} data-engine-status={node.status} title={title}>
      <div className="rg-run-badge-row">
        <span className="rg-run-badge-icon" aria-label={status}>
          {statusIcons[status]}
        </span>
        <span className="rg-run-badge-status">{label}</span>
        {items ? (
          <span className="rg-run-badge-items" data-testid={`items-${nodeId}`} title={`${node.items?.done} of ${node.items?.total} items done${node.items?.failed ? `, ${node.items.failed} failed` : ''}`}>
            {items}
          </span>
        ) : null}
        {node.cached ? (
          <span className="rg-run-chip rg-run-chip--cached" data-testid={`cached-${nodeId}`}>
            cached
          </span>
        ) : node.items && node.items.cached > 0 ? (
          <span className="rg-run-chip rg-run-chip--cached" title={`${node.items.cached} items from the cache`}>
            {node.items.cached} cached
          </span>
        ) : null}
        {node.fellBack && !fellBack ? (
          <span className="rg-run-chip rg-run-chip--fellback" data-testid={`fellback-${nodeId}`} title={node.providers.length ? `produced by ${node.providers.join(', ')}` : undefined}>
            fell back
          </span>
        ) : null}
        {errorText && !fellBack ? (
          <span className="rg-run-chip rg-run-chip--error" data-testid={`error-${nodeId}`} title={errorText}>
            ! error
          </span>
        ) : null}
        {status === 'waiting' ? (
          <button
            type="button"
            className="rg-run-review-badge nodrag nopan"
            onClick={(event) => {
              // The card's own click would select the node; this one opens the storyboard.
              event.stopPropagation();
              useUiStore.getState().openStoryboard(nodeId);
            }}
            onKeyDown={(event) => event.stopPropagation()}
            title="The run waits for your review here: open the storyboard"
            data-testid={`review-open-${nodeId}`}
          >
            review ▸
          </button>
        ) : null}
        {retrying ? (
          <span className="rg-run-chip rg-run-chip--retry" title={retrying}>
            ↻{node.retries}
          </span>
        ) : null}
      </div>
      {showBar ? (
        <div className="rg-run-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round((node.progress ?? 0) * 100)}>
          <div className={`rg-run-progress-fill${node.progress === undefined ? ' rg-run-progress-fill--indeterminate' : ''}`} style={{ width: `${Math.round((node.progress ?? 0.3) * 100)}%` }} />
        </div>
      ) : null}
    </div>
  );
}

export default NodeRunBadge;
