/**
 * What the Graph panel's sections share: feedback after an action (with the
 * problems the server named), a copy button, times as the user reads them.
 */
import { useEffect, useState } from 'react';
import { type GraphDocument } from '../../../runtime/contract/index.js';
import { ApiError, type Problem } from '../api/client.js';
import { useGraphStore } from '../state/graph-store.js';
import { ProblemList } from '../ui/ProblemList.js';

export type Feedback = { kind: 'ok' | 'error'; text: string; problems?: Problem[] } | undefined;

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
export const feedbackOf = (error: unknown): Feedback => ({ kind: 'error', text: errorText(error), ...(error instanceof ApiError && error.problems.length > 0 ? { problems: error.problems } : {}) });
export const when = (ms: number | undefined): string => (ms ? new Date(ms).toLocaleString() : '');

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Non-secure contexts (plain http on another host) have no clipboard API: fall back to a selection.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function CopyButton({ text, label = 'Copy', testId }: { text: string; label?: string; testId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 1500);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button type="button" className="rg-button rg-button--small" data-testid={testId} onClick={() => void copyText(text).then((ok) => setState(ok ? 'copied' : 'failed'))}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : label}
    </button>
  );
}

export function FeedbackView({ feedback, doc }: { feedback: Feedback; doc: GraphDocument }) {
  if (!feedback) return null;
  return (
    <div className={feedback.kind === 'ok' ? 'rg-graph-ok' : 'rg-graph-error'} role={feedback.kind === 'error' ? 'alert' : 'status'}>
      {feedback.text}
      {feedback.problems?.length ? <ProblemList problems={feedback.problems} doc={doc} onSelectNode={selectProblemNode} wholeDocument="graph" testId="graph-problems" /> : null}
    </div>
  );
}

/** A validation problem's node, clicked: selected on the canvas, its params shown. */
export function selectProblemNode(nodeId: string): void {
  const state = useGraphStore.getState();
  state.select([nodeId]);
  state.setRightTab('node');
}
