/**
 * The canvas node card: a header (title, type@version, run status badge), a
 * one-line summary of key params, and one row per port, inputs on the left
 * and outputs on the right. Each handle is coloured by its port type; list
 * ports are drawn square. Memoised: the canvas keeps a node's data object
 * while its content is unchanged.
 */
import { memo, type CSSProperties } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { formatPortType } from '../../../runtime/contract/index.js';
import { portColor, type FlowNode, type PortView } from '../graph.js';
import { NodeRunBadge } from '../runs/NodeRunBadge.js';
import { categoryColor, graphIoColor, unknownColor } from '../theme.js';

function PortRowBase({ port, side, connectable }: { port: PortView; side: 'in' | 'out'; connectable: boolean }) {
  const color = portColor(port);
  const tooltip = [port.title ?? port.name, port.description, port.optional && side === 'in' ? 'optional' : undefined, port.derived ? 'not declared by the node type' : undefined]
    .filter(Boolean)
    .join(' — ');
  return (
    <div className={`rg-port rg-port--${side}${port.derived ? ' is-derived' : ''}${port.optional ? ' is-optional' : ''}`} title={tooltip}>
      <Handle
        type={side === 'in' ? 'target' : 'source'}
        position={side === 'in' ? Position.Left : Position.Right}
        id={port.name}
        isConnectable={connectable}
        className={`rg-handle${port.list ? ' rg-handle--list' : ''}`}
        style={{ background: color }}
        data-testid={`handle-${side}-${port.name}`}
      />
      <span className="rg-port__name">{port.name}</span>
      <span className="rg-port__type" style={{ color }}>
        {port.derived ? '?' : formatPortType(port)}
      </span>
    </div>
  );
}
const PortRow = memo(PortRowBase);

function GraphNodeViewBase({ id, data, selected }: NodeProps<FlowNode>) {
  const classes = ['rg-node', `rg-node--${data.kind}`];
  if (!data.known) classes.push('is-unknown');
  if (selected) classes.push('is-selected');
  const empty = data.inputs.length === 0 && data.outputs.length === 0;
  const accent = data.kind !== 'node' ? graphIoColor : data.known ? categoryColor(data.category) : unknownColor;
  return (
    <div className={classes.join(' ')} title={data.description} style={{ '--rg-accent': accent } as CSSProperties} data-testid={`node-${id}`}>
      <header className="rg-node__header">
        <div className="rg-node__heading">
          <span className="rg-node__title">{data.title}</span>
          <span className="rg-node__type">{data.kind === 'node' ? `${id} · ${data.subtitle}` : data.subtitle}</span>
        </div>
        {data.kind === 'node' ? (
          <div className="rg-node__badge">
            <NodeRunBadge nodeId={id} />
          </div>
        ) : null}
      </header>
      {data.summary ? (
        <div className="rg-node__summary" title={data.summary}>
          {data.summary}
        </div>
      ) : null}
      {data.warning ? <div className="rg-node__warning">{data.warning}</div> : null}
      <div className="rg-node__ports">
        <div className="rg-node__inputs">
          {data.inputs.map((port) => (
            <PortRow key={port.name} port={port} side="in" connectable={data.kind === 'node'} />
          ))}
        </div>
        <div className="rg-node__outputs">
          {data.outputs.map((port) => (
            <PortRow key={port.name} port={port} side="out" connectable />
          ))}
        </div>
      </div>
      {empty ? <div className="rg-node__empty">no ports</div> : null}
    </div>
  );
}

export const GraphNodeView = memo(GraphNodeViewBase);
