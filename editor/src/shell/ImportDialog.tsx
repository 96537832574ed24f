/**
 * Import a graph: choose a file or paste JSON. The text is parsed here and
 * validated by the server (every problem with its node and JSON pointer);
 * a graph with problems can still be opened to fix it in the editor.
 */
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import type { GraphDocument } from '../../../runtime/contract/index.js';
import { ApiError, type Problem } from '../api/client.js';
import { useApi } from '../api/context.js';
import { parseGraphDocument } from '../graph.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { useUiStore } from '../state/ui-store.js';

type Check =
  | { state: 'idle' }
  | { state: 'checking' }
  | { state: 'invalid'; reason: string }
  | { state: 'checked'; doc: GraphDocument; problems: Problem[]; note?: string };

export function ImportDialog() {
  const request = useUiStore((state) => state.importing);
  const close = useUiStore((state) => state.closeImport);
  const api = useApi();
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState<string | undefined>(undefined);
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const fileInput = useRef<HTMLInputElement>(null);
  const generation = useRef(0);

  const open = (doc: GraphDocument, problems: number) => {
    useGraphStore.getState().setDocument(doc, { dirty: true });
    notify(problems > 0 ? 'warning' : 'success', `Imported ${doc.name}: ${doc.nodes.length} nodes, ${doc.edges.length} edges${problems > 0 ? ` — ${problems} problem${problems === 1 ? '' : 's'} to fix` : ''}`);
    close();
  };

  const run = async (source: string, openIfValid: boolean) => {
    const mine = ++generation.current;
    const parsed = parseGraphDocument(source);
    if (!parsed.ok) {
      setCheck({ state: 'invalid', reason: parsed.reason });
      return;
    }
    setCheck({ state: 'checking' });
    let problems: Problem[] = [];
    let note: string | undefined;
    try {
      problems = (await api.validateGraph(parsed.doc)).problems;
    } catch (error) {
      note = `not validated by the server: ${error instanceof ApiError ? error.message : String(error)}`;
      if (error instanceof ApiError && error.problems.length > 0) problems = error.problems;
    }
    if (mine !== generation.current) return;
    if (openIfValid && problems.length === 0 && !note) {
      open(parsed.doc, 0);
      return;
    }
    setCheck({ state: 'checked', doc: parsed.doc, problems, ...(note ? { note } : {}) });
  };

  // Opened with a file's text (dropped on the canvas): check it at once.
  useEffect(() => {
    if (!request) return;
    setText(request.text);
    setFileName(request.fileName);
    setCheck({ state: 'idle' });
    if (request.text.trim()) void run(request.text, true);
  }, [request]);

  if (!request) return null;

  const onFile = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    file.text().then(
      (content) => {
        setText(content);
        setFileName(file.name);
        void run(content, true);
      },
      (error: unknown) => setCheck({ state: 'invalid', reason: `cannot read ${file.name}: ${String(error)}` }),
    );
  };

  return (
    <div className="rg-modal" role="dialog" aria-modal="true" aria-label="Import graph" onMouseDown={(event) => event.target === event.currentTarget && close()}>
      <div className="rg-modal__box rg-import" data-testid="import-dialog">
        <header className="rg-modal__head">
          <h2>Import graph</h2>
          <button type="button" className="rg-icon-button" onClick={close} aria-label="Close">
            ×
          </button>
        </header>
        <div className="rg-import__row">
          <button type="button" className="rg-button" onClick={() => fileInput.current?.click()} data-testid="import-file">
            Choose file…
          </button>
          <span className="rg-muted rg-small">{fileName ?? 'or paste a reelgraph/graph JSON document below'}</span>
          <input ref={fileInput} type="file" accept=".json,application/json" hidden onChange={onFile} data-testid="import-file-input" />
        </div>
        <textarea
          className="rg-import__text"
          value={text}
          spellCheck={false}
          placeholder='{"format": "reelgraph/graph", "schemaVersion": 1, "name": "…", "nodes": [], "edges": []}'
          onChange={(event) => {
            setText(event.target.value);
            setFileName(undefined);
            setCheck({ state: 'idle' });
          }}
          data-testid="import-text"
          autoFocus
        />
        {check.state === 'invalid' ? (
          <div className="rg-problems" data-testid="import-problems">
            <strong>Cannot import:</strong> {check.reason}
          </div>
        ) : null}
        {check.state === 'checked' ? (
          <div className="rg-problems" data-testid="import-problems">
            {check.note ? <p className="rg-muted">{check.note}</p> : null}
            {check.problems.length > 0 ? (
              <>
                <strong>
                  {check.problems.length} problem{check.problems.length === 1 ? '' : 's'}
                </strong>{' '}
                — open it anyway to fix them in the editor:
                <ul>
                  {check.problems.slice(0, 50).map((problem, index) => (
                    <li key={index}>
                      <code>{problem.path || '/'}</code> {problem.nodeId ? <b>{problem.nodeId}</b> : null} {problem.message}
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <p>No problems found.</p>
            )}
          </div>
        ) : null}
        <footer className="rg-modal__foot">
          <button type="button" className="rg-button" onClick={close}>
            Cancel
          </button>
          {check.state === 'checked' ? (
            <button type="button" className="rg-button rg-button--primary" onClick={() => open(check.doc, check.problems.length)} data-testid="import-open">
              {check.problems.length > 0 ? 'Open anyway' : 'Open'}
            </button>
          ) : (
            <button type="button" className="rg-button rg-button--primary" disabled={!text.trim() || check.state === 'checking'} onClick={() => void run(text, true)} data-testid="import-submit">
              {check.state === 'checking' ? 'Checking…' : 'Import'}
            </button>
          )}
        </footer>
      </div>
    </div>
  );
}
