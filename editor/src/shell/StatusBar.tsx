/** The status line: server and node types, document size, selection, last message. */
import { useGraphStore } from '../state/graph-store.js';
import { useToastStore } from '../state/toast-store.js';

export function StatusBar() {
  const status = useGraphStore((state) => state.nodeTypesStatus);
  const typeCount = useGraphStore((state) => state.nodeTypes.length);
  const nodeCount = useGraphStore((state) => state.doc.nodes.length);
  const edgeCount = useGraphStore((state) => state.doc.edges.length);
  const selected = useGraphStore((state) => state.selection.length);
  const unknown = useGraphStore((state) => {
    if (!state.registry) return '';
    const registry = state.registry;
    return [...new Set(state.doc.nodes.filter((node) => !registry.hasType(node.type)).map((node) => node.type))].join(', ');
  });
  const message = useToastStore((state) => state.status);
  const server =
    status === 'ready' ? `server connected · ${typeCount} node types` : status === 'error' ? 'node types not loaded' : 'connecting to server…';
  return (
    <footer className="rg-statusbar" data-testid="statusbar">
      <span className={`rg-server rg-server--${status === 'ready' ? 'ready' : status === 'error' ? 'offline' : 'loading'}`}>
        <span className="rg-server__dot" aria-hidden="true" />
        {server}
      </span>
      <span>
        {nodeCount} nodes · {edgeCount} edges{selected > 0 ? ` · ${selected} selected` : ''}
        {unknown ? <span className="rg-warn"> · unknown types: {unknown}</span> : null}
      </span>
      <span className={`rg-statusbar__message${message ? ` rg-statusbar__message--${message.kind}` : ''}`} title={message?.text}>
        {message?.text ?? ''}
      </span>
      <span className="rg-muted rg-small">? shortcuts</span>
    </footer>
  );
}
