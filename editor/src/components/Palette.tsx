/**
 * The left palette: node types from `GET /api/nodes`, grouped by category.
 * Read-only for now; dragging types onto the canvas comes with the editor.
 */
import { useMemo, useState, type CSSProperties } from 'react';
import { formatPortType, nodeCategories, type NodeDescription } from '../../../runtime/contract/index.js';
import { portColor } from '../graph.js';
import { categoryColor } from '../theme.js';

export type NodesState = { status: 'loading' } | { status: 'ready'; nodes: NodeDescription[] } | { status: 'offline'; reason: string };

function PortDots({ ports }: { ports: NodeDescription['inputs'] }) {
  return (
    <span className="rg-dots">
      {ports.map((port) => (
        <span key={port.name} className={`rg-dot${port.list ? ' rg-dot--list' : ''}`} style={{ background: portColor(port) }} title={`${port.name}: ${formatPortType(port)}`} />
      ))}
    </span>
  );
}

export function Palette({ state, onRetry }: { state: NodesState; onRetry: () => void }) {
  const [filter, setFilter] = useState('');
  const groups = useMemo(() => {
    if (state.status !== 'ready') return [];
    const needle = filter.trim().toLowerCase();
    const matches = state.nodes.filter(
      (node) => !needle || node.type.toLowerCase().includes(needle) || node.title.toLowerCase().includes(needle) || (node.tags ?? []).some((tag) => tag.toLowerCase().includes(needle)),
    );
    const order = (category: string): number => {
      const index = (nodeCategories as readonly string[]).indexOf(category);
      return index === -1 ? nodeCategories.length : index;
    };
    const byCategory = new Map<string, NodeDescription[]>();
    for (const node of matches) byCategory.set(node.category, [...(byCategory.get(node.category) ?? []), node]);
    return [...byCategory.entries()]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([category, nodes]) => ({ category, nodes: nodes.sort((a, b) => a.type.localeCompare(b.type) || a.version - b.version) }));
  }, [state, filter]);

  return (
    <aside className="rg-palette">
      <div className="rg-palette__head">
        <h2>Nodes</h2>
        {state.status === 'ready' ? <span className="rg-count">{state.nodes.length}</span> : null}
      </div>
      {state.status === 'loading' ? <p className="rg-muted rg-palette__pad">Loading node types…</p> : null}
      {state.status === 'offline' ? (
        <div className="rg-notice" role="status">
          <strong>Server not running</strong>
          <p>
            Start it with <code>reelgraph server</code>, then retry. Graphs can still be opened and viewed; node types are drawn generically.
          </p>
          <p className="rg-muted rg-small">{state.reason}</p>
          <button type="button" className="rg-button rg-button--small" onClick={onRetry}>
            Retry
          </button>
        </div>
      ) : null}
      {state.status === 'ready' ? (
        <>
          <input className="rg-search" type="search" placeholder="Filter node types…" value={filter} onChange={(event) => setFilter(event.target.value)} aria-label="Filter node types" />
          <div className="rg-palette__list">
            {groups.length === 0 ? <p className="rg-muted rg-palette__pad">{state.nodes.length === 0 ? 'The server has no node types.' : 'No node type matches.'}</p> : null}
            {groups.map(({ category, nodes }) => (
              <section key={category} className="rg-group" style={{ '--rg-accent': categoryColor(category) } as CSSProperties}>
                <h3>{category}</h3>
                <ul>
                  {nodes.map((node) => (
                    <li key={`${node.type}@${node.version}`} className="rg-palette__item" title={node.description}>
                      <div className="rg-palette__item-title">
                        <span>{node.title}</span>
                        <span className="rg-muted rg-small">v{node.version}</span>
                      </div>
                      <div className="rg-palette__item-meta">
                        <code>{node.type}</code>
                        <span className="rg-palette__ports">
                          <PortDots ports={node.inputs} />
                          <span className="rg-muted">→</span>
                          <PortDots ports={node.outputs} />
                        </span>
                      </div>
                    </li>
                  ))}
                </ul>
              </section>
            ))}
          </div>
        </>
      ) : null}
    </aside>
  );
}
