/**
 * The left palette: node types from `GET /api/nodes` (the latest version of
 * each), grouped by category, searchable. Drag an item onto the canvas to
 * add it at the drop point; double-click or Enter adds it at the centre
 * (Enter in the search box adds the first match).
 */
import { memo, useMemo, useState, type CSSProperties, type DragEvent, type KeyboardEvent } from 'react';
import { formatPortType, nodeCategories, type NodeDescription } from '../../../runtime/contract/index.js';
import { portColor } from '../graph.js';
import { useGraphStore } from '../state/graph-store.js';
import { categoryColor } from '../theme.js';
import { addNodeAtCentre } from './commands.js';

/** The drag payload's mime type. */
export const NODE_DRAG_TYPE = 'application/x-reelgraph-node';

function PortDots({ ports }: { ports: NodeDescription['inputs'] }) {
  return (
    <span className="rg-dots">
      {ports.map((port) => (
        <span key={port.name} className={`rg-dot${port.list ? ' rg-dot--list' : ''}`} style={{ background: portColor(port) }} title={`${port.name}: ${formatPortType(port)}`} />
      ))}
    </span>
  );
}

const PaletteItem = memo(function PaletteItem({ node }: { node: NodeDescription }) {
  const onDragStart = (event: DragEvent<HTMLLIElement>) => {
    event.dataTransfer.setData(NODE_DRAG_TYPE, node.type);
    event.dataTransfer.setData('text/plain', node.type);
    event.dataTransfer.effectAllowed = 'copy';
  };
  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      addNodeAtCentre(node.type);
    }
  };
  return (
    <li
      className="rg-palette__item"
      title={node.description}
      draggable
      tabIndex={0}
      data-testid={`palette-item-${node.type}`}
      onDragStart={onDragStart}
      onDoubleClick={() => {
        window.getSelection()?.removeAllRanges();
        addNodeAtCentre(node.type);
      }}
      onKeyDown={onKeyDown}
    >
      <div className="rg-palette__item-title">
        <span>{node.title}</span>
        <span className="rg-muted rg-small">v{node.version}</span>
      </div>
      <div className="rg-palette__item-desc">{node.description}</div>
      <div className="rg-palette__item-meta">
        <code>{node.type}</code>
        <span className="rg-palette__ports">
          <PortDots ports={node.inputs} />
          <span className="rg-muted">→</span>
          <PortDots ports={node.outputs} />
        </span>
      </div>
    </li>
  );
});

const order = (category: string): number => {
  const index = (nodeCategories as readonly string[]).indexOf(category);
  return index === -1 ? nodeCategories.length : index;
};

export function Palette({ onRetry }: { onRetry: () => void }) {
  const nodeTypes = useGraphStore((state) => state.nodeTypes);
  const status = useGraphStore((state) => state.nodeTypesStatus);
  const error = useGraphStore((state) => state.nodeTypesError);
  const [filter, setFilter] = useState('');

  const latest = useMemo(() => {
    const byType = new Map<string, NodeDescription>();
    for (const node of nodeTypes) {
      const known = byType.get(node.type);
      if (!known || known.version < node.version) byType.set(node.type, node);
    }
    return [...byType.values()];
  }, [nodeTypes]);

  const groups = useMemo(() => {
    const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const matches = latest.filter((node) => {
      const haystack = `${node.type} ${node.title} ${node.category} ${node.description} ${(node.tags ?? []).join(' ')}`.toLowerCase();
      return words.every((word) => haystack.includes(word));
    });
    const byCategory = new Map<string, NodeDescription[]>();
    for (const node of matches) byCategory.set(node.category, [...(byCategory.get(node.category) ?? []), node]);
    return [...byCategory.entries()]
      .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
      .map(([category, nodes]) => ({ category, nodes: nodes.sort((a, b) => a.title.localeCompare(b.title)) }));
  }, [latest, filter]);

  const onSearchKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      const first = groups[0]?.nodes[0];
      if (first) addNodeAtCentre(first.type);
    } else if (event.key === 'Escape') {
      setFilter('');
      event.currentTarget.blur();
    }
  };

  return (
    <aside className="rg-palette" aria-label="Node types">
      <div className="rg-palette__head">
        <h2>Nodes</h2>
        {status === 'ready' ? <span className="rg-count">{latest.length}</span> : null}
      </div>
      <input
        className="rg-search"
        type="search"
        placeholder="Search nodes…  (Enter adds)"
        value={filter}
        onChange={(event) => setFilter(event.target.value)}
        onKeyDown={onSearchKey}
        aria-label="Search node types"
        data-testid="palette-search"
        disabled={status !== 'ready'}
      />
      {status === 'loading' || status === 'idle' ? <p className="rg-muted rg-palette__pad">Loading node types…</p> : null}
      {status === 'error' ? (
        <div className="rg-notice" role="status">
          <strong>Node types not loaded</strong>
          <p>Is the server running? Start it with <code>reelgraph server</code>, then retry. Graphs can still be opened; unknown types are drawn generically.</p>
          {error ? <p className="rg-muted rg-small">{error}</p> : null}
          <button type="button" className="rg-button rg-button--small" onClick={onRetry}>
            Retry
          </button>
        </div>
      ) : null}
      {status === 'ready' ? (
        <div className="rg-palette__list">
          {groups.length === 0 ? <p className="rg-muted rg-palette__pad">{latest.length === 0 ? 'The server has no node types.' : 'No node type matches.'}</p> : null}
          {groups.map(({ category, nodes }) => (
            <section key={category} className="rg-group" style={{ '--rg-accent': categoryColor(category) } as CSSProperties}>
              <h3>
                {category} <span className="rg-muted rg-small">{nodes.length}</span>
              </h3>
              <ul>
                {nodes.map((node) => (
                  <PaletteItem key={node.type} node={node} />
                ))}
              </ul>
            </section>
          ))}
        </div>
      ) : null}
    </aside>
  );
}
