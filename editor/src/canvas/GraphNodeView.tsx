/**
 * The canvas node card: a header (title, type@version, run status badge,
 * problem and variant-override markers), a one-line summary of key params,
 * and one row per port, inputs on the left and outputs on the right. Each
 * handle is coloured by its port type; list ports are drawn square.
 *
 * The card's frame carries the node's run status (`data-run-status`) and its
 * worst problem (`data-problems`) so the colours read at any zoom: below the
 * canvas's detail threshold canvas.css draws the same DOM as a plain coloured
 * box with the title (no port labels, summary or badge details), without
 * re-rendering any card. Memoised: the canvas keeps a node's data object
 * while its content is unchanged, and each card subscribes to its own run
 * status and problems only.
 */
import { createContext, memo, useContext, type CSSProperties } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { formatPortType } from '../../../runtime/contract/index.js';
import { cardSize, portColor, type FlowNode, type GraphNodeData, type PortView } from '../graph.js';
import { NodePinsBadge } from '../runs/ItemPins.js';
import { NodeRunBadge } from '../runs/NodeRunBadge.js';
import { useNodeOutcome } from '../runs/run-store.js';
import { useNodeOverride, useNodeProblems, type NodeOverride, type NodeProblems } from '../state/problem-store.js';
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

/**
 * How much a card shows: `full`; `simple` below the canvas's detail zoom (a
 * coloured box with the title and markers); `overview` further out, where a
 * title would be a few pixels tall (the coloured box alone: status, problems
 * and overrides read from its colours, the title from its tooltip). Provided
 * by the canvas; one value for every card, so crossing a threshold
 * re-renders each card once and panning re-renders none.
 */
export type CardDetail = 'full' | 'simple' | 'overview';
export const CardDetailContext = createContext<CardDetail>('full');

const severityIcon: Record<NodeProblems['severity'], string> = { error: '!', warning: '!', info: 'i' };

/** A marker whose tooltip lists the node's problems (validation, missing credentials, incompatible edges). */
function ProblemMarker({ nodeId, problems }: { nodeId: string; problems: NodeProblems }) {
  const count = problems.problems.length;
  const title = problems.problems.map((problem) => `${problem.severity === 'info' ? 'note' : problem.severity}${problem.code ? ` ${problem.code}` : ''}: ${problem.message}`).join('\n');
  return (
    <span
      className={`rg-node__problems rg-node__problems--${problems.severity}`}
      data-testid={`node-problems-${nodeId}`}
      data-count={count}
      data-severity={problems.severity}
      data-codes={[...new Set(problems.problems.map((problem) => problem.code ?? ''))].join(' ').trim()}
      title={title}
      role="img"
      aria-label={`${count} ${problems.severity === 'error' ? 'problem' : problems.severity === 'warning' ? 'warning' : 'note'}${count === 1 ? '' : 's'}`}
    >
      {severityIcon[problems.severity]}
      {count > 1 ? <span className="rg-node__problems-count">{count}</span> : null}
    </span>
  );
}

/** A series variant changed (or added) this node: the tooltip says what. */
function OverrideMarker({ nodeId, override }: { nodeId: string; override: NodeOverride }) {
  const title = override.added ? 'added by this variant' : `overridden by this variant:\n${override.paths.join('\n')}`;
  return (
    <span className="rg-node__override" data-testid={`node-override-${nodeId}`} data-paths={override.paths.join(' ')} title={title} role="img" aria-label="variant override">
      {override.added ? '+' : '~'}
    </span>
  );
}

/** What both card sizes show beside the title: override and problem markers, and the run badge. */
function CardMarkers({ id, data, problems, override }: { id: string; data: GraphNodeData; problems: NodeProblems | undefined; override: NodeOverride | undefined }) {
  return (
    <>
      {override ? <OverrideMarker nodeId={id} override={override} /> : null}
      {problems ? <ProblemMarker nodeId={id} problems={problems} /> : null}
      {data.kind === 'node' ? (
        <div className="rg-node__badge">
          <NodeRunBadge nodeId={id} />
        </div>
      ) : null}
    </>
  );
}

/**
 * The card below the detail zoom: its frame (status, problems, accent) and,
 * unless in overview, the title and markers, at the full card's usual size.
 * No handles: zoomed out, the canvas draws the edges itself from the cards'
 * positions (FarEdges.tsx), and measuring thousands of handles was most of
 * what opening a large graph cost; in overview, the titles' text layout and
 * the markers (each subscribing to its stores) were most of what remained.
 */
function SimpleCard({ id, data, detail, classes, style, runStatus, problems, override }: { id: string; data: GraphNodeData; detail: 'simple' | 'overview'; classes: string[]; style: CSSProperties; runStatus: string; problems: NodeProblems | undefined; override: NodeOverride | undefined }) {
  const size = cardSize(data);
  return (
    <div
      className={[...classes, 'rg-node--simple'].join(' ')}
      title={data.title}
      style={{ ...style, width: size.width, height: size.height }}
      data-testid={`node-${id}`}
      data-detail={detail}
      data-run-status={runStatus}
      data-problems={problems?.severity ?? 'none'}
      data-override={override ? 'yes' : undefined}
    >
      {detail === 'simple' ? (
        <>
          <span className="rg-node__title">{data.title}</span>
          <CardMarkers id={id} data={data} problems={problems} override={override} />
        </>
      ) : data.kind === 'node' ? (
        // The run status stays readable where the badge was (tests and tools look for it), without the badge's work.
        <span hidden data-testid={`status-${id}`} data-status={runStatus} />
      ) : null}
    </div>
  );
}

function GraphNodeViewBase({ id, data, selected }: NodeProps<FlowNode>) {
  const detail = useContext(CardDetailContext);
  const problems = useNodeProblems(id);
  const override = useNodeOverride(id);
  // A failure a fallback covered reads neutrally ('fell-back'), as in the Run panel, not red.
  const runStatus = useNodeOutcome(id);
  const classes = ['rg-node', `rg-node--${data.kind}`];
  if (!data.known) classes.push('is-unknown');
  if (selected) classes.push('is-selected');
  const empty = data.inputs.length === 0 && data.outputs.length === 0;
  const accent = data.kind !== 'node' ? graphIoColor : data.known ? categoryColor(data.category) : unknownColor;
  const style = { '--rg-accent': accent } as CSSProperties;
  if (detail !== 'full') return <SimpleCard id={id} data={data} detail={detail} classes={classes} style={style} runStatus={runStatus} problems={problems} override={override} />;
  return (
    <div
      className={classes.join(' ')}
      title={data.description}
      style={style}
      data-testid={`node-${id}`}
      data-detail="full"
      data-run-status={runStatus}
      data-problems={problems?.severity ?? 'none'}
      data-override={override ? 'yes' : undefined}
    >
      <header className="rg-node__header">
        <div className="rg-node__heading">
          <span className="rg-node__title">{data.title}</span>
          <span className="rg-node__type">{data.kind === 'node' ? `${id} · ${data.subtitle}` : data.subtitle}</span>
        </div>
        <CardMarkers id={id} data={data} problems={problems} override={override} />
      </header>
      {/* Its own line: beside the title it would squeeze the title out of a narrow card. */}
      {data.kind === 'node' ? <NodePinsBadge nodeId={id} /> : null}
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
