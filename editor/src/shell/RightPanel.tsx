/** The right-hand panel: Node parameters, Graph (saved graphs, inputs, versions), Run. */
import { GraphPanel } from '../graphs/GraphPanel.js';
import { ParamPanel } from '../params/ParamPanel.js';
import { RunPanel } from '../runs/RunPanel.js';
import { useGraphStore, type RightTab } from '../state/graph-store.js';

const tabs: { id: RightTab; label: string }[] = [
  { id: 'node', label: 'Node' },
  { id: 'graph', label: 'Graph' },
  { id: 'run', label: 'Run' },
];

export function RightPanel() {
  const tab = useGraphStore((state) => state.rightTab);
  const setTab = useGraphStore((state) => state.setRightTab);
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
        {tab === 'node' ? <ParamPanel /> : tab === 'graph' ? <GraphPanel /> : <RunPanel />}
      </div>
    </aside>
  );
}
