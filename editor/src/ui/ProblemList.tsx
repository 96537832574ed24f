/**
 * The one way the editor lists problems the server reported (validation,
 * import, a refused run): where (node, port, param), the JSON pointer, the
 * message. Rows come from `describeProblem`, so every list names a node the
 * same way, found from the pointer when the server did not name it.
 */
import type { GraphDocument } from '../../../runtime/contract/graph.js';
import type { Problem } from '../api/client.js';
import { describeProblem } from '../graphs/problems.js';
import './ProblemList.css';

export interface ProblemListProps {
  problems: readonly Problem[];
  /** The document the pointers point into, to name a node from `/nodes/<i>/…`. */
  doc?: GraphDocument;
  /** Rows past this are left off (a broken import can report thousands). */
  limit?: number;
  /** Makes a row's node a button; without it the node is plain text (e.g. the graph is not open yet). */
  onSelectNode?: (nodeId: string) => void;
  /** What a row about the whole document says where it is, e.g. "graph". */
  wholeDocument?: string;
  /** Prefix each pointer with what it points into (`inputs`, `document`), where one list mixes both. */
  showIn?: boolean;
  testId?: string;
}

export function ProblemList({ problems, doc, limit, onSelectNode, wholeDocument, showIn, testId }: ProblemListProps) {
  if (problems.length === 0) return null;
  const shown = limit === undefined ? problems : problems.slice(0, limit);
  return (
    <ul className="rg-problem-list" data-testid={testId}>
      {shown.map((problem, index) => {
        const row = describeProblem(problem, doc);
        const nodeId = row.nodeId;
        return (
          <li key={index} className="rg-problem-row">
            {nodeId && onSelectNode ? (
              <button type="button" className="rg-link-button" title="Select this node" onClick={() => onSelectNode(nodeId)}>
                {row.where}
              </button>
            ) : row.where ? (
              <span>{row.where}</span>
            ) : wholeDocument ? (
              <span className="rg-muted">{wholeDocument}</span>
            ) : null}{' '}
            <code className="rg-problem-pointer">
              {showIn && problem.in ? `${problem.in} ` : ''}
              {row.pointer}
            </code>
            <div>{row.message}</div>
          </li>
        );
      })}
    </ul>
  );
}
