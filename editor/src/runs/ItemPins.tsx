/**
 * The item pin controls (docs/steering.md): on each item row of the Run
 * panel's inspector a lock toggle, Regenerate and the take ("take 2", with
 * "back to take 1"); above the rows the graph's pin Undo; on a canvas card
 * the node's summary ("2 locked · 1 regenerated"). Pins are read with
 * TanStack Query and read again after every change; what each action sends
 * and how it is undone is in pins.ts.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useApi } from '../api/context.js';
import { pinsChanged, useItemPins } from '../api/queries.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import type { QueryClient } from '@tanstack/react-query';
import type { ApiClient } from '../api/client.js';
import { previewedScene } from './partial.js';
import { changePin, lockBlocked, pinErrorText, pinOf, pinSummary, regenerateBlocked, takeLabel, undoPinChange, usePinHistory, type PinAction, type PinStep } from './pins.js';
import { useRunStore } from './run-store.js';

/** The open document's stored graph id: pins belong to it (an unsaved graph has none). */
const useStoredGraphId = (): string | undefined => useGraphStore((s) => s.meta.id);

/** The scene the shown run previews alone, if it is a one-scene preview (its item indexes are not the graph's). */
const usePreviewScene = (): number | undefined => useRunStore((s) => previewedScene(s.run?.detail?.graph));

/** Undoes one pin change (`step`, from its toast) or the graph's newest, and says how it went. */
async function undoAndTell(api: ApiClient, queries: QueryClient, graphId: string, step?: PinStep): Promise<void> {
  try {
    const done = await undoPinChange(api, graphId, step);
    if (done) notify('success', `Undone: ${done.step.label}`);
  } catch (error) {
    notify('error', `Could not undo: ${pinErrorText(error, step?.index ?? 0)}`);
  } finally {
    await pinsChanged(queries, graphId);
  }
}

export function ItemPinControls({ nodeId, nodeType, index, runId }: { nodeId: string; nodeType: string | undefined; index: number; runId: string | undefined }) {
  const api = useApi();
  const queries = useQueryClient();
  const graphId = useStoredGraphId();
  const pins = useItemPins(api, graphId);
  const pin = pinOf(pins.data, nodeId, index);
  const previewScene = usePreviewScene();
  const [busy, setBusy] = useState(false);

  const act = async (action: PinAction): Promise<void> => {
    if (!graphId) {
      notify('warning', 'Save the graph to lock items');
      return;
    }
    setBusy(true);
    try {
      const { message, step } = await changePin(api, graphId, nodeId, index, action, pin, runId);
      const undo = { label: 'Undo', run: () => void undoAndTell(api, queries, graphId, step) };
      // "Run now" is an ordinary run of the whole graph from the Run panel (its estimate and budget apply as to any run).
      const runNow = { label: 'Run now', run: () => useGraphStore.getState().requestRun() };
      notify('success', message, { actions: action === 'regenerate' ? [runNow, undo] : [undo] });
    } catch (error) {
      notify('error', pinErrorText(error, index));
    } finally {
      setBusy(false);
      await pinsChanged(queries, graphId);
    }
  };

  const lockReason = lockBlocked(graphId, previewScene);
  const regenerateReason = regenerateBlocked(graphId, pin, nodeType, previewScene);
  // Clicks on the controls must not choose the row (which shows the item's values).
  return (
    <div className="rg-pin-controls" data-testid={`pin-controls-${index}`} data-locked={pin.locked ? 'yes' : 'no'} data-take={pin.take} onClick={(e) => e.stopPropagation()}>
      <button
        type="button"
        className={`rg-pin-button${pin.locked ? ' is-locked' : ''}`}
        data-testid={`pin-lock-${index}`}
        aria-pressed={pin.locked}
        disabled={busy || lockReason !== undefined}
        title={lockReason ?? (pin.locked ? 'Unlock: the item follows its inputs again' : 'Lock this take: later runs keep this result, even if its inputs change')}
        onClick={() => void act(pin.locked ? 'unlock' : 'lock')}
      >
        {pin.locked ? '🔒 Unlock' : '🔓 Lock this take'}
      </button>
      <button
        type="button"
        className="rg-pin-button"
        data-testid={`pin-regenerate-${index}`}
        disabled={busy || regenerateReason !== undefined}
        title={regenerateReason ?? `A new take (new seed) of this item alone, made by the next run: nothing is spent until you run`}
        onClick={() => void act('regenerate')}
      >
        Regenerate
      </button>
      {/* The bar above the rows says why for every row (unsaved, a preview); a row says its own reason. */}
      {regenerateReason && !lockReason ? <span className="rg-run-muted rg-pin-reason">{regenerateReason}</span> : null}
      {pin.take > 0 ? (
        <span className="rg-pin-take" data-testid={`pin-take-${index}`}>
          {takeLabel(pin.take)}
          {pin.locked ? null : (
            <button type="button" className="rg-run-linkish" data-testid={`pin-back-${index}`} disabled={busy || lockReason !== undefined} onClick={() => void act('back')} title="The previous take, from the cache: free">
              back to {takeLabel(pin.take - 1)}
            </button>
          )}
        </span>
      ) : null}
    </div>
  );
}

/** The pin notice above the item rows: why nothing can be pinned yet, or the graph's newest pin change to undo. */
export function PinBar({ nodeId }: { nodeId: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const graphId = useStoredGraphId();
  const last = usePinHistory((s) => [...s.steps].reverse().find((step) => step.graphId === graphId));
  const pins = useItemPins(api, graphId, (list) => pinSummary(list, nodeId)?.text);
  const previewScene = usePreviewScene();
  const [busy, setBusy] = useState(false);
  if (!graphId) {
    return (
      <div className="rg-run-muted rg-pin-bar" data-testid="pin-bar" data-blocked="unsaved">
        Save the graph to lock items or regenerate one.
      </div>
    );
  }
  const undo = async (): Promise<void> => {
    setBusy(true);
    await undoAndTell(api, queries, graphId);
    setBusy(false);
  };
  const blocked = lockBlocked(graphId, previewScene);
  return (
    <div className="rg-pin-bar" data-testid="pin-bar">
      {blocked ? <span className="rg-run-muted" data-testid="pin-bar-blocked">{blocked}.</span> : null}
      {pins.error ? <span className="rg-run-error">Pins could not be read: {pins.error.message}</span> : null}
      {pins.data ? <span data-testid="pin-bar-summary">{pins.data}</span> : null}
      {last ? (
        <button type="button" className="rg-button rg-button--small" data-testid="pin-undo" disabled={busy} onClick={() => void undo()} title="Puts the item's pin back as it was (an earlier take comes from the cache)">
          Undo {last.label}
        </button>
      ) : null}
    </div>
  );
}

/** The card's pin summary: "2 locked · 1 regenerated"; nothing when the node has no pins. */
export function NodePinsBadge({ nodeId }: { nodeId: string }) {
  const api = useApi();
  const graphId = useStoredGraphId();
  const summary = useItemPins(api, graphId, (list) => pinSummary(list, nodeId)).data;
  if (!summary) return null;
  return (
    <span className="rg-node__pins" data-testid={`node-pins-${nodeId}`} data-locked={summary.locked} data-regenerated={summary.regenerated} title="Items locked or regenerated (Run panel, Inspector)">
      {summary.locked > 0 ? '🔒 ' : ''}
      {summary.text}
    </span>
  );
}
