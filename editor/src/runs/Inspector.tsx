/**
 * What one node did in the followed run: status (a failure a fallback
 * covered reads "fell back", neutrally), timing, attempts and providers, its
 * error with the location (and, for a missing key, where to store one), its
 * items (what each is — speaker and line, scene title — status, the provider
 * that produced it, attempts, errors), and its results — its output values (a whole node's,
 * or the chosen item's of a mapped node), the run's graph outputs it
 * produces, and whatever its log entries carry — shown by kind: audio with a
 * waveform and a play button, video in a player, images, and JSON (scripts,
 * timelines) as a collapsible tree.
 */
import { useMemo, useState, type ReactNode } from 'react';
import { missingKeyHint } from '../params/credentials.js';
import { useGraphStore } from '../state/graph-store.js';
import { itemLabel, providerLabel } from './item-labels.js';
import { JsonTree, formatDuration } from './media.js';
import { nodeOutcome } from './run-progress.js';
import { describeLocation, outputsOfNode, type ItemState } from './run-state.js';
import { useNodeRun, useRunStore } from './run-store.js';
import { statusIcons } from './NodeRunBadge.js';
import { ItemPinControls, PinBar } from './ItemPins.js';
import { recordedPin } from './pins.js';
import './runs.css';

const ITEM_ROWS = 200;

function ItemRow({
  item,
  label,
  provider,
  covered,
  chosen,
  onChoose,
  pinControls,
}: {
  item: ItemState;
  label: string | undefined;
  provider: string;
  covered: boolean;
  chosen: boolean;
  onChoose: (index: number) => void;
  pinControls: ReactNode;
}) {
  const where = describeLocation(item.error);
  // An item of an alternative the fallback covered did not fail the run: it fell back.
  const status = covered && item.status === 'failed' ? 'fell-back' : item.status;
  const facts = [formatDuration(item.durationMs), item.attempts > 1 ? `${item.attempts} tries` : ''].filter(Boolean);
  // What the run record says of the item's pin ("locked", "take 2"): what this run did, not the pin now.
  const recorded = recordedPin(item);
  return (
    <tr
      className={`rg-run-item rg-run-item--${status}${covered ? ' rg-run-item--covered' : ''}${chosen ? ' rg-run-item--chosen' : ''}`}
      data-testid={`inspector-item-${item.index}`}
      data-status={status}
      data-locked={item.locked ? 'yes' : undefined}
      data-take={item.take ?? 0}
      onClick={() => onChoose(item.index)}
      title={item.outputs ? 'show this item’s values' : undefined}
    >
      <td>{item.index}</td>
      {/* One cell for what the item is and how it went: the table fits a narrow panel without sideways scrolling. */}
      <td className="rg-run-item-cell">
        <div className="rg-run-item-key" title={`${label ?? ''}\nkey ${item.key}`} data-testid={`inspector-label-${item.index}`}>
          {label ?? <span className="rg-run-muted">{item.key}</span>}
        </div>
        <div className="rg-run-item-meta">
          <span data-testid={`inspector-provider-${item.index}`}>{provider}</span>
          {provider && facts.length > 0 ? ' · ' : ''}
          {facts.join(' · ')}
        </div>
        {item.error ? (
          <div className="rg-run-item-error" title={`${item.error.code}: ${item.error.message}${where ? `\nat ${where}` : ''}`}>
            {`${item.error.message}${where ? ` (${where})` : ''}`}
          </div>
        ) : null}
        {pinControls}
      </td>
      <td className="rg-run-item-status">
        <span className={`rg-run-dot rg-run-dot--${status}`} /> {status === 'fell-back' ? 'fell back' : status}
        {recorded ? (
          <div className="rg-run-item-pin" data-testid={`inspector-pin-${item.index}`}>
            {item.locked ? '🔒 ' : ''}
            {recorded}
          </div>
        ) : null}
      </td>
    </tr>
  );
}

