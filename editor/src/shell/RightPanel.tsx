/**
 * The right-hand panel: Node parameters, Graph (saved graphs, inputs,
 * versions), Run. The Node and Run tabs carry the editor's heaviest code
 * (rjsf forms, waveforms), so they load on first use: a graph of hundreds of
 * nodes is interactive before them, and the browser fetches them while idle.
 */
import { lazy, Suspense, useEffect } from 'react';
import { GraphPanel } from '../graphs/GraphPanel.js';
import { useGraphStore, useSelectedNode, type RightTab } from '../state/graph-store.js';

const loadParamPanel = () => import('../params/ParamPanel.js').then((module) => ({ default: module.ParamPanel }));
const loadRunPanel = () => import('../runs/RunPanel.js').then((module) => ({ default: module.RunPanel }));
const ParamPanel = lazy(loadParamPanel);
const RunPanel = lazy(loadRunPanel);

const tabs: { id: RightTab; label: string }[] = [
  { id: 'node', label: 'Node' },
  { id: 'graph', label: 'Graph' },
  { id: 'run', label: 'Run' },
];

/** What the Node tab shows before a node is selected: no form code needed for it. */
function NothingSelected() {
  const selectionCount = useGraphStore((state) => state.selection.length);
  return (
    <div className="rg-param-panel" data-testid="param-panel">
      <p className="rg-muted rg-param-empty">{selectionCount > 1 ? `${selectionCount} items selected — select one node to edit its parameters.` : 'Select a node to edit its parameters.'}</p>
    </div>
  );
}

function NodeTab() {
  const nodeSelected = useSelectedNode() !== undefined;
  return nodeSelected ? (
    <Suspense fallback={<NothingSelected />}>
      <ParamPanel />
    </Suspense>
  ) : (
    <NothingSelected />
  );
}

export function RightPanel() {
  const tab = useGraphStore((state) => state.rightTab);
  const setTab = useGraphStore((state) => state.setRightTab);

  // Fetch the lazy tabs once the page is idle, so the first click on a node does not wait for them.
  useEffect(() => {
    const preload = () => void Promise.all([loadParamPanel(), loadRunPanel()]).catch(() => undefined);
    if ('requestIdleCallback' in window) {
      const handle = window.requestIdleCallback(preload, { timeout: 3000 });
      return () => window.cancelIdleCallback(handle);
    }
    const timer = setTimeout(preload, 1000);
    return () => clearTimeout(timer);
  }, []);

  return (
    <aside className="rg-right" aria-label="Inspector">
      <div className="rg-tabs" role="tablist">
        {tabs.map(({ id, label }) => (
          <button
            key={id}
            type="button"
            role="tab"
            aria-selected={tab === id}
            className={`rg-tab${tab === id ? ' is-active' : ''}`}
            onClick={() => setTab(id)}
            data-testid={`tab-${id}`}
          >
            {label}
          </button>
        ))}
      </div>
      <div className="rg-right__body" role="tabpanel">
        {tab === 'node' ? (
          <NodeTab />
        ) : tab === 'graph' ? (
          <GraphPanel />
        ) : (
          <Suspense fallback={<p className="rg-muted">Loading…</p>}>
            <RunPanel />
          </Suspense>
        )}
      </div>
    </aside>
  );
}