export function Inspector({ nodeId }: { nodeId: string }) {
  const node = useNodeRun(nodeId);
  const run = useRunStore((s) => s.run);
  const graphNode = useGraphStore((s) => s.doc?.nodes.find((n) => n.id === nodeId));
  const registry = useGraphStore((s) => s.registry);
  const outcome = useRunStore((s) => nodeOutcome(s.run, nodeId));
  const [itemFilter, setItemFilter] = useState<'all' | 'failed'>('all');
  const [chosenItem, setChosenItem] = useState<number | undefined>(undefined);

  // Graph outputs come from the graph the run executed (it may differ from the canvas).
  const graphOutputs = run?.detail?.graph?.outputs;
  const outputs = useMemo(() => {
    const values = run?.detail?.outputs ?? {};
    return outputsOfNode(graphOutputs, nodeId)
      .filter((name) => name in values)
      .map((name) => [name, values[name]] as const);
  }, [graphOutputs, run?.detail?.outputs, nodeId]);
  const logged = useMemo(() => (run?.logs ?? []).filter((line) => line.nodeId === nodeId), [run?.logs, nodeId]);
  const loggedData = logged.filter((line) => line.data && Object.keys(line.data).length > 0);
  const items = useMemo(() => Object.values(node?.itemStates ?? {}).sort((a, b) => a.index - b.index), [node?.itemStates]);
  const shownItems = (itemFilter === 'failed' ? items.filter((i) => i.status === 'failed') : items).slice(0, ITEM_ROWS);
  // A mapped node shows one item's values at a time: the chosen one, else the first that has values.
  const shownItem = items.find((i) => i.index === chosenItem && i.outputs) ?? items.find((i) => i.outputs);
  const values = node?.outputs ?? shownItem?.outputs;

  // What each item is (speaker and line, scene title), read from the inputs it was made from.
  const labels = useMemo(() => {
    const found: Record<number, string | undefined> = {};
    if (!run) return found;
    const mapOverOf = (type: string): string | undefined => registry?.latest(type)?.mapOver;
    for (const item of shownItems) found[item.index] = itemLabel(run, nodeId, item.index, mapOverOf);
    return found;
  }, [run, nodeId, registry, shownItems]);
  const ranGraph = run?.detail?.graph;

  const title = graphNode?.title ?? nodeId;
  const where = describeLocation(node?.error);
  const description = graphNode ? registry?.get(graphNode.type, graphNode.typeVersion) : undefined;
  const keyHint = missingKeyHint(node?.error ?? node?.lastRetryError, description?.credentials, graphNode?.params);
  return (
    <section className="rg-run-section rg-inspector" data-testid="inspector" data-node={nodeId}>
      <h4>
        Inspector: {title} <span className="rg-run-muted">{graphNode?.type ?? node?.nodeType ?? ''}</span>
      </h4>
      {!run ? <div className="rg-run-muted">Run the graph, or open a past run, to inspect this node.</div> : null}
      {run && !node ? <div className="rg-run-muted">This node is not part of the run shown.</div> : null}
      {node ? (
        <>
          <dl className="rg-inspector-facts">
            <dt>status</dt>
            <dd data-testid="inspector-status" data-status={node.status} data-outcome={outcome}>
              {statusIcons[outcome]} {outcome === 'fell-back' ? 'fell back (a later alternative of the fallback delivered)' : node.status}
              {node.cached && node.status !== 'cached' ? ' · all cached' : ''}
              {node.fellBack ? ' · fell back' : ''}
            </dd>
            {node.items ? (
              <>
                <dt>items</dt>
                <dd data-testid="inspector-items">
                  {/* The items of an alternative the fallback covered did not fail the run: counted as fell back, like their rows. */}
                  {node.items.done}/{node.items.total} done · {node.items.cached} cached · {outcome === 'fell-back' ? 0 : node.items.failed} failed ·{' '}
                  {node.items.fellBack + (outcome === 'fell-back' ? node.items.failed : 0)} fell back
                </dd>
              </>
            ) : null}
            {node.durationMs !== undefined ? (
              <>
                <dt>time</dt>
                <dd>{formatDuration(node.durationMs)}</dd>
              </>
            ) : null}
            {node.attempts > 1 || node.retries > 0 ? (
              <>
                <dt>attempts</dt>
                <dd>
                  {node.attempts}
                  {node.lastRetryError ? <span className="rg-run-muted"> (last retry: {node.lastRetryError.message})</span> : null}
                </dd>
              </>
            ) : null}
            {node.providers.length > 0 ? (
              <>
                <dt>providers</dt>
                <dd>{node.providers.join(', ')}</dd>
              </>
            ) : null}
            {node.progressMessage && node.status === 'running' ? (
              <>
                <dt>now</dt>
                <dd>{node.progressMessage}</dd>
              </>
            ) : null}
          </dl>
          {node.error ? (
            <div className={outcome === 'fell-back' ? 'rg-run-fellback' : 'rg-run-error'} data-testid="inspector-error" data-outcome={outcome}>
              <strong>{node.error.code}</strong>: {node.error.message}
              {where ? <div className="rg-run-where">at {where}</div> : null}
              {keyHint ? (
                <div className="rg-run-hint" data-testid="inspector-key-hint">
                  {keyHint}
                </div>
              ) : null}
            </div>
          ) : null}

          {values ? (
            <div className="rg-inspector-block" data-testid="inspector-values">
              <h5>{node.outputs ? 'Values' : `Values of item ${shownItem?.index ?? ''}`}</h5>
              {/* The tree shows media handles as players in place. */}
              {Object.entries(values).map(([port, value]) => (
                <JsonTree key={port} name={port} value={value} open />
              ))}
            </div>
          ) : null}

          {/* Runs recorded before node values were: the graph outputs this node produced are all there is. */}
          {!values && outputs.length > 0 ? (
            <div className="rg-inspector-block">
              <h5>Graph outputs</h5>
              {outputs.map(([name, value]) => (
                <JsonTree key={name} name={name} value={value} open />
              ))}
            </div>
          ) : null}

          {items.length > 0 ? (
            <div className="rg-inspector-block">
              <h5>
                Items{' '}
                <select value={itemFilter} onChange={(e) => setItemFilter(e.target.value as 'all' | 'failed')} aria-label="items shown">
                  <option value="all">all</option>
                  <option value="failed">failed</option>
                </select>
              </h5>
              <PinBar nodeId={nodeId} />
              <div className="rg-inspector-items">
                <table>
                  <thead>
                    <tr>
                      <th>#</th>
                      <th>item · provider · time</th>
                      <th>status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shownItems.map((item) => (
                      <ItemRow
                        key={item.index}
                        item={item}
                        label={labels[item.index]}
                        provider={providerLabel(ranGraph, nodeId, item.provider)}
                        covered={outcome === 'fell-back'}
                        chosen={item.index === shownItem?.index}
                        onChoose={setChosenItem}
                        pinControls={<ItemPinControls nodeId={nodeId} nodeType={graphNode?.type ?? node.nodeType} index={item.index} runId={run?.runId} />}
                      />
                    ))}
                  </tbody>
                </table>
                {items.length > ITEM_ROWS ? <div className="rg-run-muted">first {ITEM_ROWS} of {items.length}</div> : null}
              </div>
            </div>
          ) : null}

          {loggedData.length > 0 ? (
            <div className="rg-inspector-block">
              <h5>Logged values</h5>
              {loggedData.slice(-10).map((line, i) => (
                <JsonTree key={`${line.at}-${i}`} name={`${line.index !== undefined ? `#${line.index} ` : ''}${line.message}`} value={line.data} open={false} />
              ))}
            </div>
          ) : null}
          {logged.length > 0 ? (
            <div className="rg-inspector-block">
              <h5>Log</h5>
              <div className="rg-run-logs">
                {logged.slice(-20).map((line, i) => (
                  <div key={`${line.at}-${i}`} className={`rg-run-log rg-run-log--${line.level}`}>
                    {line.index !== undefined ? `#${line.index} ` : ''}
                    {line.message}
                  </div>
                ))}
              </div>
            </div>
          ) : null}
          {!values && outputs.length === 0 && run && !node.error && (node.status === 'done' || node.status === 'cached') ? (
            <div className="rg-run-muted">This run recorded no values for this node (runs from before values were recorded keep statuses only).</div>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

export default Inspector;
